"""补录 finds the admin's own volunteers by name or phone, telling namesakes apart by the
masked ID number; another unit's volunteers are not listed."""
import re
from datetime import date

from tests import factories as f


def test_manual_entry_finds_own_volunteers_by_name_or_phone(client, db):
    unit = f.unit("阳光社区")
    first = f.volunteer(unit, name="张伟", birth=date(1990, 1, 1))
    second = f.volunteer(unit, name="张伟", birth=date(1985, 6, 6))
    elsewhere = f.volunteer(f.unit("市民政局"), name="张伟", birth=date(1970, 3, 3))
    db.session.commit()
    f.login(client, f.unit_admin(unit))
    page = client.get("/admin/records/new?q=张伟").get_data(as_text=True)
    assert first.id_number_masked in page and second.id_number_masked in page
    assert first.volunteer_no in page and second.volunteer_no in page
    assert elsewhere.volunteer_no not in page
    by_phone = client.get(f"/admin/records/new?q={second.phone}").get_data(as_text=True)
    assert second.volunteer_no in by_phone and first.volunteer_no not in by_phone
    assert "本单位没有找到" in client.get(f"/admin/records/new?q={elsewhere.phone}").get_data(as_text=True)
    picked = client.get(f"/admin/records/new?volunteer_no={second.volunteer_no}").get_data(as_text=True)
    assert re.search(rf'<input[^>]*name="volunteer_no"[^>]*value="{second.volunteer_no}"', picked)
