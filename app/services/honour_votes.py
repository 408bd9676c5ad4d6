"""Residents' votes on a posted commendation list, where the office opened a vote: one vote per
phone per list. The phone proves itself with a six-digit code texted to it (derived, not
stored: a keyed hash of the list, the phone and a ten-minute window); the vote keeps only a
keyed hash of the phone, and a unique key makes a second vote from it a refusal, even when two
arrive together. The doors are rate-limited per address and per phone."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.models import Commendation, HonourVote
from app.services import audit, commendations, identity, sms
from app.services.clock import now
from app.services.errors import Conflict, ValidationFailed, add_or_conflict

WINDOW_SECONDS = 600


def _phone(value: str) -> str:
    try:
        return identity.normalize_phone(value)
    except ValueError as exc:
        raise ValidationFailed(fields={"phone": [str(exc)]}) from None


def _window(at: datetime) -> int:
    return int(at.timestamp()) // WINDOW_SECONDS


def _code(item: Commendation, phone: str, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"honour-vote:{item.id}:{phone}:{window}".encode()
    number = int.from_bytes(hmac.new(key, message, hashlib.sha256).digest()[:8], "big")
    return f"{number % 1_000_000:06d}"


def _open(item: Commendation) -> None:
    if not (item.vote_open and commendations.is_open(item)):
        raise Conflict(_("该名单没有开放投票，或投票已结束"))


def send_code(item: Commendation, phone: str, *, at: datetime | None = None) -> None:
    """Text the phone its code for this list's vote."""
    _open(item)
    phone = _phone(phone)
    sms.send(
        phone,
        _(
            "【志愿星】您的投票验证码是 %(code)s，10分钟内有效。",
            code=_code(item, phone, _window(at or now())),
        ),
    )


def cast(
    item: Commendation, *, phone: str, code: str, nominee_id: int, at: datetime | None = None
) -> HonourVote:
    """One vote per phone per list, for one nominee of the list."""
    _open(item)
    phone = _phone(phone)
    window = _window(at or now())
    typed = (code or "").strip()
    if not any(hmac.compare_digest(_code(item, phone, w), typed) for w in (window, window - 1)):
        raise ValidationFailed(fields={"code": [_("验证码不正确或已过期，请重新获取")]})
    if nominee_id not in {n.id for n in item.nominees}:
        raise ValidationFailed(fields={"nominee_id": [_("请选择名单中的人选")]})
    vote = HonourVote(
        commendation_id=item.id,
        nominee_id=nominee_id,
        phone_hash=identity.keyed_hash(f"honour-vote:{phone}"),
        created_at=now(),
    )
    voted = _("该手机号已经投过票")
    add_or_conflict(vote, Conflict(voted, fields={"phone": [voted]}))
    audit.log("commendation.voted", item, by=None, nominee_id=nominee_id)
    return vote


def counts(item: Commendation) -> dict[int, int]:
    rows = db.session.execute(
        select(HonourVote.nominee_id, func.count(HonourVote.id))
        .where(HonourVote.commendation_id == item.id)
        .group_by(HonourVote.nominee_id)
    ).all()
    return {nominee_id: count for nominee_id, count in rows}
