"""Signed QR codes. Every QR decodes to an absolute URL under BASE_URL, so a phone's camera
app opens it; the token in the URL is signed (itsdangerous), so a tampered code is refused,
and short-lived kinds carry their time of issue, so an expired one is refused too.

kinds and their URLs:
  post     /s/<token>   printed poster; the same URL until the post is disabled or its code rotated
  kiosk    /s/<token>   on a screen at the post; valid KIOSK_CODE_SECONDS (about 60 s)
  card     /c/#<token>  volunteer card; valid CARD_CODE_SECONDS (about 5 minutes)
  coupon   /q/#<token>  coupon; valid COUPON_CODE_SECONDS (about 5 minutes)

Card and coupon codes are short-lived keys to a person's coupons, so they travel after the #:
browsers never send the fragment, and no access log (ours, gunicorn's, a proxy's) records it.
The page /q/ or /c/ reads it with a script and POSTs it. Posters keep their printed URLs.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import qrcode
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from qrcode.constants import ERROR_CORRECT_M

from app.services.errors import CodeExpired, CodeInvalid

PATHS = {"post": "s", "kiosk": "s", "card": "c", "coupon": "q"}
IN_FRAGMENT = {"card", "coupon"}
LIFETIME_CONFIG = {
    "kiosk": "KIOSK_CODE_SECONDS",
    "card": "CARD_CODE_SECONDS",
    "coupon": "COUPON_CODE_SECONDS",
}


def _serializer(kind: str) -> URLSafeSerializer | URLSafeTimedSerializer:
    # A printed poster's URL must stay the same for as long as the post's code is not
    # rotated, so it carries no time; every other kind carries its time of issue.
    key = current_app.config["SECRET_KEY"]
    if kind == "post":
        return URLSafeSerializer(key, salt="vs-qr-post")
    return URLSafeTimedSerializer(key, salt=f"vs-qr-{kind}")


def lifetime(kind: str) -> int | None:
    key = LIFETIME_CONFIG.get(kind)
    return int(current_app.config[key]) if key else None


def make_token(kind: str, data: dict) -> str:
    return _serializer(kind).dumps(data)


def make_url(kind: str, data: dict) -> tuple[str, datetime | None]:
    """The URL a QR of this kind shows, and when it stops working (None: no time limit)."""
    seconds = lifetime(kind)
    expires = datetime.now(UTC) + timedelta(seconds=seconds) if seconds else None
    separator = "#" if kind in IN_FRAGMENT else ""
    return f"{current_app.config['BASE_URL']}/{PATHS[kind]}/{separator}{make_token(kind, data)}", expires


def token_from_code(code: str, kind: str) -> str:
    """Accept the full URL a camera decoded, or the bare token a USB scanner typed."""
    code = (code or "").strip()
    if not code or len(code) > 1000:
        raise CodeInvalid()
    if "/" not in code:
        return code.removeprefix("#")  # a bare token, as a scanner may type it
    parts = urlsplit(code)
    segments = [s for s in parts.path.split("/") if s]
    if parts.fragment:
        if not segments or segments[-1] != PATHS[kind] or "/" in parts.fragment:
            raise CodeInvalid()
        return parts.fragment
    if len(segments) < 2 or segments[-2] != PATHS[kind]:
        raise CodeInvalid()
    return segments[-1]


def read_token(kind: str, token: str, max_age: int | None = None) -> dict:
    """The payload of a token of this kind; CodeExpired past max_age, CodeInvalid if tampered."""
    serializer = _serializer(kind)
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            data = serializer.loads(token, max_age=max_age)
        else:
            data = serializer.loads(token)
    except SignatureExpired:
        raise CodeExpired() from None
    except BadSignature:
        raise CodeInvalid() from None
    if not isinstance(data, dict):
        raise CodeInvalid()
    return data


def read_token_issued(kind: str, token: str) -> tuple[dict, datetime]:
    """The payload of a timed token and when it was issued, whatever its age (a tap made
    offline is judged by the moment of the tap, not of its upload)."""
    serializer = _serializer(kind)
    if not isinstance(serializer, URLSafeTimedSerializer):
        raise CodeInvalid()
    try:
        data, issued = serializer.loads(token, return_timestamp=True)
    except BadSignature:
        raise CodeInvalid() from None
    if not isinstance(data, dict):
        raise CodeInvalid()
    return data, issued


def read_code(kind: str, code: str, max_age: int | None = None) -> dict:
    return read_token(kind, token_from_code(code, kind), max_age)


def png(text: str, box_size: int = 10, border: int = 4) -> bytes:
    """A QR image (PNG bytes) of text."""
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def pil_image(text: str, box_size: int = 10, border: int = 4):
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(text)
    qr.make(fit=True)
    return qr.make_image(fill_color="black", back_color="white").get_image()
