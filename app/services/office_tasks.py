"""Task lists (任务清单): the office sends a task to one, several or all units, with a deadline
and what counts as done. A figure (activities held, hours served, trainings held) is tracked
from the ledger within the task's window, set-based; a reply task is done when the unit replies.

The figures use the bulletins' bases (docs/bulletin-figures.md): hours are the approved hours of
the unit's own volunteers, records started in the window; activities and trainings are those the
unit held (not cancelled, started in the window)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Activity, OfficeTask, OfficeTaskUnit, ServiceRecord, Unit, User, Volunteer
from app.services import audit
from app.services.clock import now, start_of_day
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.inputs import required_text as _text
from app.services.rectifications import check_deadline

TITLE_MAX = 100
TEXT_MAX = 2000
REPLY_MAX = 2000
TARGET_MAX = 1_000_000
MEASURES = {
    "reply": _l("单位书面答复"),
    "activities": _l("开展志愿服务活动（场）"),
    "hours": _l("本单位志愿者服务时长（小时）"),
    "trainings": _l("开展志愿者培训（场）"),
}


@dataclass(frozen=True)
class Progress:
    """One unit's standing on one task."""

    assignment: OfficeTaskUnit
    value: float | None  # the figure so far; None for a reply task
    done: bool
    overdue: bool

    @property
    def percent(self) -> int:
        task = self.assignment.task
        if task.measure == "reply" or not task.target:
            return 100 if self.done else 0
        return min(100, int((self.value or 0) * 100 // task.target))


def create_task(
    *,
    title: str,
    text: str,
    measure: str,
    target: int | None,
    deadline: date | None,
    unit_ids: list[int] | None,
    by: User,
) -> OfficeTask:
    """unit_ids None sends the task to every active unit."""
    if by.role != "platform_admin":
        raise Forbidden(_("只有文明办可以派发任务"))
    fields: dict[str, list[str]] = {}
    if measure not in MEASURES:
        fields["measure"] = [_("请选择完成标准")]
    elif measure != "reply" and (target is None or not 1 <= target <= TARGET_MAX):
        fields["target"] = [_("请填写1–%(n)d之间的目标数", n=TARGET_MAX)]
    stmt = select(Unit.id).where(Unit.is_active.is_(True))
    if unit_ids is not None:
        stmt = stmt.where(Unit.id.in_(set(unit_ids)))
    units = list(db.session.scalars(stmt.order_by(Unit.id)))
    if not units or (unit_ids is not None and len(units) != len(set(unit_ids))):
        fields["unit_ids"] = [_("请选择启用中的成员单位")]
    if fields:
        raise ValidationFailed(fields=fields)
    deadline = check_deadline(deadline)
    task = OfficeTask(
        title=_text(title, TITLE_MAX, "title"),
        text=_text(text, TEXT_MAX, "text"),
        measure=measure,
        target=None if measure == "reply" else target,
        deadline=deadline,
        starts_at=now(),
        due_at=start_of_day(deadline + timedelta(days=1)),
        created_by_id=by.id,
        created_at=now(),
    )
    task.assignments = [OfficeTaskUnit(unit_id=unit_id) for unit_id in units]
    db.session.add(task)
    db.session.flush()
    audit.log("task.created", task, by=by, units=units, measure=measure, target=task.target)
    return task


def get_task(user: User, task_id: int) -> OfficeTask:
    """The platform admin reads any task; a unit admin only those sent to the unit."""
    task = db.session.get(OfficeTask, task_id)
    if task is None or (
        user.role != "platform_admin"
        and (user.role != "unit_admin" or all(a.unit_id != user.unit_id for a in task.assignments))
    ):
        raise NotFound(_("任务不存在"))
    return task


def _figures(assignment_ids: list[int]) -> dict[int, float]:
    """Each assignment's figure in its task's window: one statement per measure."""
    if not assignment_ids:
        return {}
    values: dict[int, float] = {}
    a, t = OfficeTaskUnit, OfficeTask
    in_window = and_(ServiceRecord.started_at >= t.starts_at, ServiceRecord.started_at < t.due_at)
    hours = (
        select(a.id, func.coalesce(func.sum(ServiceRecord.seconds), 0))
        .join(t, t.id == a.task_id)
        .join(Volunteer, Volunteer.unit_id == a.unit_id)
        .join(
            ServiceRecord,
            and_(ServiceRecord.volunteer_id == Volunteer.id, ServiceRecord.status == "approved", in_window),
        )
        .where(a.id.in_(assignment_ids), t.measure == "hours")
        .group_by(a.id)
    )
    for assignment_id, seconds in db.session.execute(hours):
        values[assignment_id] = round(seconds / 3600, 2)
    for measure, kinds in (("activities", None), ("trainings", ("training",))):
        held = and_(
            Activity.unit_id == a.unit_id,
            Activity.is_cancelled.is_(False),
            Activity.starts_at >= t.starts_at,
            Activity.starts_at < t.due_at,
            Activity.starts_at <= now(),
        )
        if kinds is not None:
            held = and_(held, Activity.kind.in_(kinds))
        counts = (
            select(a.id, func.count(Activity.id))
            .join(t, t.id == a.task_id)
            .join(Activity, held)
            .where(a.id.in_(assignment_ids), t.measure == measure)
            .group_by(a.id)
        )
        for assignment_id, count in db.session.execute(counts):
            values[assignment_id] = count
    return values


def progress(assignments: list[OfficeTaskUnit]) -> list[Progress]:
    figures = _figures([x.id for x in assignments])
    today_end = now()
    result = []
    for assignment in assignments:
        task = assignment.task
        if task.measure == "reply":
            value, done = None, assignment.replied_at is not None
        else:
            value = figures.get(assignment.id, 0)
            done = value >= (task.target or 0)
        result.append(Progress(assignment, value, done, overdue=not done and task.due_at <= today_end))
    return result


def tasks_for(user: User, *, open_only: bool = False, limit: int = 200) -> list[Progress]:
    """A unit admin's tasks (open ones first, the nearest deadline first), with progress."""
    if user.role != "unit_admin" or user.unit_id is None:
        return []
    assignments = list(
        db.session.scalars(
            select(OfficeTaskUnit)
            .join(OfficeTask, OfficeTask.id == OfficeTaskUnit.task_id)
            .where(OfficeTaskUnit.unit_id == user.unit_id)
            .order_by(OfficeTask.deadline, OfficeTask.id)
            .limit(limit)
        )
    )
    rows = progress(assignments)
    if open_only:
        rows = [row for row in rows if not row.done]
    return sorted(rows, key=lambda row: row.done)


def list_tasks(limit: int = 200) -> list[OfficeTask]:
    return list(
        db.session.scalars(
            select(OfficeTask).order_by(OfficeTask.deadline.desc(), OfficeTask.id.desc()).limit(limit)
        )
    )


def summary(tasks: list[OfficeTask]) -> dict[int, tuple[int, int]]:
    """(units done, units sent) per task."""
    rows = progress([a for task in tasks for a in task.assignments])
    result: dict[int, tuple[int, int]] = {}
    for row in rows:
        done, sent = result.get(row.assignment.task_id, (0, 0))
        result[row.assignment.task_id] = (done + row.done, sent + 1)
    return result


def reply(task: OfficeTask, *, text: str, by: User) -> OfficeTaskUnit:
    """The unit's written answer (what a reply task asks for; a note on a figure task)."""
    if by.role != "unit_admin":
        raise Forbidden(_("只有成员单位管理员可以答复任务"))
    assignment = next((a for a in task.assignments if a.unit_id == by.unit_id), None)
    if assignment is None:
        raise NotFound(_("任务不存在"))
    if assignment.replied_at is not None and task.measure == "reply":
        raise Conflict(_("已答复过该任务"))
    assignment.reply = _text(text, REPLY_MAX, "reply")
    assignment.replied_at = now()
    db.session.flush()
    audit.log("task.replied", task, by=by, unit_id=by.unit_id)
    return assignment


def get_assignment(user: User, task_id: int) -> OfficeTaskUnit:
    task = get_task(user, task_id)
    assignment = next((a for a in task.assignments if a.unit_id == user.unit_id), None)
    if assignment is None:
        raise NotFound(_("任务不存在"))
    return assignment


@dataclass(frozen=True)
class FollowUp:
    """What the dashboard shows first: overdue rectification items, items waiting for the
    office's review, and (for a unit admin) the unit's open tasks."""

    overdue_items: int
    replied_items: int
    open_tasks: list[Progress]


def follow_up(user: User) -> FollowUp:
    from app.models import Rectification
    from app.services.rectifications import overdue_count

    unit_id = None if user.role == "platform_admin" else user.unit_id
    replied = select(func.count(Rectification.id)).where(Rectification.status == "replied")
    if unit_id is not None:
        replied = replied.where(Rectification.unit_id == unit_id)
    return FollowUp(
        overdue_items=overdue_count(unit_id),
        replied_items=db.session.scalar(replied) or 0,
        open_tasks=tasks_for(user, open_only=True),
    )


def task_lists(user: User) -> dict:
    """What the office page lists of the tasks: all with their summary for the platform
    admin; a unit admin's own."""
    if user.role == "platform_admin":
        tasks = list_tasks()
        return {"tasks": tasks, "task_summary": summary(tasks), "mine": None}
    return {"tasks": None, "mine": tasks_for(user)}
