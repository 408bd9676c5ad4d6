"""Star grading (评级定星): levels 0–5 from cumulative approved hours.

The thresholds live in the database and the platform admin edits them; a change regrades
every volunteer at once with set-based statements, and every change of level (up, or down
after a rejection) is kept as a StarEvent the volunteer is told about.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, func, insert, literal, select, update

from app.extensions import db, execute_dml
from app.hours import hours
from app.hours import seconds as in_seconds
from app.models import StarEvent, StarThreshold, User, Volunteer
from app.models.base import UTCDateTime
from app.services import audit
from app.services.clock import now
from app.services.errors import ValidationFailed

LEVELS = (1, 2, 3, 4, 5)
DEFAULT_THRESHOLDS = {1: 100, 2: 300, 3: 600, 4: 1000, 5: 1500}

# Named scales the platform admin can apply in one click.
PRESETS = {
    "national": (_l("全国注册志愿者标准（100/300/600/1000/1500小时）"), DEFAULT_THRESHOLDS),
    "local": (_l("地方标准（100/200/500/800/1000小时）"), {1: 100, 2: 200, 3: 500, 4: 800, 5: 1000}),
}
MAX_HOURS = 100_000


def thresholds() -> dict[int, int]:
    """{level: min_hours}, from the database (the migration installs the defaults)."""
    rows = dict(db.session.execute(select(StarThreshold.level, StarThreshold.min_hours)).all())
    return rows or dict(DEFAULT_THRESHOLDS)


def level_for_seconds(seconds: int, table: dict[int, int] | None = None) -> int:
    table = table or thresholds()
    level = 0
    for lvl in sorted(table):
        if seconds >= in_seconds(table[lvl]):
            level = lvl
    return level


def next_threshold_hours(volunteer: Volunteer, table: dict[int, int] | None = None) -> int | None:
    table = table or thresholds()
    higher = [table[lvl] for lvl in sorted(table) if lvl > volunteer.star_level]
    return higher[0] if higher else None


def progress(volunteer: Volunteer, table: dict[int, int] | None = None) -> dict:
    """Where the volunteer stands between their level's threshold and the next one."""
    table = table or thresholds()
    done = hours(volunteer.approved_seconds, places=None)
    floor = table.get(volunteer.star_level, 0) if volunteer.star_level else 0
    nxt = next_threshold_hours(volunteer, table)
    if nxt is None:
        return {"next_level": None, "next_hours": None, "missing_hours": 0, "percent": 100}
    span = max(nxt - floor, 1)
    percent = int(max(0.0, min(1.0, (done - floor) / span)) * 100)
    return {
        "next_level": volunteer.star_level + 1,
        "next_hours": nxt,
        "missing_hours": round(max(0.0, nxt - done), 2),
        "percent": percent,
    }


def apply_level(volunteer: Volunteer, table: dict[int, int] | None = None) -> StarEvent | None:
    """Bring a volunteer's level in line with their cached approved total; record a change."""
    new_level = level_for_seconds(volunteer.approved_seconds, table)
    if new_level == volunteer.star_level:
        return None
    event = StarEvent(
        volunteer_id=volunteer.id, from_level=volunteer.star_level, to_level=new_level, at=now()
    )
    volunteer.star_level = new_level
    db.session.add(event)
    return event


def validate_thresholds(table: dict) -> dict[int, int]:
    """Five levels, positive whole hours, each strictly above the one below."""
    fields: dict[str, list[str]] = {}
    clean: dict[int, int] = {}
    for level in LEVELS:
        value = table.get(level, table.get(str(level)))
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            else:
                fields[f"level_{level}"] = [_("请填写正整数小时数")]
                continue
        if not 0 < value <= MAX_HOURS:
            fields[f"level_{level}"] = [_("小时数应在1到%(max)d之间", max=MAX_HOURS)]
            continue
        clean[level] = value
    extra = set(map(str, table)) - set(map(str, LEVELS))
    if extra:
        fields["levels"] = [_("星级只能是1到5")]
    for level in LEVELS[1:]:
        if level in clean and level - 1 in clean and clean[level] <= clean[level - 1]:
            fields.setdefault(f"level_{level}", []).append(
                _("%(n)d星的小时数必须高于%(m)d星", n=level, m=level - 1)
            )
    if fields:
        raise ValidationFailed(fields=fields)
    return clean


def level_case(table: dict[int, int]):
    """SQL expression: the level a volunteer's cached total earns under table."""
    whens = [
        (Volunteer.approved_seconds >= in_seconds(table[lvl]), lvl) for lvl in sorted(table, reverse=True)
    ]
    return case(*whens, else_=0)


def regrade_all(*, by: User | None, table: dict[int, int] | None = None) -> int:
    """Regrade every volunteer under the current thresholds: one INSERT … SELECT records the
    changes, one UPDATE applies them. Returns how many volunteers changed level."""
    table = table or thresholds()
    # Events first: the SELECT still sees the old levels the UPDATE is about to replace.
    new_level = level_case(table)
    changed = Volunteer.star_level != new_level
    db.session.execute(
        insert(StarEvent).from_select(
            ["volunteer_id", "from_level", "to_level", "at"],
            select(Volunteer.id, Volunteer.star_level, new_level, literal(now(), UTCDateTime())).where(
                changed
            ),
        )
    )
    count = execute_dml(
        update(Volunteer)
        .where(changed)
        .values(star_level=new_level)
        .execution_options(synchronize_session=False)
    ).rowcount
    # Objects already in the session must not keep their old level.
    for obj in db.session.identity_map.values():
        if isinstance(obj, Volunteer):
            db.session.expire(obj, ["star_level"])
    from app.services import star_counts  # the overview's counts: again, after the bulk UPDATE

    star_counts.recount()
    audit.log("stars.regraded", None, by=by, changed=count, thresholds=table)
    return count


def set_thresholds(table: dict, *, by: User | None) -> int:
    """Replace the thresholds (validated) and regrade everyone; returns how many changed."""
    clean = validate_thresholds(table)
    old = thresholds()
    db.session.execute(delete(StarThreshold))
    db.session.execute(
        insert(StarThreshold), [{"level": lvl, "min_hours": hrs} for lvl, hrs in clean.items()]
    )
    audit.log("stars.thresholds_changed", None, by=by, old=old, new=clean)
    return regrade_all(by=by, table=clean)


def preview_preset(name: str) -> tuple[str, int, int]:
    """What applying a preset would do, changing nothing: (its label, how many volunteers
    would go up a level or more, how many down)."""
    if name not in PRESETS:
        raise ValidationFailed(fields={"preset": [_("未知的星级标准")]})
    label, table = PRESETS[name]
    new_level = level_case(dict(table))
    up, down = db.session.execute(
        select(
            func.coalesce(func.sum(case((new_level > Volunteer.star_level, 1), else_=0)), 0),
            func.coalesce(func.sum(case((new_level < Volunteer.star_level, 1), else_=0)), 0),
        )
    ).one()
    return str(label), int(up), int(down)


def apply_preset(name: str, *, by: User | None) -> int:
    if name not in PRESETS:
        raise ValidationFailed(fields={"preset": [_("未知的星级标准")]})
    return set_thresholds(dict(PRESETS[name][1]), by=by)


def level_counts() -> dict[int, int]:
    """How many volunteers hold each level (0–5)."""
    rows = dict(
        db.session.execute(select(Volunteer.star_level, func.count()).group_by(Volunteer.star_level)).all()
    )
    return {lvl: rows.get(lvl, 0) for lvl in range(0, 6)}


def unseen_events(volunteer: Volunteer) -> list[StarEvent]:
    """Level changes the volunteer has not been told about yet, oldest first."""
    return list(
        db.session.scalars(
            select(StarEvent)
            .where(StarEvent.volunteer_id == volunteer.id, StarEvent.seen_at.is_(None))
            .order_by(StarEvent.at, StarEvent.id)
        )
    )


def mark_seen(volunteer: Volunteer) -> int:
    return execute_dml(
        update(StarEvent)
        .where(StarEvent.volunteer_id == volunteer.id, StarEvent.seen_at.is_(None))
        .values(seen_at=now())
        .execution_options(synchronize_session=False)
    ).rowcount


def new_star_message(events: list[StarEvent]) -> str | None:
    """One sentence about the latest change: congratulations on a new star, or a notice."""
    if not events:
        return None
    last = events[-1]
    if last.to_level > last.from_level:
        return _("恭喜！您已成为%(n)d星志愿者。", n=last.to_level)
    if last.to_level == 0:
        return _("因服务记录调整，您的星级已变为暂无星级。")
    return _("因服务记录调整，您的星级已变为%(n)d星。", n=last.to_level)
