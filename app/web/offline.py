"""The installable phone app and check-in without signal: the manifest, the service worker,
the scan page shell it serves offline, the phone's signing key, and the upload of queued taps."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.errors import error_body
from app.services import offline_taps, tap_devices, volunteers
from app.services.errors import DomainError, ValidationFailed

bp = Blueprint("offline", __name__)
SERVICE_WORKER = "/static/js/sw.js"


def _me():
    return volunteers.volunteer_of(current_user)


def _json_errors(view):
    """The phone's script reads JSON: a refusal answers the error shape, not a page."""
    from functools import wraps

    @wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except DomainError as exc:
            return jsonify(error_body(exc.code, exc.message, exc.fields)), exc.status

    return wrapped


@bp.app_template_global("offline_taps_of")
def offline_taps_of(record) -> list:
    """For the record review: the offline taps behind a record, with their device times."""
    return offline_taps.taps_of_record(record.id)


@bp.after_app_request
def _service_worker_scope(response):
    # the worker is a static file; this header lets it control /s/… and /me/ too
    if request.path == SERVICE_WORKER:
        response.headers["Service-Worker-Allowed"] = "/"
    return response


# the PWA manifest's fixed part; names, description and URLs are filled in per request
MANIFEST = {
    "lang": "zh-CN",
    "scope": "/",
    "display": "standalone",
    "background_color": "#ffffff",
    "theme_color": "#b3261e",
}
ICONS = [
    (name, purpose, size)
    for name, purpose in (("icon", "any"), ("maskable", "maskable"))
    for size in (192, 512)
]


def _icon(name: str, purpose: str, size: int) -> dict:
    src = url_for("static", filename=f"icons/{name}-{size}.png")
    return {"src": src, "sizes": f"{size}x{size}", "type": "image/png", "purpose": purpose}


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify(
        {
            "name": _("志愿星"),
            "short_name": _("志愿星"),
            "description": _("志愿服务岗扫码签到、服务时长与星级"),
            "start_url": url_for("volunteer.home"),
            **MANIFEST,
            "icons": [_icon(*icon) for icon in ICONS],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline/scan")
def scan_shell():
    """What the service worker shows for a post's QR without signal: no personal data, no
    inline script (its copy is served later, whatever the request's CSP nonce)."""
    return render_template("offline/shell.html")


@bp.post("/me/devices")
@role_required("volunteer")
@_json_errors
def register_device():
    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict) or not isinstance(body.get("public_key"), str):
        raise ValidationFailed(fields={"public_key": [_("应为 ECDSA P-256 公钥（SPKI，Base64）")]})
    label = request.user_agent.string[:100]
    device = tap_devices.register_device(_me(), body["public_key"], label=label, by=current_user)
    return jsonify({"id": device.id, "active": device.is_active}), 201


@bp.get("/me/devices")
@role_required("volunteer")
def devices():
    return render_template("offline/devices.html", devices=tap_devices.list_devices(_me()))


@bp.post("/me/devices/<int:device_id>/revoke")
@role_required("volunteer")
def revoke_device(device_id: int):
    tap_devices.revoke_device(tap_devices.device_of(_me(), device_id), by=current_user)
    flash(_("已停用该设备，它记录的离线签到将不被接受"), "success")
    return redirect(url_for(".devices"))


@bp.post("/me/taps")
@role_required("volunteer")
@_json_errors
def sync_taps():
    sent_at, taps = parse_batch(request.get_json(silent=True))
    results = offline_taps.sync(_me(), taps, sent_at=sent_at)
    return jsonify({"results": [r.as_dict() for r in results]})


def parse_batch(body) -> tuple[datetime, list[offline_taps.TapIn]]:
    """{sent_at, taps: [{device_id, payload, signature}]} as the page's script sends it."""
    bad = ValidationFailed(fields={"taps": [_("离线签到数据无效")]})
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("taps"), list)
        or not isinstance(body.get("sent_at"), str)
    ):
        raise bad
    try:
        sent_at = datetime.fromisoformat(body["sent_at"])
    except ValueError:
        raise bad from None
    if sent_at.tzinfo is None:
        raise bad
    taps = []
    for item in body["taps"]:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("device_id"), int)
            and not isinstance(item.get("device_id"), bool)
            and 0 < item["device_id"] < 2**31
            and isinstance(item.get("payload"), str)
            and isinstance(item.get("signature"), str)
        ):
            raise bad
        taps.append(offline_taps.TapIn(item["device_id"], item["payload"], item["signature"]))
    return sent_at, taps
