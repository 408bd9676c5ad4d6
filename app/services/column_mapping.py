"""Which column of a unit's own spreadsheet holds which field: proposals from common header
names (and from what the unit chose last time), the admin's corrections, and the unit's
remembered mapping."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import ColumnMapping
from app.services.errors import ValidationFailed
from app.services.sheet_reader import normalize_header


@dataclass(frozen=True)
class Field:
    code: str
    label: object  # a lazy string
    names: tuple[str, ...]  # common header names, the first is ours


RECORD_FIELDS = (
    Field(
        "id_number",
        _l("身份证号"),
        ("证件号码", "身份证号", "身份证号码", "证件号", "身份证", "公民身份号码"),
    ),
    Field("volunteer_no", _l("志愿者编号"), ("志愿者编号", "编号", "志愿者号", "注册编号")),
    Field("name", _l("姓名"), ("姓名", "志愿者姓名", "名字")),
    Field("phone", _l("手机号"), ("手机号", "手机号码", "联系电话", "电话", "手机", "联系方式")),
    Field("service_date", _l("服务日期"), ("服务日期", "日期", "活动日期")),
    Field("started_at", _l("开始时间"), ("开始时间", "服务开始时间", "签到时间", "起始时间")),
    Field("ended_at", _l("结束时间"), ("结束时间", "服务结束时间", "签退时间", "截止时间")),
    Field(
        "hours",
        _l("服务时长（小时）"),
        ("服务时长（小时）", "服务时长", "时长", "时长（小时）", "小时数", "服务小时数", "志愿服务时长"),
    ),
    Field("content", _l("服务内容"), ("服务内容", "内容", "备注", "说明")),
    Field("place", _l("服务地点"), ("服务地点", "地点")),
    Field("post", _l("服务岗"), ("服务岗", "岗位", "服务岗位")),
    Field("project", _l("项目名称"), ("项目名称", "项目", "活动名称")),
)
ROSTER_FIELDS = (
    Field("name", _l("姓名"), ("姓名", "志愿者姓名", "名字")),
    Field(
        "id_number",
        _l("身份证号"),
        ("证件号码", "身份证号", "身份证号码", "证件号", "身份证", "公民身份号码"),
    ),
    Field("phone", _l("手机号"), ("手机号", "手机号码", "联系电话", "电话", "手机", "联系方式")),
    Field("guardian_name", _l("监护人姓名"), ("监护人姓名", "监护人")),
    Field("guardian_phone", _l("监护人手机号"), ("监护人手机号", "监护人电话", "监护人联系电话")),
)
FIELDS = {"records": RECORD_FIELDS, "roster": ROSTER_FIELDS}


def fields_of(kind: str) -> dict[str, Field]:
    return {f.code: f for f in FIELDS[kind]}


def known_headers(kind: str) -> set[str]:
    return {normalize_header(name) for f in FIELDS[kind] for name in f.names}


def _remembered(unit_id: int | None, kind: str) -> dict[str, str]:
    if unit_id is None:
        return {}
    row = db.session.scalar(
        select(ColumnMapping).where(ColumnMapping.unit_id == unit_id, ColumnMapping.kind == kind)
    )
    return dict(row.columns) if row else {}


def propose(header: list[str], *, unit_id: int | None, kind: str) -> list[str | None]:
    """A field (or None) per column: what the unit chose for this header before, else the
    field whose common names include it; each field is proposed for one column at most."""
    remembered = _remembered(unit_id, kind)
    valid = fields_of(kind)
    by_name = {normalize_header(name): f.code for f in FIELDS[kind] for name in f.names}
    proposal: list[str | None] = []
    taken: set[str] = set()
    for text in header:
        key = normalize_header(text)
        code = remembered.get(key) if remembered.get(key) in valid else by_name.get(key)
        if code in taken:
            code = None
        if code:
            taken.add(code)
        proposal.append(code)
    return proposal


def from_names(names: dict[str, str], header: list[str], *, kind: str) -> list[str | None]:
    """A mapping given as {header text: field} (the API's form) as a field per column; a
    header the file lacks or a field we do not know is refused."""
    valid = fields_of(kind)
    keys = [normalize_header(h) for h in header]
    mapping: list[str | None] = [None] * len(header)
    problems: list[str] = []
    for text, code in names.items():
        if code not in valid:
            problems.append(str(_("未知的字段：%(f)s", f=code)))
            continue
        key = normalize_header(text)
        if key not in keys:
            problems.append(str(_("文件中没有名为“%(h)s”的列", h=text)))
            continue
        mapping[keys.index(key)] = code
    if problems:
        raise ValidationFailed(problems[0], fields={"mapping": problems})
    return mapping


def check(mapping: list[str | None], *, kind: str) -> None:
    """A mapping must name each field once, and enough to identify the person and the time."""
    chosen = [c for c in mapping if c]
    problems: list[str] = []
    valid = fields_of(kind)
    for code in dict.fromkeys(chosen):
        if chosen.count(code) > 1:
            problems.append(str(_("“%(f)s”只能对应一列", f=valid[code].label)))
    have = set(chosen)
    if kind == "records":
        if not ({"id_number"} <= have or {"volunteer_no"} <= have or {"name", "phone"} <= have):
            problems.append(str(_("请指定能识别志愿者的列：身份证号、志愿者编号，或姓名加手机号")))
        if not (
            {"started_at", "ended_at"} <= have
            or {"service_date", "hours"} <= have
            or {"started_at", "hours"} <= have
        ):
            problems.append(str(_("请指定服务时间的列：开始和结束时间，或服务日期加服务时长")))
    else:
        missing = [valid[c].label for c in ("name", "id_number", "phone") if c not in have]
        if missing:
            problems.append(str(_("请指定这些列：%(f)s", f="、".join(str(m) for m in missing))))
    if problems:
        raise ValidationFailed(problems[0], fields={"mapping": problems})


def remember(unit_id: int, kind: str, header: list[str], mapping: list[str | None]) -> None:
    """Keep the unit's choice, by header text, for its next file (added to what it chose for
    other headers before)."""
    row = db.session.scalar(
        select(ColumnMapping).where(ColumnMapping.unit_id == unit_id, ColumnMapping.kind == kind)
    )
    columns = dict(row.columns) if row else {}
    for text, code in zip(header, mapping, strict=False):
        key = normalize_header(text)
        if key:
            if code:
                columns[key] = code
            else:
                columns.pop(key, None)
    if row is None:
        db.session.add(ColumnMapping(unit_id=unit_id, kind=kind, columns=columns))
    else:
        row.columns = columns
    db.session.flush()
