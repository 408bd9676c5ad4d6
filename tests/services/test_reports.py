"""Supervisors' reports (随手拍): who may report, what a report needs, the loop from the office
to the responsible unit and back, the office's crediting rule, and who sees what."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.models import ServiceRecord
from app.services import audit, photos, reports, supervisors
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.inputs import Upload
from app.services.reports import ReportInput
from tests import factories as f
from tests.services.test_photos import GPS_IFD, jpeg_with_gps


@pytest.fixture
def scene(db):
    boss = f.platform_admin()
    street, school = f.unit("街道办"), f.unit("实验小学")
    reporter = f.volunteer(street, name="李监督")
    supervisors.appoint(reporter, by=boss)
    db.session.commit()
    return SimpleNamespace(
        boss=boss, street=street, school=school, reporter=reporter,
        street_admin=f.unit_admin(street), school_admin=f.unit_admin(school),
        other=f.volunteer(street, name="王路人"),
    )


def photo(name="现场.jpg") -> Upload:
    return Upload(name, jpeg_with_gps((800, 600)))


def file_one(s, **changes) -> object:
    data = dict(category="uncivil", text="有人在公园乱扔垃圾", lat=30.25, lng=120.16, address=None)
    data.update(changes)
    return reports.file_report(s.reporter, ReportInput(**data), [photo()])


def test_a_report_goes_from_filed_to_routed_replied_and_closed(scene, db):
    report = file_one(scene)
    assert report.status == "submitted" and reports.status_label(report) == "待分派"
    [kept] = photos.photos_of("report", report.id)
    assert "exif" not in Image.open(io.BytesIO(kept.data)).info  # the phone's GPS is gone

    reports.route(report, unit_id=scene.street.id, note="请核实", by=scene.boss)
    assert (report.status, report.unit_id) == ("routed", scene.street.id)
    reports.reply(report, text="已清理并设置提示牌", by=scene.street_admin)
    assert report.status == "replied"
    reports.close(report, outcome="confirmed", note="感谢监督", by=scene.boss)
    assert (report.status, report.outcome) == ("closed", "confirmed")
    assert reports.status_label(report) == "属实，已处理"
    assert [e.action for e in audit.trail(report)] == [
        "report.filed", "report.routed", "report.replied", "report.closed"]
    db.session.commit()
    assert report.credited_record_id is None  # never counted by itself


def test_only_a_supervisor_reports_and_only_the_office_names_one(scene, db):
    with pytest.raises(Forbidden):
        reports.file_report(scene.other, ReportInput("uncivil", "乱停车", 30.0, 120.0), [photo()])
    with pytest.raises(Forbidden):
        supervisors.appoint(scene.other, by=scene.street_admin)
    supervisors.dismiss(scene.reporter, by=scene.boss)
    assert not supervisors.is_supervisor(scene.reporter)
    with pytest.raises(Forbidden):
        file_one(scene)


@pytest.mark.parametrize("changes, field", [
    ({"category": "gossip"}, "category"),
    ({"text": "  "}, "text"),
    ({"text": "字" * (reports.TEXT_MAX + 1)}, "text"),
    ({"lat": None, "lng": None, "address": None}, "address"),
    ({"lat": 30.0, "lng": None}, "lat"),
    ({"lat": 91.0, "lng": 120.0}, "lat"),
    ({"lat": float("nan"), "lng": 120.0}, "lat"),
    ({"lat": None, "lng": None, "address": "路" * (reports.ADDRESS_MAX + 1)}, "address"),
])
def test_bad_reports_are_refused_per_field_and_leave_nothing(scene, db, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        file_one(scene, **changes)
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(reports.ProblemReport)) == 0


def test_a_report_needs_a_real_photo_and_an_address_will_do_for_a_place(scene, db):
    data = ReportInput("facility", "井盖缺失", address="人民路与解放路路口")
    with pytest.raises(ValidationFailed) as refused:
        reports.file_report(scene.reporter, data, [])
    assert "photo" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        reports.file_report(scene.reporter, data, [Upload("x.jpg", b"not an image at all")])
    assert "photo" in refused.value.fields
    db.session.rollback()
    report = reports.file_report(scene.reporter, data, [photo()])
    assert (report.lat, report.address) == (None, "人民路与解放路路口")


def test_refusals_along_the_loop(scene, db):
    report = file_one(scene)
    with pytest.raises(Forbidden):
        reports.route(report, unit_id=scene.street.id, note=None, by=scene.street_admin)
    with pytest.raises(ValidationFailed):
        reports.route(report, unit_id=None, note=None, by=scene.boss)
    with pytest.raises(Forbidden):  # nobody's yet
        reports.reply(report, text="好", by=scene.street_admin)
    with pytest.raises(Conflict):
        reports.close(report, outcome="confirmed", note=None, by=scene.boss)
    reports.route(report, unit_id=scene.school.id, note=None, by=scene.boss)
    reports.route(report, unit_id=scene.street.id, note="转给街道", by=scene.boss)  # re-routed before a reply
    with pytest.raises(Forbidden):
        reports.reply(report, text="不归我们", by=scene.school_admin)
    reports.reply(report, text="已处理", by=scene.street_admin)
    with pytest.raises(Conflict):
        reports.reply(report, text="再答一次", by=scene.street_admin)
    with pytest.raises(Conflict):
        reports.route(report, unit_id=scene.school.id, note=None, by=scene.boss)
    with pytest.raises(Forbidden):
        reports.close(report, outcome="confirmed", note=None, by=scene.street_admin)
    with pytest.raises(ValidationFailed):
        reports.close(report, outcome="maybe", note=None, by=scene.boss)
    reports.close(report, outcome="unfounded", note="现场未发现", by=scene.boss)
    with pytest.raises(Conflict):
        reports.close(report, outcome="confirmed", note=None, by=scene.boss)


def test_an_unfounded_report_may_be_closed_without_routing(scene, db):
    report = file_one(scene)
    reports.close(report, outcome="unfounded", note="重复上报", by=scene.boss)
    assert report.status == "closed" and reports.status_label(report) == "不属实或无法核实"


def _confirmed(scene):
    report = file_one(scene)
    reports.route(report, unit_id=scene.street.id, note=None, by=scene.boss)
    reports.reply(report, text="已处理", by=scene.street_admin)
    return report


def test_a_confirmed_report_counts_only_when_the_office_credits_it_under_its_rule(scene, db):
    report = _confirmed(scene)
    with pytest.raises(ValidationFailed) as refused:  # no rule yet
        reports.close(report, outcome="confirmed", note=None, credit=True, by=scene.boss)
    assert "credit" in refused.value.fields
    with pytest.raises(Forbidden):
        reports.set_credit_minutes(30, by=scene.street_admin)
    with pytest.raises(ValidationFailed):
        reports.set_credit_minutes(reports.CREDIT_MAX_MINUTES + 1, by=scene.boss)
    reports.set_credit_minutes(30, by=scene.boss)
    assert reports.credit_minutes() == 30

    reports.close(report, outcome="confirmed", note=None, credit=True, by=scene.boss)
    db.session.commit()
    record = db.session.get(ServiceRecord, report.credited_record_id)
    assert (record.status, record.seconds, record.volunteer_id) == ("approved", 1800, scene.reporter.id)
    assert "supervisor_report" in record.flag_list
    assert scene.reporter.approved_seconds == 1800  # through the ledger, so the cached total follows

    second = _confirmed(scene)
    reports.close(second, outcome="confirmed", note=None, credit=False, by=scene.boss)
    assert second.credited_record_id is None


def test_an_unfounded_report_is_never_credited(scene, db):
    reports.set_credit_minutes(30, by=scene.boss)
    report = file_one(scene)
    with pytest.raises(ValidationFailed):
        reports.close(report, outcome="unfounded", note=None, credit=True, by=scene.boss)


def test_who_sees_a_report_and_its_photo(scene, db):
    report = file_one(scene)
    [kept] = photos.photos_of("report", report.id)
    reports.route(report, unit_id=scene.street.id, note=None, by=scene.boss)
    db.session.commit()
    for user in (scene.reporter.user, scene.boss, scene.street_admin):
        assert reports.get_report(user, report.id) is report
        assert photos.visible(user, kept.id) is kept
    for user in (scene.other.user, scene.school_admin, None):
        if user is not None:
            with pytest.raises(NotFound):
                reports.get_report(user, report.id)
        with pytest.raises(NotFound):
            photos.visible(user, kept.id)
    assert not photos.is_public(kept)
    assert [r.id for r in reports.my_reports(scene.reporter)] == [report.id]
    assert reports.list_reports(scene.school_admin).total == 0
    assert reports.list_reports(scene.street_admin).total == 1
    assert reports.list_reports(scene.boss, status="routed").total == 1


def test_the_fixture_photo_really_had_gps():
    assert Image.open(io.BytesIO(jpeg_with_gps((80, 60)))).getexif().get_ifd(GPS_IFD)
