"""Contributions on the portal: the unit admin records a donation with a receipt, a wrong file
is refused with a message; the office sets a target and sees the overview and the file."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from app.models import Contribution, ContributionTarget
from app.services.clock import local_today
from tests import factories as f


def test_a_unit_records_and_the_office_sets_targets(app, db):
    office, unit_a, unit_b = f.platform_admin(), f.unit("甲单位"), f.unit("乙单位")
    admin_a, admin_b = f.unit_admin(unit_a), f.unit_admin(unit_b)
    today = local_today()
    client = app.test_client()
    f.login(client, admin_a)
    form = {"kind": "money", "day": today.isoformat(), "amount": "500", "description": "慈善一日捐"}
    wrong = f.post_form(client, "/contributions/", {**form, "files": (io.BytesIO(b"MZ not a pdf"), "x.pdf")},
                        token_from="/contributions/", content_type="multipart/form-data")
    assert wrong.status_code == 422 and "不是PDF或图片" in wrong.get_data(as_text=True)
    future = f.post_form(client, "/contributions/", {**form, "day": (today + timedelta(days=2)).isoformat(),
                                                      "files": (io.BytesIO(b"%PDF-1.4"), "r.pdf")},
                         token_from="/contributions/", content_type="multipart/form-data")
    assert future.status_code == 422 and db.session.scalar(select(Contribution.id)) is None
    done = f.post_form(client, "/contributions/", {**form, "files": (io.BytesIO(b"%PDF-1.4 receipt"), "收据.pdf")},
                       token_from="/contributions/", content_type="multipart/form-data")
    assert done.status_code == 302
    item = db.session.scalar(select(Contribution))
    assert item.unit_id == unit_a.id and float(item.amount) == 500 and item.files[0].filename == "收据.pdf"
    assert "慈善一日捐" in client.get("/contributions/").get_data(as_text=True)
    assert f.post_form(client, "/contributions/targets", {"unit_id": unit_a.id, "donations": "1"},
                       token_from="/contributions/").status_code == 403

    other = app.test_client()
    f.login(other, admin_b)
    assert "慈善一日捐" not in other.get("/contributions/").get_data(as_text=True)
    assert other.get(f"/contributions/{item.id}/files/{item.files[0].id}").status_code == 404

    client = app.test_client()
    f.login(client, office)
    saved = f.post_form(client, f"/contributions/targets?year={today.year}",
                        {"unit_id": unit_a.id, "donations": "2000", "blood": "30"}, token_from="/contributions/")
    assert saved.status_code == 302
    target = db.session.scalar(select(ContributionTarget))
    assert (target.year, float(target.donations), target.blood) == (today.year, 2000, 30)
    bad = f.post_form(client, "/contributions/targets", {"unit_id": unit_a.id, "blood": "-3"},
                      token_from="/contributions/")
    assert bad.status_code == 422
    page = client.get("/contributions/").get_data(as_text=True)
    assert "甲单位" in page and "25%" in page  # 500 of 2000
    assert client.get(f"/contributions/{item.id}/files/{item.files[0].id}").data == b"%PDF-1.4 receipt"
