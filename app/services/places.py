"""新时代文明实践 places: a centre (中心) with institutes (所) and stations (站), kept by the
platform admin. Units pair with (结对包保) institutes and stations; a unit paired with a
station, or with the institute above it, sees that station's figures. Posts, activities and
teams can sit at a station.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Activity, PlacePairing, Post, PracticePlace, ServiceRecord, Team, Unit, User
from app.models.places import PLACE_LEVELS, PLACE_PARENT
from app.services import audit
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed, get_or_404

LEVEL_LABELS = {
    "centre": _l("新时代文明实践中心"),
    "institute": _l("新时代文明实践所"),
    "station": _l("新时代文明实践站"),
}


def _ensure_platform_admin(by: User | None) -> None:
    if by is None or by.role != "platform_admin":
        raise Forbidden(_("只有平台管理员可以维护新时代文明实践阵地"))


def get_place(place_id: int) -> PracticePlace:
    return get_or_404(PracticePlace, place_id, _("实践阵地不存在"))


def list_places() -> list[PracticePlace]:
    """Every place, in tree order: each centre, its institutes, each institute's stations."""
    rows = list(db.session.scalars(select(PracticePlace).order_by(PracticePlace.id)))
    children: dict[int | None, list[PracticePlace]] = {}
    for place in rows:
        children.setdefault(place.parent_id, []).append(place)
    ordered: list[PracticePlace] = []

    def walk(parent_id: int | None) -> None:
        for place in children.get(parent_id, []):
            ordered.append(place)
            walk(place.id)

    walk(None)
    return ordered


def create_place(
    *, name: str, level: str, parent_id: int | None = None, address: str | None = None, by: User
) -> PracticePlace:
    _ensure_platform_admin(by)
    name = " ".join((name or "").split())
    address = " ".join((address or "").split()) or None
    fields: dict[str, list[str]] = {}
    if not name or len(name) > 100:
        fields["name"] = [_("请填写名称（不超过100字）")]
    elif db.session.scalar(select(PracticePlace.id).where(PracticePlace.name == name)) is not None:
        fields["name"] = [_("已有同名的实践阵地")]
    if address and len(address) > 200:
        fields["address"] = [_("地址不能超过200字")]
    if level not in PLACE_LEVELS:
        fields["level"] = [_("请选择层级")]
    else:
        wanted = PLACE_PARENT[level]
        parent = db.session.get(PracticePlace, parent_id) if parent_id is not None else None
        if wanted is None and parent_id is not None:
            fields["parent_id"] = [_("实践中心没有上级")]
        elif wanted is not None and (parent is None or parent.level != wanted):
            fields["parent_id"] = [
                _("%(level)s须隶属于一个%(parent)s", level=LEVEL_LABELS[level], parent=LEVEL_LABELS[wanted])
            ]
    if fields:
        raise ValidationFailed(fields=fields)
    place = PracticePlace(
        name=name, level=level, parent_id=parent_id if PLACE_PARENT[level] else None, address=address
    )
    db.session.add(place)
    db.session.flush()
    audit.log("place.created", place, by=by, name=name, level=level)
    return place


def pair(place: PracticePlace, unit_id: int, *, by: User) -> PlacePairing:
    """结对包保: a unit takes charge of an institute or a station."""
    _ensure_platform_admin(by)
    if place.level == "centre":
        raise ValidationFailed(fields={"place_id": [_("成员单位只与实践所、实践站结对")]})
    if db.session.get(Unit, unit_id) is None:
        raise NotFound(_("成员单位不存在"), fields={"unit_id": [_("成员单位不存在")]})
    if (
        db.session.scalar(
            select(PlacePairing.id).where(PlacePairing.place_id == place.id, PlacePairing.unit_id == unit_id)
        )
        is not None
    ):
        raise Conflict(_("该单位已与此处结对"), fields={"unit_id": [_("该单位已与此处结对")]})
    pairing = PlacePairing(place_id=place.id, unit_id=unit_id)
    db.session.add(pairing)
    db.session.flush()
    audit.log("place.paired", place, by=by, unit_id=unit_id)
    return pairing


def unpair(place: PracticePlace, unit_id: int, *, by: User) -> None:
    _ensure_platform_admin(by)
    pairing = db.session.scalar(
        select(PlacePairing).where(PlacePairing.place_id == place.id, PlacePairing.unit_id == unit_id)
    )
    if pairing is None:
        raise NotFound(_("没有这个结对"))
    audit.log("place.unpaired", place, by=by, unit_id=unit_id)
    db.session.delete(pairing)
    db.session.flush()


def paired_units(place: PracticePlace) -> list[Unit]:
    return list(
        db.session.scalars(
            select(Unit)
            .join(PlacePairing, PlacePairing.unit_id == Unit.id)
            .where(PlacePairing.place_id == place.id)
            .order_by(Unit.id)
        )
    )


def stations_of_unit(unit_id: int | None):
    """A select of the ids of stations a unit is paired with, directly or through their institute."""
    paired = select(PlacePairing.place_id).where(
        PlacePairing.unit_id == (unit_id if unit_id is not None else -1)
    )
    return select(PracticePlace.id).where(
        PracticePlace.level == "station",
        or_(PracticePlace.id.in_(paired), PracticePlace.parent_id.in_(paired)),
    )


def is_paired(unit_id: int | None, place_id: int) -> bool:
    """Is the unit paired with the place (for a station: with it or with its institute)?"""
    place = db.session.get(PracticePlace, place_id)
    if place is None or unit_id is None:
        return False
    ids = [place.id] + ([place.parent_id] if place.level == "station" and place.parent_id else [])
    return (
        db.session.scalar(
            select(PlacePairing.id)
            .where(PlacePairing.unit_id == unit_id, PlacePairing.place_id.in_(ids))
            .limit(1)
        )
        is not None
    )


def can_see_place(user: User | None, place: PracticePlace) -> bool:
    """The platform admin sees every place; a unit admin the places the unit is paired with."""
    if user is None or not user.is_authenticated:
        return False
    if user.role == "platform_admin":
        return True
    return user.role == "unit_admin" and is_paired(user.unit_id, place.id)


def ensure_can_see_place(user: User | None, place: PracticePlace) -> None:
    if not can_see_place(user, place):
        raise Forbidden(_("只有与此处结对的成员单位可以查看"))


def visible_places(user: User) -> list[PracticePlace]:
    if user.role == "platform_admin":
        return list_places()
    return [p for p in list_places() if p.level != "centre" and can_see_place(user, p)]


def visible_stations(user: User) -> list[PracticePlace]:
    return [p for p in visible_places(user) if p.level == "station"]


def check_station_of_unit(station_id: int | None, unit_id: int, *, current: int | None = None) -> list[str]:
    """Messages for the station a unit's post or activity sits at (empty when fine; None =
    none): a station the unit is paired with, or the one the thing already has."""
    if station_id is None or station_id == current:
        return []
    station = db.session.get(PracticePlace, station_id)
    if station is None or station.level != "station" or not is_paired(unit_id, station_id):
        return [_("请选择与本单位结对的实践站")]
    return []


def station_choices(unit_id: int | None) -> list[tuple[int, str]]:
    """(id, name) of the stations a unit is paired with (every station when unit_id is None)."""
    stmt = select(PracticePlace.id, PracticePlace.name).where(PracticePlace.level == "station")
    if unit_id is not None:
        stmt = stmt.where(PracticePlace.id.in_(stations_of_unit(unit_id)))
    return [(i, n) for i, n in db.session.execute(stmt.order_by(PracticePlace.id))]


@dataclass
class StationFigures:
    station: PracticePlace
    posts: int
    activities: int
    teams: int
    records: int
    volunteers: int
    hours: float


def station_figures(
    station: PracticePlace, *, start: datetime | None = None, end: datetime | None = None
) -> StationFigures:
    """What happened at a station: its posts, activities and teams, and the approved service
    at its posts or its activities (records, distinct volunteers, hours) in [start, end)."""
    at_station = or_(
        ServiceRecord.post_id.in_(select(Post.id).where(Post.station_id == station.id)),
        ServiceRecord.activity_id.in_(select(Activity.id).where(Activity.station_id == station.id)),
    )
    conditions = [ServiceRecord.status == "approved", at_station]
    if start is not None:
        conditions.append(ServiceRecord.started_at >= start)
    if end is not None:
        conditions.append(ServiceRecord.started_at < end)
    records, volunteers, seconds = db.session.execute(
        select(
            func.count(ServiceRecord.id),
            func.count(func.distinct(ServiceRecord.volunteer_id)),
            func.coalesce(func.sum(ServiceRecord.seconds), 0),
        ).where(*conditions)
    ).one()

    def count(column) -> int:
        return db.session.scalar(select(func.count()).where(column == station.id)) or 0

    return StationFigures(
        station,
        count(Post.station_id),
        count(Activity.station_id),
        count(Team.station_id),
        int(records or 0),
        int(volunteers or 0),
        round(int(seconds or 0) / 3600, 2),
    )


def places_with_pairings() -> list[tuple[PracticePlace, list[Unit]]]:
    places = list_places()
    pairs: dict[int, list[Unit]] = {}
    for pairing in db.session.scalars(
        select(PlacePairing).options(selectinload(PlacePairing.unit)).order_by(PlacePairing.id)
    ):
        pairs.setdefault(pairing.place_id, []).append(pairing.unit)
    return [(p, pairs.get(p.id, [])) for p in places]


def visible_pairings(user: User) -> list[tuple[PracticePlace, list[Unit]]]:
    """The places a user may see, each with the units paired with it."""
    visible = {p.id for p in visible_places(user)}
    return [(p, paired) for p, paired in places_with_pairings() if p.id in visible]


def station_month_figures(
    place: PracticePlace, user: User, start: datetime, end: datetime
) -> list[tuple[StationFigures, StationFigures]]:
    """For a station, or the stations under a place that a user may see: this month's figures
    beside the figures of all time."""
    if place.level == "station":
        stations = [place]
    else:
        stations = [p for p in visible_stations(user) if p.parent_id == place.id]
    return [(station_figures(s, start=start, end=end), station_figures(s)) for s in stations]
