"""Registering a unit's volunteers from its own roster sheet, through a column mapping.

Each row is a real-name registration: the ID number is validated, the minors' rules apply
(under 14 refused, 14–17 with a guardian, who is sent the consent link), and no password is
set: the volunteer activates the account by phone on first login (app.services.activation).
A person already registered, or named twice in the file, is reported on that row, never
merged silently; the file is registered whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import User, Volunteer
from app.services import activation, audit, column_mapping, guardians, identity, import_flow, volunteers
from app.services.clock import local_today
from app.services.sheet_reader import Sheet, cell_text, read_sheet

MAX_ROWS = 5000


def read(data: bytes, filename: str) -> Sheet:
    return read_sheet(data, filename, max_rows=MAX_ROWS, known_headers=column_mapping.known_headers("roster"))


@dataclass
class _Row:
    number: int
    cells: dict
    problems: list[import_flow.Problem] = field(default_factory=list)


def _check_row(row: _Row, labels: dict, today) -> tuple | None:
    cells = row.cells

    def bad(code, reason):
        row.problems.append(import_flow.Problem(row.number, labels.get(code, ""), reason))

    name = cells.get("name", "")
    if not 2 <= len(name) <= 30:
        bad("name", _("请填写真实姓名（2到30个字）"))
    resident = phone = guardian_phone = None
    try:
        resident = identity.parse_resident_id(cells.get("id_number", ""), today=today)
    except ValueError as exc:
        bad("id_number", str(exc))
    try:
        phone = identity.normalize_phone(cells.get("phone", ""))
    except ValueError as exc:
        bad("phone", str(exc))
    guardian_name = cells.get("guardian_name") or None
    if resident is not None:
        age = resident.age_on(today)
        if age < volunteers.MIN_AGE:
            bad("id_number", _("未满14周岁暂不能注册为志愿者"))
        elif age < volunteers.ADULT_AGE:
            if not guardian_name or len(guardian_name) > 30:
                bad(
                    "guardian_name" if "guardian_name" in labels else "id_number",
                    _("未满18周岁需填写监护人姓名"),
                )
            try:
                guardian_phone = identity.normalize_phone(cells.get("guardian_phone", ""))
            except ValueError:
                bad(
                    "guardian_phone" if "guardian_phone" in labels else "id_number",
                    _("未满18周岁需填写监护人手机号码"),
                )
    if row.problems:
        return None
    return name, resident, phone, guardian_name, guardian_phone


def run(
    sheet: Sheet, mapping: list[str | None], unit_id: int, *, by: User, dry_run: bool = False
) -> import_flow.Outcome:
    """Register every row, or none (import_flow.ImportRefused lists each bad row)."""
    labels, positions = import_flow.mapped_columns(sheet, mapping, "roster")
    today = local_today()
    rows = [
        _Row(n, {code: cell_text(raw[i]) for code, i in positions.items()})
        for n, raw in sheet.rows
        if not import_flow.is_example(raw)
    ]
    checked = [(row, _check_row(row, labels, today)) for row in rows]
    hashes = {identity.keyed_hash(v[1].number): row.number for row, v in checked if v}
    phones = {v[2] for _row, v in checked if v}
    known_hashes = set(
        db.session.scalars(select(Volunteer.id_number_hash).where(Volunteer.id_number_hash.in_(list(hashes))))
    )
    known_phones = set(
        db.session.scalars(select(Volunteer.phone).where(Volunteer.phone.in_(list(phones))))
    ) | set(db.session.scalars(select(User.username).where(User.username.in_(list(phones)))))
    first_seen: dict[str, int] = {}
    outcome = import_flow.Outcome()
    minors: list[Volunteer] = []
    with import_flow.all_or_nothing(dry_run=dry_run):
        for row, values in checked:
            if values is None:
                outcome.problems.extend(row.problems)
                continue
            name, resident, phone, guardian_name, guardian_phone = values
            id_hash = identity.keyed_hash(resident.number)
            problems = []
            for key, code, known, message in (
                (id_hash, "id_number", known_hashes, _("该身份证号码已注册，未重复登记")),
                (phone, "phone", known_phones, _("该手机号码已被其他账号使用")),
            ):
                if key in known:
                    problems.append(import_flow.Problem(row.number, labels[code], message))
                elif key in first_seen:
                    problems.append(
                        import_flow.Problem(row.number, labels[code], _("与第%(n)d行重复", n=first_seen[key]))
                    )
            first_seen.setdefault(id_hash, row.number)
            first_seen.setdefault(phone, row.number)
            if problems:
                outcome.problems.extend(problems)
                continue
            volunteer = _register(name, resident, phone, guardian_name, guardian_phone, unit_id, by)
            outcome.imported += 1
            if guardians.needs_consent(volunteer):
                minors.append(volunteer)
        if outcome.problems:
            raise import_flow.ImportRefused(
                outcome, _("有%(n)d行数据有误，未登记任何志愿者", n=len({p.row for p in outcome.problems}))
            )
    if dry_run:
        return outcome
    for volunteer in minors:  # texts leave only for a roster that was registered
        guardians.send_consent_link(volunteer, by=by)
    return outcome


def _register(name, resident, phone, guardian_name, guardian_phone, unit_id, by) -> Volunteer:
    user = User(username=phone, password_hash=activation.PENDING, role="volunteer", name=name)
    db.session.add(user)
    db.session.flush()
    volunteer = volunteers.new_volunteer(user, name, resident, phone, unit_id, guardian_name, guardian_phone)
    audit.log(
        "volunteer.registered",
        volunteer,
        by=by,
        unit_id=unit_id,
        volunteer_no=volunteer.volunteer_no,
        source="roster_import",
    )
    return volunteer


# Read the roster, map its columns (given, or proposed) and register its volunteers, or only try:
# import_flow.review(data, filename, unit_id, by=, mapping=, commit=).
review = partial(import_flow.review, "roster", read, run)
