"""Resident ID numbers (GB 11643-1999) and mobile numbers: validation, encryption, masking.

The ID number is personal data: stored only encrypted (Fernet), found by a keyed hash
(HMAC-SHA256), shown masked. It never goes to logs, pages or API answers in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from cryptography.fernet import Fernet
from flask import current_app
from flask_babel import gettext as _

from app.masking import mask

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
PHONE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: date
    sex: str  # 'M' or 'F'

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def parse_resident_id(raw: str, today: date | None = None) -> ResidentId:
    """Validate an 18-digit resident ID number; raise ValueError with a user message."""
    number = (raw or "").strip().upper()
    if not ID_PATTERN.match(number):
        raise ValueError(_("身份证号码应为18位，最后一位可以是数字或X"))
    if id_check_char(number[:17]) != number[17]:
        raise ValueError(_("身份证号码校验位不正确，请核对"))
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValueError(_("身份证号码中的出生日期无效")) from None
    if birth.year < 1900 or (today and birth > today):
        raise ValueError(_("身份证号码中的出生日期无效"))
    sex = "M" if int(number[16]) % 2 else "F"
    return ResidentId(number, birth, sex)


def resident_or_field_error(
    raw: str, fields: dict[str, list[str]], today: date | None = None
) -> ResidentId | None:
    """A form's ID number read as a resident, or None with the reason put in `fields`."""
    try:
        return parse_resident_id(raw, today=today)
    except ValueError as exc:
        fields["id_number"] = [str(exc)]
        return None


def person_columns(resident: ResidentId) -> dict:
    """A person's row's columns taken from their resident ID: the number kept encrypted, hashed
    and masked, and the birth date and sex it carries."""
    return {
        "id_number_encrypted": encrypt(resident.number),
        "id_number_hash": keyed_hash(resident.number),
        "id_number_masked": mask_id_number(resident.number),
        "birth_date": resident.birth_date,
        "sex": resident.sex,
    }


def normalize_phone(raw: str) -> str:
    phone = re.sub(r"[\s-]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not PHONE_PATTERN.match(phone):
        raise ValueError(_("请输入11位中国大陆手机号码"))
    return phone


def mask_id_number(number: str) -> str:
    """The only way an ID number is shown: its first and last character (a certificate with
    more, plus registration answers, once let a full number be recovered)."""
    return mask(number) if len(number or "") >= 2 else "*" * 18


def mask_phone(phone: str) -> str:
    return mask(phone, head=3, tail=4)


def _key_material() -> bytes:
    return current_app.config["FIELD_ENCRYPTION_KEY"].encode()


def _derived(purpose: bytes) -> bytes:
    return hmac.new(_key_material(), purpose, hashlib.sha256).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived(b"field-encryption")))


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def keyed_hash(value: str) -> str:
    """Stable HMAC for uniqueness look-ups without storing the value."""
    return hmac.new(_derived(b"lookup-hash"), value.encode(), hashlib.sha256).hexdigest()
