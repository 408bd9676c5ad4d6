import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from pypdf import PdfReader
from sqlalchemy import func, select

from app.models import Certificate
from app.services import certificates, identity, ledger
from app.services.clock import local, local_today, parse_local
from app.services.errors import Forbidden, NotFound, ValidationFailed
from tests import factories as f


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_qr_texts(data: bytes) -> list[str]:
    found = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            found += [r.text for r in zxingcpp.read_barcodes(image.image)]
    return found


@pytest.fixture
def scene(db):
    unit = f.unit("城东街道")
    admin = f.unit_admin(unit)
    volunteer = f.volunteer(unit, name="王小明")
    start = parse_local("2025-03-01T09:00")
    for day, hours in ((0, 2), (1, 3), (40, 4)):  # Mar 1, Mar 2, Apr 10
        begin = start + timedelta(days=day)
        ledger.create_record(volunteer, started_at=begin, ended_at=begin + timedelta(hours=hours), by=admin)
    begin = start + timedelta(days=5)
    rejected = ledger.create_record(volunteer, started_at=begin, ended_at=begin + timedelta(hours=5), by=admin)
    ledger.reject(rejected, by=admin, reason="重复")
    db.session.commit()
    return unit, admin, volunteer


def test_issue_snapshots_approved_records_of_the_range(scene, db):
    unit, admin, volunteer = scene
    cert = certificates.issue(volunteer, date_from="2025-03-01", date_to="2025-03-31", by=admin)
    db.session.commit()
    assert re.fullmatch(rf"VS{local(cert.issued_at).year}-\d{{6}}", cert.cert_no)
    assert cert.cert_no.endswith(f"{cert.id:06d}")
    assert cert.total_seconds == 5 * 3600
    assert [(r["date"], r["seconds"]) for r in cert.records] == [("2025-03-01", 7200), ("2025-03-02", 10800)]
    assert cert.records[0]["place"] == "城东街道（补录）"
    assert cert.unit_id == unit.id and cert.issued_by_id == admin.id
    assert len(cert.verify_token) >= 30

    everything = certificates.issue(volunteer, by=admin)
    assert everything.total_seconds == 9 * 3600 and everything.cert_no != cert.cert_no
    assert everything.verify_token != cert.verify_token


def test_reuse_returns_the_same_certificate_until_records_change(scene, db):
    _, _, volunteer = scene
    me = volunteer.user
    first = certificates.issue(volunteer, by=me, reuse=True)
    db.session.commit()
    assert certificates.issue(volunteer, by=me, reuse=True).id == first.id
    f.give_hours(volunteer, 1)
    second = certificates.issue(volunteer, by=me, reuse=True)
    assert second.id != first.id and second.total_seconds == first.total_seconds + 3600
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 2


@pytest.mark.parametrize("date_from, date_to, field", [
    ("2025-04-01", "2025-03-01", "date_to"),
    ("2025-13-01", None, "date_from"),
    (None, "yesterday", "date_to"),
    (None, "in-three-days", "date_to"),
])
def test_bad_ranges_are_refused(scene, date_from, date_to, field):
    _, admin, volunteer = scene
    if date_to == "in-three-days":
        date_to = (local_today() + timedelta(days=3)).isoformat()
    with pytest.raises(ValidationFailed) as info:
        certificates.issue(volunteer, date_from=date_from, date_to=date_to, by=admin)
    assert field in info.value.fields


def test_who_may_issue(scene, db):
    unit, admin, volunteer = scene
    other_unit_admin = f.unit_admin(f.unit())
    other_volunteer = f.volunteer(unit, name="赵六")
    with pytest.raises(Forbidden):
        certificates.issue(volunteer, by=other_unit_admin)
    with pytest.raises(Forbidden):
        certificates.issue(volunteer, by=other_volunteer.user)
    with pytest.raises(Forbidden):
        certificates.issue(volunteer, by=f.merchant_user())
    platform = f.platform_admin()
    assert certificates.issue(volunteer, by=platform).unit_id == unit.id
    cert = certificates.issue(volunteer, by=volunteer.user)
    certificates.ensure_can_view(volunteer.user, cert)
    certificates.ensure_can_view(admin, cert)
    certificates.ensure_can_view(platform, cert)
    for outsider in (other_unit_admin, other_volunteer.user):
        with pytest.raises(Forbidden):
            certificates.ensure_can_view(outsider, cert)


def test_pdf_has_the_chinese_name_number_and_a_qr_to_the_check_page(scene, db):
    unit, admin, volunteer = scene
    f.give_hours(volunteer, 120)  # 1★
    cert = certificates.issue(volunteer, by=admin)
    db.session.commit()
    data = certificates.render_pdf(cert)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in ("志愿服务记录证明", "王小明", cert.cert_no, volunteer.volunteer_no,
                     volunteer.id_number_masked, "城东街道", "129.00", "1星", "2025-03-01"):
        assert expected in text, expected
    assert identity.decrypt(volunteer.id_number_encrypted) not in text
    assert pdf_qr_texts(data) == [f"http://vs.test/certificates/check/{cert.verify_token}"]
    # The font is embedded (a machine without Chinese fonts still renders it).
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    descriptors = [fonts[k].get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                   if "/DescendantFonts" in fonts[k].get_object() else fonts[k].get_object().get("/FontDescriptor")
                   for k in fonts]
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors)


def test_many_records_flow_onto_more_pages(scene, db):
    _, admin, volunteer = scene
    for _ in range(60):
        f.give_hours(volunteer, 1)
    cert = certificates.issue(volunteer, by=admin)
    data = certificates.render_pdf(cert)
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2
    assert cert.cert_no in pdf_text(data)


def test_verify_shows_no_personal_data(scene, db):
    unit, admin, volunteer = scene
    cert = certificates.issue(volunteer, date_from="2025-03-01", date_to="2025-03-31", by=admin)
    db.session.commit()
    found = certificates.verify(cert.verify_token)
    assert found.cert_no == cert.cert_no and found.masked_name == "王*明"
    assert found.total_hours == 5.0 and found.unit_name == "城东街道"
    assert not hasattr(found, "name") and not hasattr(found, "id_number_masked")
    with pytest.raises(NotFound):
        certificates.verify("not-a-token")
    with pytest.raises(NotFound):
        certificates.verify("")


def test_certificate_prints_only_the_first_and_last_character_of_the_id_number(scene, db):
    unit, admin, volunteer = scene
    number = identity.decrypt(volunteer.id_number_encrypted)
    cert = certificates.issue(volunteer, by=admin)
    db.session.commit()
    text = pdf_text(certificates.render_pdf(cert))
    assert number[0] + "*" * 16 + number[-1] in text
    assert number[-4:] not in text


def test_the_period_reads_naturally_everywhere_and_the_pdf_has_a_space_for_the_seal(app, scene, db):
    unit, admin, volunteer = scene
    everything = certificates.issue(volunteer, by=admin)
    ranged = certificates.issue(volunteer, date_from="2025-03-02", date_to="2025-03-31", by=admin)
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        today = local(everything.issued_at).date()
        expected = f"2025年3月1日至{today.year}年{today.month}月{today.day}日"  # from the first record
        assert certificates.period_text(everything) == expected
        assert certificates.verify(everything.verify_token).period == expected
        assert certificates.period_text(ranged) == "2025年3月2日至2025年3月31日"
        text = pdf_text(certificates.render_pdf(everything))
    assert "服务期间" in text and expected in text.replace("\n", "")
    for stale in ("证明期间", "全部服务记录", "开具日 ", "注册起"):
        assert stale not in text, stale
    assert "盖章处" in text
