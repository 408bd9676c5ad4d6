"""Importing records from a unit's own spreadsheet: a GB18030 CSV and an XLSX with merged
title rows, mapping proposals and corrections, identity by ID number or name plus phone,
the template's example row, the error report, and the remembered mapping."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.models import ColumnMapping, ServiceRecord
from app.services import column_mapping, identity, records_import
from app.services.clock import local, now
from app.services.sheet_reader import detect_encoding, read_sheet
from tests import factories as f
from tests.web import import_steps as steps


@pytest.fixture
def scene(db):
    unit = f.unit("阳光社区")
    admin = f.unit_admin(unit)
    wang = f.volunteer(unit, name="王小明")
    li = f.volunteer(unit, name="李华")
    return {"unit": unit, "admin": admin, "wang": wang, "li": li}


def _id_of(volunteer) -> str:
    return identity.decrypt(volunteer.id_number_encrypted)


def _day(days_ago: int) -> str:
    return local(now() - timedelta(days=days_ago)).strftime("%Y/%m/%d")


def unit_csv(scene) -> bytes:
    """What a unit exports from its own Excel on a Chinese Windows: GB18030, a title line."""
    lines = ["阳光社区志愿服务时长登记表,,,,",
             "姓名,身份证号,手机号,服务时长（小时）,服务日期,服务内容",
             f"王小明,{_id_of(scene['wang'])},{scene['wang'].phone},3,{_day(10)},图书整理",
             f"王小明,{_id_of(scene['wang'])},{scene['wang'].phone},2.5,{_day(10)},图书整理",
             f"李华,,{scene['li'].phone},4,{_day(9)},社区巡逻"]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def merged_title_xlsx(scene) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026年阳光社区志愿服务记录"])
    sheet.merge_cells("A1:F1")
    sheet.append(["填报单位：阳光社区"])
    sheet.merge_cells("A2:F2")
    sheet.append([])
    sheet.append(["序号", "证件号码", "姓名", "开始时间", "结束时间", "服务地点"])
    start = local(now() - timedelta(days=5)).replace(hour=8, minute=30, second=0, microsecond=0, tzinfo=None)
    sheet.append([1, _id_of(scene["li"]), "李华", start, start + timedelta(hours=2), "社区广场"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_encoding_of_a_csv_is_detected():
    assert detect_encoding("姓名,手机号".encode("gb18030")) == "gb18030"
    assert detect_encoding("姓名,手机号".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbf" + "姓名".encode()) == "utf-8-sig"


def test_mapping_proposals_from_common_header_names(db):
    header = ["姓名", "证件号码", "联系电话", "服务日期", "开始时间", "结束时间", "服务时长(小时)", "服务内容",
              "服务地点", "项目名称", "*手机号", "序号"]
    assert column_mapping.propose(header, unit_id=None, kind="records") == [
        "name", "id_number", "phone", "service_date", "started_at", "ended_at", "hours", "content", "place",
        "project", None, None]  # a second phone column is not proposed twice


def test_a_gb18030_csv_is_proposed_previewed_and_imported(client, db, scene):
    f.login(client, scene["admin"])
    response = steps.upload(client, unit_csv(scene), "登记表.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "表头在第2行" in page and "预览通过" in page and "图书整理" in page
    assert steps.proposed(page) == ["name", "id_number", "phone", "hours", "service_date", "content"]
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0  # a preview keeps nothing
    assert steps.confirm(client, page).status_code == 302
    db.session.expire_all()
    assert scene["wang"].hours == 5.5 and scene["li"].hours == 4
    wang = db.session.scalars(select(ServiceRecord).where(ServiceRecord.volunteer_id == scene["wang"].id)
                              .order_by(ServiceRecord.started_at)).all()
    # a date and a duration: counted from 09:00, the day's second row after the first
    assert [local(r.started_at).strftime("%H:%M") for r in wang] == ["09:00", "12:00"]
    assert {r.note for r in wang} == {"图书整理"} and {r.source for r in wang} == {"import"}


def test_an_xlsx_with_merged_title_rows_and_a_corrected_mapping(client, db, scene):
    f.login(client, scene["admin"])
    page = steps.upload(client, merged_title_xlsx(scene)).get_data(as_text=True)
    assert "表头在第4行" in page
    assert steps.proposed(page) == ["", "id_number", "name", "started_at", "ended_at", "place"]
    # the admin leaves the place out
    response = steps.confirm(client, page, ["", "id_number", "name", "started_at", "ended_at", ""])
    assert response.status_code == 302
    record = db.session.scalar(select(ServiceRecord))
    assert record.volunteer_id == scene["li"].id and record.seconds == 7200 and record.note is None


def test_a_name_that_does_not_match_the_id_number_is_a_row_error(client, db, scene):
    f.login(client, scene["admin"])
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号", "服务日期", "服务时长"])
    workbook.active.append(["张冒名", _id_of(scene["li"]), _day(3), 2])
    workbook.active.append(["李华", "110101199001011234", _day(3), 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = steps.import_file(client, buffer.getvalue())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "第2行 · 姓名：姓名与该志愿者的登记信息不符" in page and "第3行 · 身份证号" in page
    assert db.session.scalar(select(func.count(ServiceRecord.id))) == 0


def test_the_error_report_lists_row_column_and_reason(client, db, scene):
    f.login(client, scene["admin"])
    phone = scene["li"].phone
    data = f"姓名,手机号,服务日期,服务时长\r\n李华,13000000000,2026-10-01,2\r\n李华,{phone},2026-13-01,2\r\n".encode("gb18030")
    page = steps.upload(client, data, "x.csv").get_data(as_text=True)
    report = client.post("/admin/records/import/errors.xlsx", data={
        "token": steps.token_of(page), "csrf_token": f.csrf_token(client, "/admin/records/import")})
    assert report.status_code == 200
    rows = list(load_workbook(io.BytesIO(report.data)).active.iter_rows(values_only=True))
    assert rows[0] == ("行", "列", "原因")
    assert rows[1] == (2, "手机号", "没有姓名和手机号都相符的志愿者")
    assert rows[2] == (3, "服务日期", "日期无效")


def test_the_mapping_is_remembered_for_the_unit(client, db, scene):
    f.login(client, scene["admin"])
    header = "编码,人员,电话,小时,日子\r\n"
    row = f"1,李华,{scene['li'].phone},2,{_day(4)}\r\n"
    page = steps.upload(client, (header + row).encode(), "a.csv").get_data(as_text=True)
    assert steps.proposed(page) == ["", "", "phone", "", ""]
    mapping = ["", "name", "phone", "hours", "service_date"]
    assert steps.confirm(client, page, mapping).status_code == 302
    assert db.session.scalar(select(ColumnMapping.unit_id)) == scene["unit"].id
    row = f"1,李华,{scene['li'].phone},2,{_day(6)}\r\n"
    page = steps.upload(client, (header + row).encode(), "b.csv").get_data(as_text=True)
    assert steps.proposed(page) == mapping
    other = client.application.test_client()
    f.login(other, f.unit_admin(f.unit("别的单位")))
    page = steps.upload(other, (header + row).encode(), "b.csv").get_data(as_text=True)
    assert steps.proposed(page) == ["", "", "phone", "", ""]


def test_the_templates_example_row_is_skipped_when_marked_and_refused_otherwise(client, db, scene):
    f.login(client, scene["admin"])
    template = load_workbook(io.BytesIO(client.get("/admin/records/template.xlsx").data))
    sheet = template.active
    start = local(now() - timedelta(days=2)).strftime("%Y-%m-%d")
    sheet.append([scene["li"].volunteer_no, f"{start} 09:00", f"{start} 11:00", "", ""])
    buffer = io.BytesIO()
    template.save(buffer)
    response = steps.import_file(client, buffer.getvalue())
    assert response.status_code == 302  # the example row, marked 示例, was skipped
    assert scene["li"].approved_seconds == 7200
    sheet["E2"] = ""  # the mark is gone: the row is refused with a clear word
    buffer = io.BytesIO()
    template.save(buffer)
    page = steps.import_file(client, buffer.getvalue()).get_data(as_text=True)
    assert "请删除示例行" in page and "志愿者编号不存在" not in page


def test_too_many_rows_are_refused_whole(db, scene):
    data = ("姓名,手机号,服务日期,服务时长\r\n" + "李华,13900000000,2026-10-01,1\r\n" * 12).encode()
    with pytest.raises(records_import.ValidationFailed) as refused:
        read_sheet(data, "x.csv", max_rows=10, known_headers=column_mapping.known_headers("records"))
    assert "一次最多导入10行" in refused.value.message
