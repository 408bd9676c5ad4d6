"""What a phone's camera opens: a post's QR. GET shows the post and one button (it never
changes anything); POST checks in or out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.extensions import db
from app.models import ServiceRecord
from app.services import attendance, guardians, ledger, volunteers
from app.services.errors import DomainError, get_or_404

bp = Blueprint("scan", __name__)


def _position() -> tuple[float | None, float | None]:
    """The phone's position, or none: 'nan', 'inf' or a place off the globe is no position
    (a NaN would otherwise compare as inside every fence)."""
    try:
        lat = float(request.form["lat"]) if request.form.get("lat") else None
        lng = float(request.form["lng"]) if request.form.get("lng") else None
    except ValueError:
        return None, None
    if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return lat, lng


@bp.get("/s/<token>", endpoint="post_code")
def post_code(token: str):
    post = attendance.post_for_code(token)
    state: dict[str, Any] = {"open_here": None, "open_elsewhere": None, "consent_needed": False}
    if current_user.is_authenticated and current_user.role == "volunteer":
        volunteer = volunteers.volunteer_of(current_user)
        state["consent_needed"] = guardians.needs_consent(volunteer)
        current = ledger.open_session(volunteer.id)
        if current is not None:
            state["open_here" if current.post_id == post.id else "open_elsewhere"] = current
    return render_template("scan/post.html", post=post, token=token, **state)


def _scan(volunteer, token: str) -> attendance.ScanResult | None:
    """What the button asked for: check out at another post (None), switch to this post, or
    this post's own scan (check in or out)."""
    lat, lng = _position()
    if request.form.get("action") == "check_out_elsewhere":
        attendance.check_out_elsewhere(volunteer, lat=lat, lng=lng)
        flash(_("已在其他服务岗签退"), "success")
        return None
    if request.form.get("action") == "switch_here":
        result = attendance.switch_post(volunteer, token, lat=lat, lng=lng)
        flash(_("已在其他服务岗签退"), "success")
        return result
    return attendance.scan(volunteer, token, lat=lat, lng=lng, intent=request.form.get("intent"))


@bp.post("/s/<token>")
@role_required("volunteer")
def act(token: str):
    volunteer = volunteers.volunteer_of(current_user)
    try:
        result = _scan(volunteer, token)
    except DomainError as exc:
        db.session.rollback()  # a redirect would otherwise commit what the refused scan wrote
        if not isinstance(exc, attendance.OpenElsewhere):  # that one: the page asks to check out there
            flash(exc.message, "danger")
        return redirect(url_for(".post_code", token=token))
    if result is None:
        return redirect(url_for(".post_code", token=token))
    return redirect(url_for(".result", record_id=result.record.id, action=result.action))


@bp.get("/scan/records/<int:record_id>", endpoint="result")
@role_required("volunteer")
def result(record_id: int):
    record = get_or_404(ServiceRecord, record_id)
    if record.volunteer_id != volunteers.volunteer_of(current_user).id:
        from app.services.errors import NotFound

        raise NotFound()
    return render_template("scan/result.html", record=record, action=request.args.get("action"))
