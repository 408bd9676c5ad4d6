"""Bulletins are snapshots: storing a month's bulletins for every unit and the city (once;
a revision is a new numbered row), and reading them back."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Bulletin, Unit, User
from app.services import audit
from app.services.bulletins import aggregates, evidence, people
from app.services.bulletins.figures import compute, scope_of
from app.services.clock import now
from app.services.errors import NotFound, ValidationFailed
from app.services.inputs import SERVICE_MIN_YEAR, service_year_ok
from app.services.months import Month


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    # one statement compiled once, sent in batches (SQLAlchemy's insertmanyvalues), rather
    # than one statement with a parameter per figure of every unit
    stmt = (
        module.insert(Bulletin.__table__)
        .on_conflict_do_nothing(index_elements=["scope", "month", "revision"])
        .returning(Bulletin.__table__.c.id)
    )
    return len(db.session.execute(stmt, rows).all())


def generate_bulletins(
    month: Month | None = None, unit_id: int | None = None, *, by: User | None = None, revise: bool = False
) -> int:
    """Make the month's bulletins (default: last month) for every unit and the city, or for
    one unit; those that exist are left as they are. With revise, issue the next numbered
    revision (修订版 1, 2, …) of each, recomputed from today's ledger; the original and earlier
    revisions are kept. Returns how many were created."""
    month = month or Month.current().previous()
    if not service_year_ok(month.year):
        raise ValidationFailed(fields={"month": [_("通报月份应在%(a)d年至明年之间", a=SERVICE_MIN_YEAR)]})
    if month.end > now():  # a snapshot is final, so a month still running has none yet
        raise ValidationFailed(fields={"month": [_("只能生成已经结束的月份的通报")]})
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"))
    at = now()
    revision_of: dict[str, int] = {}
    late_until = at
    if revise:
        existing = db.session.execute(
            select(Bulletin.scope, func.max(Bulletin.revision), func.min(Bulletin.generated_at))
            .where(Bulletin.month == str(month))
            .group_by(Bulletin.scope)
        ).all()
        revision_of = {scope: latest + 1 for scope, latest, _first in existing}
        # a revision's late figure keeps the original's window: later approvals belong to the next month's
        late_until = min((first for _s, _l, first in existing), default=at)
    counts = aggregates.volunteer_counts(*month.bounds())  # one pass over the volunteers, for both
    all_figures = compute(month, late_until=late_until, counts=counts)
    for u, extra in people.compute(month, list(all_figures), counts).items():
        all_figures[u].update(extra)
    for u, extra in evidence.compute(month, list(all_figures)).items():
        all_figures[u].update(extra)
    rows = []
    for u, figures in all_figures.items():
        if unit_id is not None and u != unit_id:
            continue
        revision = revision_of.get(scope_of(u), 0)
        rows.append(
            {
                "scope": scope_of(u),
                "unit_id": u,
                "month": str(month),
                "revision": revision,
                "figures": {**figures, "revision": revision},
                "generated_at": at,
            }
        )
    # The units' ranking is stored once, in the city's bulletin of the same run (same
    # generated_at); a unit's bulletin keeps its own copy only when no city bulletin is stored with it.
    city = [row for row in rows if row["unit_id"] is None]
    created = _insert_ignoring_duplicates(city) if city else 0
    city_ranking_stored = bool(created)
    if city_ranking_stored:
        for row in rows:
            if row["unit_id"] is not None:
                stored = row["figures"]
                assert isinstance(stored, dict)
                row["figures"] = {k: v for k, v in stored.items() if k != "ranking"}
    units_rows = [row for row in rows if row["unit_id"] is not None]
    created += _insert_ignoring_duplicates(units_rows) if units_rows else 0
    if created:
        audit.log(
            "bulletins.revised" if revise else "bulletins.generated",
            None,
            by=by,
            month=str(month),
            created=created,
        )
    return created


def figures_of(bulletin: Bulletin) -> dict:
    """A bulletin's figures as stored, with the units' ranking read from the city's bulletin
    of the same run when the unit's own does not carry it."""
    figures = bulletin.figures
    if "ranking" in figures:
        return figures
    city = db.session.scalar(
        select(Bulletin.figures).where(
            Bulletin.unit_id.is_(None),
            Bulletin.month == bulletin.month,
            Bulletin.generated_at == bulletin.generated_at,
        )
    )
    return {**figures, "ranking": (city or {}).get("ranking", [])}


def get_bulletin(bulletin_id: int) -> Bulletin:
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound(_("通报不存在"))
    return bulletin


def list_bulletins(unit_id: int | None, include_city: bool = False) -> list[Bulletin]:
    stmt = select(Bulletin).order_by(Bulletin.month.desc(), Bulletin.unit_id, Bulletin.revision)
    if unit_id is not None:
        stmt = stmt.where(Bulletin.unit_id == unit_id)
    elif not include_city:
        stmt = stmt.where(Bulletin.unit_id.is_not(None))
    return list(db.session.scalars(stmt))


def can_read(user: User, bulletin: Bulletin) -> bool:
    if user.role == "platform_admin":
        return True
    return user.role == "unit_admin" and bulletin.unit_id is not None and bulletin.unit_id == user.unit_id
