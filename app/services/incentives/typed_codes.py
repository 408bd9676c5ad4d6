"""The coupon's typeable code: eight characters a volunteer reads out when the counter cannot
scan the QR (a cracked screen, a dim scanner). It is derived, not stored: a keyed hash of the
coupon and the current few minutes, so showing it writes nothing and it lapses like the QR.
No 0/O, 1/I/L: the characters people misread are left out."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Coupon, Merchant
from app.services import qr
from app.services.clock import now
from app.services.errors import CodeInvalid

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
_SHAPE = re.compile(rf"^[{ALPHABET}]{{{LENGTH}}}$")


def _window_seconds() -> int:
    return qr.lifetime("coupon") or 300


def _code(coupon_id: int, window: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"coupon-counter-code:{coupon_id}:{window}".encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:LENGTH])


def typed_code(coupon_id: int, at: datetime | None = None) -> str:
    """The code shown under a coupon's QR now; it changes with the QR's lifetime."""
    return _code(coupon_id, int((at or now()).timestamp()) // _window_seconds())


def normalize(text: str) -> str | None:
    """The code as typed ("abcd efgh", "ABCD-EFGH") in its canonical form; None when the text
    is not shaped like one (a scanned QR's URL, a token)."""
    candidate = re.sub(r"[\s-]", "", text or "").upper()
    return candidate if _SHAPE.match(candidate) else None


def expand(text: str, merchant: Merchant, at: datetime | None = None) -> str:
    """A typed code becomes the coupon's QR text, so the counter goes on as after a scan;
    any other text is returned as it is. A typed code that matches nothing is refused. Only this merchant's usable coupons can match, in
    the current or the previous window (a code read out as it changes still works)."""
    typed = normalize(text)
    if typed is None:
        return text
    at = at or now()
    window = int(at.timestamp()) // _window_seconds()
    candidates = db.session.scalars(
        select(Coupon.id).where(
            Coupon.merchant_id == merchant.id, Coupon.status == "issued", Coupon.expires_at > at
        )
    )
    for coupon_id in candidates:
        if any(hmac.compare_digest(_code(coupon_id, w), typed) for w in (window, window - 1)):
            return qr.make_url("coupon", {"c": coupon_id})[0]
    raise CodeInvalid(_("券码不正确或已过期，请让志愿者刷新优惠券页面后再读一次"))
