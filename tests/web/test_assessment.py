"""The assessment page: the platform admin downloads a period's ZIP (all units or one); a unit
admin only its own; bad periods come back beside the field; volunteers are refused."""
from __future__ import annotations

import io
import zipfile

from app.services.months import Month
from tests import factories as f


def test_the_platform_admin_downloads_the_zip_and_a_unit_admin_only_its_own(client, db):
    admin = f.platform_admin()
    unit, other = f.unit("下载单位"), f.unit()
    f.login(client, admin)
    page = client.get("/assessment/")
    assert page.status_code == 200 and "全部成员单位" in page.get_data(as_text=True)
    month = str(Month.current().previous())
    got = f.post_form(client, "/assessment/", {"period": month, "unit_id": 0})
    assert got.status_code == 200 and got.mimetype == "application/zip"
    assert f"assessment-{month}-city.zip" in got.headers["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(got.data)) as archive:
        assert "index.html" in archive.namelist() and "下载单位" in archive.read("index.html").decode()
    for bad in ("2026-13", "next year", ""):
        refused = f.post_form(client, "/assessment/", {"period": bad, "unit_id": 0})
        assert refused.status_code == 422
    assert f.post_form(client, "/assessment/", {"period": month, "unit_id": 2147483647}).status_code == 422

    unit_client = client.application.test_client()
    f.login(unit_client, f.unit_admin(unit))
    assert "全部成员单位" not in unit_client.get("/assessment/").get_data(as_text=True)
    own = f.post_form(unit_client, "/assessment/", {"period": month, "unit_id": unit.id})
    assert own.status_code == 200 and f"unit-{unit.id}" in own.headers["Content-Disposition"]
    assert f.post_form(unit_client, "/assessment/", {"period": month, "unit_id": other.id}).status_code == 422

    volunteer_client = client.application.test_client()
    f.login(volunteer_client, f.volunteer(unit).user.username)
    assert volunteer_client.get("/assessment/").status_code == 403
