"""Column profiles of the records export: ours (every field of 《志愿服务记录与证明出具办法》
plus project, post, unit, status and record number), and "national platform batch import",
which follows the national system's batch-import order for service hours and can be edited
in settings, since provincial sites differ."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Setting, User
from app.services import audit, settings
from app.services.errors import ValidationFailed

# code -> title. Titles are data, not interface text: always Chinese, whatever the admin's
# language, since the import proposes from them (an export re-imports as it is) and the
# national platform reads them.
EXPORT_FIELDS = {
    "record_no": "记录编号",
    "name": "姓名",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "volunteer_no": "志愿者编号",
    "content": "服务内容",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "hours": "服务时长（小时）",
    "place": "服务地点",
    "evaluation": "服务评价",
    "project": "项目名称",
    "post": "服务岗",
    "unit": "单位",
    "status": "状态",
}
FIELD_LABELS = {
    "record_no": _l("记录编号"),
    "name": _l("姓名"),
    "id_type": _l("证件类型"),
    "id_number": _l("证件号码"),
    "volunteer_no": _l("志愿者编号"),
    "content": _l("服务内容"),
    "started_at": _l("开始时间"),
    "ended_at": _l("结束时间"),
    "hours": _l("服务时长（小时）"),
    "place": _l("服务地点"),
    "evaluation": _l("服务评价"),
    "project": _l("项目名称"),
    "post": _l("服务岗"),
    "unit": _l("单位"),
    "status": _l("状态"),
}
STANDARD = list(EXPORT_FIELDS)
NATIONAL_KEY = "export_profile_national"
NATIONAL_DEFAULT = [
    ("name", "姓名"),
    ("id_type", "证件类型"),
    ("id_number", "证件号码"),
    ("started_at", "服务开始时间"),
    ("ended_at", "服务结束时间"),
    ("hours", "服务时长（小时）"),
    ("content", "服务内容"),
    ("place", "服务地点"),
]
PROFILES = {"standard": _l("本平台格式（全部字段）"), "national": _l("全国志愿服务信息系统批量导入")}
MAX_COLUMNS = 40


def columns(profile: str) -> list[tuple[str, str]]:
    """(field code, column title) in order."""
    if profile == "national":
        return national()
    return [(code, EXPORT_FIELDS[code]) for code in STANDARD]


def national() -> list[tuple[str, str]]:
    setting = db.session.get(Setting, NATIONAL_KEY)
    if setting is None or not isinstance(setting.value, dict):
        return list(NATIONAL_DEFAULT)
    return [
        (c["field"], c["title"]) for c in setting.value.get("columns", []) if c.get("field") in EXPORT_FIELDS
    ] or list(NATIONAL_DEFAULT)


def as_text(cols: list[tuple[str, str]]) -> str:
    return "\n".join(f"{title}={code}" for code, title in cols)


def parse_text(text: str) -> list[tuple[str, str]]:
    """One column a line, "title=field" (field codes as in EXPORT_FIELDS)."""
    cols: list[tuple[str, str]] = []
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        title, sep, code = line.rpartition("=")
        title, code = title.strip(), code.strip()
        if not sep or not title or len(title) > 50:
            problems.append(_("第%(n)d行应写成“列标题=字段代码”", n=number))
        elif code not in EXPORT_FIELDS:
            problems.append(_("第%(n)d行：未知的字段代码“%(c)s”", n=number, c=code[:30]))
        else:
            cols.append((code, title))
    if not cols and not problems:
        problems.append(_("至少需要一列"))
    if len(cols) > MAX_COLUMNS:
        problems.append(_("最多%(n)d列", n=MAX_COLUMNS))
    if problems:
        raise ValidationFailed(fields={"columns": problems})
    return cols


def save_national(text: str, *, by: User) -> list[tuple[str, str]]:
    """Replace the national profile's columns (platform admin)."""
    cols = parse_text(text)
    value = {"columns": [{"field": code, "title": title} for code, title in cols]}
    settings.put(NATIONAL_KEY, value)
    audit.log("export_profile.updated", None, by=by, profile="national", columns=value["columns"])
    db.session.flush()
    return cols
