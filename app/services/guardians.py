"""Guardian consent for volunteers aged 14 to 17.

Rule: a minor may register and log in at once, but checks in (a post's QR, a kiosk reading
the card) only after a guardian has agreed — by opening the link sent to the guardian's
phone, or by a signed paper form that a unit admin records with a note. Both are audited.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import User, Volunteer
from app.services import audit, sms
from app.services.clock import local_today, now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.identity import mask_phone

ADULT_AGE = 18
LINK_DAYS = 7
RESEND_SECONDS = 60


class GuardianConsentRequired(Forbidden):
    """A minor whose guardian has not agreed yet tries to check in."""

    code = "guardian_consent_required"


def age_on(volunteer: Volunteer, day: date) -> int:
    born = volunteer.birth_date
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def needs_consent(volunteer: Volunteer, today: date | None = None) -> bool:
    """Under 18 and no guardian's agreement on record."""
    return volunteer.guardian_consent_at is None and age_on(volunteer, today or local_today()) < ADULT_AGE


def consent_state(volunteer: Volunteer) -> str | None:
    """'given', 'pending' (a minor still waiting), or None when no guardian is involved."""
    if volunteer.guardian_consent_at is not None:
        return "given"
    return "pending" if needs_consent(volunteer) else None


def ensure_may_check_in(volunteer: Volunteer) -> None:
    if volunteer.guardian_id is not None:  # a pupil under 14: records are entered by an admin
        raise GuardianConsentRequired(_("儿童志愿者不能扫码签到，服务记录由活动管理员录入"))
    if needs_consent(volunteer):
        raise GuardianConsentRequired(
            _(
                "监护人确认同意前暂不能签到。确认短信已发送到监护人手机，"
                "也可请所在单位管理员登记纸质监护人同意书。"
            )
        )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    return f"{current_app.config['BASE_URL']}/guardian/{token}"


def send_consent_link(volunteer: Volunteer, *, by: User | None, at: datetime | None = None) -> str:
    """Text the guardian a link to agree; a new link retires the previous one. Returns the
    link, which an admin may hand over when no SMS gateway is configured."""
    at = at or now()
    if not needs_consent(volunteer):
        raise Conflict(_("无需监护人确认"))
    if not volunteer.guardian_phone:
        raise ValidationFailed(fields={"guardian_phone": [_("没有监护人手机号码")]})
    sent = volunteer.guardian_token_sent_at
    if sent is not None and (at - sent).total_seconds() < RESEND_SECONDS:
        raise Conflict(_("确认短信刚刚发送过，请%(n)d秒后再试", n=RESEND_SECONDS))
    token = secrets.token_urlsafe(24)
    volunteer.guardian_token_hash = _digest(token)
    volunteer.guardian_token_sent_at = at
    db.session.flush()
    url = link_url(token)
    sms.send(
        volunteer.guardian_phone,
        _(
            "【志愿星】%(name)s申请注册为志愿者。您是其监护人，如同意其参加志愿服务，请在%(days)d天内打开链接确认：%(url)s",
            name=volunteer.name,
            days=LINK_DAYS,
            url=url,
        ),
    )
    audit.log(
        "volunteer.guardian_link_sent",
        volunteer,
        by=by,
        unit_id=volunteer.unit_id,
        guardian_phone=mask_phone(volunteer.guardian_phone),
        sms=sms.is_configured(),
    )
    return url


def volunteer_for_link(token: str, at: datetime | None = None) -> Volunteer:
    """The minor a guardian's link names; refused once used, replaced or older than LINK_DAYS."""
    at = at or now()
    volunteer = db.session.scalar(
        select(Volunteer).where(Volunteer.guardian_token_hash == _digest(token or ""))
    )
    if (
        volunteer is None
        or volunteer.guardian_token_sent_at is None
        or at - volunteer.guardian_token_sent_at > timedelta(days=LINK_DAYS)
    ):
        raise NotFound(_("确认链接无效或已过期，请让志愿者重新发送"))
    return volunteer


def confirm_by_link(token: str, at: datetime | None = None) -> Volunteer:
    """The guardian agrees by the link sent to their phone; the link then stops working."""
    at = at or now()
    volunteer = volunteer_for_link(token, at)
    volunteer.guardian_consent_at, volunteer.guardian_consent_method = at, "sms"
    volunteer.guardian_token_hash = None
    audit.changed(
        "volunteer.guardian_consent",
        volunteer,
        by=None,
        method="sms",
        guardian_phone=mask_phone(volunteer.guardian_phone) if volunteer.guardian_phone else None,
    )
    return volunteer


def record_paper_consent(
    volunteer: Volunteer, *, by: User, note: str, at: datetime | None = None
) -> Volunteer:
    """A unit admin records the guardian's signed paper form, with a note (where it is kept)."""
    note = (note or "").strip()
    if not note or len(note) > 500:
        raise ValidationFailed(
            fields={"note": [_("请填写说明，例如同意书的签署日期和存放位置（不超过500字）")]}
        )
    if volunteer.guardian_consent_at is not None:
        raise Conflict(_("监护人已确认同意"))
    volunteer.guardian_consent_at, volunteer.guardian_consent_method = at or now(), "paper"
    volunteer.guardian_consent_note = note
    volunteer.guardian_token_hash = None
    audit.changed("volunteer.guardian_consent", volunteer, by=by, method="paper", note=note)
    return volunteer
