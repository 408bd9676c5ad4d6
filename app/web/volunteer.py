"""The volunteer's phone pages: home, records, volunteer card, own certificate."""

from __future__ import annotations

import base64
import io

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.services import certificates, guardians, notices, qr, rosters, stars, volunteer_home, volunteers
from app.services.clock import iso
from app.web.forms import db_int, domain_errors

bp = Blueprint("volunteer", __name__, url_prefix="/me")


def _me():
    return volunteers.volunteer_of(current_user)


@bp.get("/", endpoint="home")
@role_required("volunteer")
def home():
    coupons_url = url_for("coupons.mine") if "coupons.mine" in current_app.view_functions else None
    return render_template(
        "volunteer/home.html",
        home=volunteer_home.home(_me()),
        coupons_url=coupons_url,
        consent_needed=guardians.needs_consent(_me()),
        notices=notices.for_home(_me()),
        shifts=rosters.my_shifts(_me(), limit=2),
    )


@bp.post("/guardian/resend")
@role_required("volunteer")
def resend_guardian_link():
    """Text the guardian a fresh consent link (the old one stops working)."""
    with domain_errors(category="warning") as attempt:
        guardians.send_consent_link(_me(), by=current_user)
    if attempt.ok:
        flash(_("已重新向监护人手机发送确认短信"), "success")
    return redirect(url_for(".home"))


@bp.post("/stars/seen")
@role_required("volunteer")
def stars_seen():
    stars.mark_seen(_me())
    return redirect(url_for(".home"))


@bp.get("/records", endpoint="records")
@role_required("volunteer")
def records():
    page = volunteer_home.records_page(_me().id, request.args.get("page", 1, type=db_int))
    return render_template("volunteer/records.html", page=page)


def _card_payload(volunteer) -> dict:
    code, expires_at = volunteer_home.card_code(volunteer)
    image = base64.b64encode(qr.png(code, box_size=8)).decode()
    return {
        "code": code,
        "expires_at": iso(expires_at),
        "image": f"data:image/png;base64,{image}",
        "refresh_in": max(10, int(current_app.config["CARD_CODE_SECONDS"] * 0.8)),
    }


@bp.get("/card", endpoint="card")
@role_required("volunteer")
def card():
    volunteer = _me()
    return render_template("volunteer/card.html", volunteer=volunteer, card=_card_payload(volunteer))


@bp.get("/card/code.json", endpoint="card_code")
@role_required("volunteer")
def card_code():
    """A fresh card code for the page to swap in before the old one expires."""
    response = jsonify(_card_payload(_me()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/certificate.pdf", endpoint="certificate_pdf")
@role_required("volunteer")
def certificate_pdf():
    """The volunteer's newest certificate for the period ?from=&to= (YYYY-MM-DD, both optional).
    Reading changes nothing: when none was issued yet, a page offers to issue one (a POST)."""
    date_from, date_to = request.args.get("from"), request.args.get("to")
    cert = certificates.latest(_me(), date_from, date_to)
    if cert is None:
        return render_template(
            "volunteer/certificate_missing.html", date_from=date_from or "", date_to=date_to or ""
        ), 404
    return send_file(
        io.BytesIO(certificates.render_pdf(cert)),
        mimetype="application/pdf",
        as_attachment=request.args.get("download") == "1",
        download_name=certificates.filename(cert),
    )


@bp.post("/certificate", endpoint="issue_certificate")
@role_required("volunteer")
def issue_certificate():
    """Issue the volunteer's own certificate (or find the unchanged one), then show its PDF."""
    date_from, date_to = request.form.get("from") or None, request.form.get("to") or None
    certificates.issue_once(_me(), date_from=date_from, date_to=date_to, by=current_user)
    return redirect(url_for(".certificate_pdf", **{"from": date_from, "to": date_to}), 303)
