"""The steps every import of a unit's own spreadsheet through a column mapping shares (service
records, the volunteer roster): the outcome and its problems per row, the refusal of the whole
file, all rows or none, the review a mapping page shows, the preview and the error report."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl import Workbook

from app.extensions import db
from app.models import User
from app.services import column_mapping, identity
from app.services.errors import ValidationFailed
from app.services.records_import import file_problem
from app.services.sheet_reader import Sheet, cell_text
from app.services.spreadsheets import append_row

EXAMPLE_MARK = "示例"  # rows of our templates' examples are skipped


@dataclass
class Problem:
    row: int
    column: str
    reason: str


@dataclass
class Outcome:
    imported: int = 0
    skipped_examples: int = 0
    problems: list[Problem] = field(default_factory=list)

    def row_reasons(self) -> dict[int, list[str]]:
        rows: dict[int, list[str]] = {}
        for p in self.problems:
            rows.setdefault(p.row, []).append(f"{p.column}：{p.reason}" if p.column else p.reason)
        return rows

    def by_row(self) -> dict[str, list[str]]:
        rows: dict[str, list[str]] = {}
        for p in self.problems:
            rows.setdefault(_("第%(n)d行", n=p.row), []).append(
                f"{p.column}：{p.reason}" if p.column else p.reason
            )
        return rows


class ImportRefused(ValidationFailed):
    """Some rows are wrong: nothing was imported; `outcome.problems` lists them."""

    def __init__(self, outcome: Outcome, message: str | None = None):
        rows = {o.row for o in outcome.problems}
        super().__init__(
            message or _("有%(n)d行数据有误，未导入任何记录", n=len(rows)),
            fields=outcome.by_row(),
            problems=[{"row": p.row, "column": p.column, "reason": p.reason} for p in outcome.problems],
        )
        self.outcome = outcome


def is_example(raw: list) -> bool:
    return any(EXAMPLE_MARK in cell_text(c) for c in raw)


def mapped_columns(sheet: Sheet, mapping: list[str | None], kind: str) -> tuple[dict, dict]:
    """Check the mapping and that the file has rows; the column label and the position of each
    mapped field."""
    column_mapping.check(mapping, kind=kind)
    if not sheet.rows:
        raise file_problem(_("文件中没有数据行"))
    labels = {code: sheet.column_name(i) for i, code in enumerate(mapping) if code}
    positions = {code: i for i, code in enumerate(mapping) if code}
    return labels, positions


@contextmanager
def all_or_nothing(*, dry_run: bool) -> Iterator[None]:
    """The rows written inside stay only if nothing was raised and this is not a dry run."""
    savepoint = db.session.begin_nested()
    try:
        yield
    except BaseException:
        savepoint.rollback()
        raise
    if dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()


ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def _shown(value) -> str:
    """A cell as the preview shows it: an ID number masked, as everywhere on our pages."""
    text = cell_text(value)
    return identity.mask_id_number(text) if ID_LIKE.match(text) else text


def preview_rows(sheet: Sheet, limit: int = 10) -> list[tuple[int, list[str]]]:
    return [(n, [_shown(c) for c in raw]) for n, raw in sheet.rows[:limit]]


def error_report(problems: list[Problem]) -> bytes:
    """The problems as an XLSX: row, column and reason, one line each."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("导入错误")
    append_row(sheet, [_("行"), _("列"), _("原因")])
    for p in problems:
        append_row(sheet, [p.row, p.column, p.reason])
    for column, width in zip("ABC", (8, 20, 60), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass
class Review:
    """What the mapping page shows: the file's columns, the mapping, and how an import went
    (or would go): its outcome, or why it cannot start."""

    sheet: Sheet
    mapping: list[str | None]
    outcome: Outcome | None = None
    refusal: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refusal and self.outcome is not None and not self.outcome.problems


Reader = Callable[[bytes, str], Sheet]
Runner = Callable[..., Outcome]


def review(
    kind: str,
    read: Reader,
    run: Runner,
    data: bytes,
    filename: str,
    unit_id: int,
    *,
    by: User,
    mapping: list[str | None] | dict[str, str] | None = None,
    commit: bool = False,
) -> Review:
    """Read the file, take the given mapping (or propose one), and import (commit) or only
    try (a preview that leaves nothing behind). An import that went through is remembered as
    the unit's mapping. A mapping is a field per column, or {header text: field}."""
    sheet = read(data, filename)
    if isinstance(mapping, dict):
        mapping = column_mapping.from_names(mapping, sheet.header, kind=kind)
    if mapping is None:
        mapping = column_mapping.propose(sheet.header, unit_id=unit_id, kind=kind)
    mapping = (list(mapping) + [None] * len(sheet.header))[: len(sheet.header)]
    result = Review(sheet, mapping)
    try:
        result.outcome = run(sheet, mapping, unit_id, by=by, dry_run=not commit)
    except ImportRefused as exc:
        result.outcome, result.refusal = exc.outcome, [exc.message]
    except ValidationFailed as exc:
        result.refusal = (
            exc.fields.get("mapping") or [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
        )
    if commit and result.ok:
        column_mapping.remember(unit_id, kind, sheet.header, mapping)
    return result


def imported(result: Review) -> Outcome:
    """The outcome of an import that went through; one refused raises, with a reason per row or
    the mapping's refusal (for the API, which answers with the error shape)."""
    if result.outcome is not None and result.outcome.problems:
        raise ImportRefused(result.outcome)
    if result.refusal:
        raise ValidationFailed(result.refusal[0], fields={"mapping": result.refusal})
    assert result.outcome is not None, "an outcome or a refusal"
    return result.outcome
