"""Factories that make the scenario a test reads: units, admins, volunteers, logins."""
from __future__ import annotations

import itertools
import re
from datetime import date

from app.extensions import db
from app.models import User, Volunteer
from app.services import accounts, identity, units, volunteers

_seq = itertools.count(1)
PASSWORD = "secret-pass-1"


def valid_id_number(birth: date = date(1990, 1, 1), female: bool = False, seq: int | None = None) -> str:
    n = next(_seq) if seq is None else seq
    order = (n % 50) * 2 + (0 if female else 1)  # odd = male, even = female
    first17 = f"110101{birth:%Y%m%d}{(n // 50) % 10}{order % 100:02d}"
    return first17 + identity.id_check_char(first17)


def unique_phone() -> str:
    return f"139{next(_seq):08d}"


def platform_admin(username: str | None = None) -> User:
    user = accounts.create_user(username=username or f"admin{next(_seq)}", password=PASSWORD,
                                role="platform_admin", name="平台管理员")
    db.session.commit()
    return user


def unit(name: str | None = None, admin: User | None = None):
    admin = admin or db.session.scalar(db.select(User).where(User.role == "platform_admin")) or platform_admin()
    made = units.create_unit(name=name or f"成员单位{next(_seq)}", contact_email="unit@example.org", by=admin)
    db.session.commit()
    return made


def unit_admin(unit_obj=None, username: str | None = None) -> User:
    unit_obj = unit_obj or unit()
    user = accounts.create_user(username=username or f"uadmin{next(_seq)}", password=PASSWORD,
                                role="unit_admin", name="单位管理员", unit_id=unit_obj.id)
    db.session.commit()
    return user


def merchant_user(username: str | None = None, merchant_id: int | None = None) -> User:
    user = accounts.create_user(username=username or f"shop{next(_seq)}", password=PASSWORD,
                                role="merchant", name="商家", merchant_id=merchant_id)
    db.session.commit()
    return user


def volunteer(unit_obj=None, name: str = "张三", birth: date = date(1990, 1, 1), **extra) -> Volunteer:
    unit_obj = unit_obj or unit()
    made = volunteers.register(volunteers.Registration(
        name=name, id_number=valid_id_number(birth), phone=unique_phone(), password=PASSWORD,
        consent=True, unit_id=unit_obj.id, **extra))
    db.session.commit()
    return made


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, user_or_username, password: str = PASSWORD):
    username = getattr(user_or_username, "username", user_or_username)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def post_form(client, path: str, data: dict, token_from: str | None = None, **kwargs):
    """POST a portal form with the session's CSRF token."""
    data = dict(data)
    data.setdefault("csrf_token", csrf_token(client, token_from or path))
    return client.post(path, data=data, **kwargs)


def api_token(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def give_hours(volunteer_obj: Volunteer, hours: float, *, by: User | None = None, post=None,
               end=None):
    """An approved manual record of `hours` for the volunteer, ending `end` (default: just
    before the volunteer's earliest record, so records never overlap)."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.models import ServiceRecord
    from app.services import ledger
    from app.services.clock import now
    if end is None:
        earliest = db.session.scalar(select(func.min(ServiceRecord.started_at))
                                     .where(ServiceRecord.volunteer_id == volunteer_obj.id))
        end = (earliest or now()) - timedelta(minutes=1)
    seconds = round(hours * 3600)
    record = None
    remaining = seconds
    while remaining > 0:  # a record is at most 24 h
        chunk = min(remaining, 24 * 3600)
        record = ledger.create_record(volunteer_obj, started_at=end - timedelta(seconds=chunk), ended_at=end,
                                      by=by, source="manual", post=post, status="approved")
        end = end - timedelta(seconds=chunk + 60)
        remaining -= chunk
    db.session.commit()
    return record
