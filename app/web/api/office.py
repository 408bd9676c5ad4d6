"""API: the office's rectification items and task lists."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.services import office_tasks, rectifications, scores
from app.services.clock import iso
from app.services.errors import ValidationFailed
from app.services.periods import Period
from app.web.api.common import Bool, Id, Int, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_office", __name__, description="The office's follow-up: rectification items and tasks")


class RectificationCreate(StrictSchema):
    unit_id = Id(required=True)
    finding = Text(required=True, validate=validate.Length(min=1, max=rectifications.FINDING_MAX))
    deadline = fields.Date(required=True)
    source = OptionalText(rectifications.SOURCE_MAX)


class RectificationUpdate(StrictSchema):
    action = Text(
        required=True,
        validate=validate.OneOf(["reply", "close", "return"]),
        metadata={
            "description": "reply: the unit admin answers (text); close: the office accepts the reply; "
            "return: the office sends it back (reason)"
        },
    )
    text = Text(load_default=None, validate=validate.Length(max=rectifications.REPLY_MAX))
    reason = Text(load_default=None, validate=validate.Length(max=rectifications.REASON_MAX))


class RectificationOut(StrictSchema):
    id = Id()
    unit_id = Id()
    finding = Text()
    source = Text(allow_none=True)
    deadline = fields.Date()
    status = Text(metadata={"description": "open, replied or closed"})
    overdue = Bool()
    reply = Text(allow_none=True)
    returned_reason = Text(allow_none=True)
    raised_at = Text()
    replied_at = Text(allow_none=True)
    closed_at = Text(allow_none=True)


class TaskCreate(StrictSchema):
    title = Text(required=True, validate=validate.Length(min=1, max=office_tasks.TITLE_MAX))
    text = Text(required=True, validate=validate.Length(min=1, max=office_tasks.TEXT_MAX))
    measure = Text(required=True, validate=validate.OneOf(list(office_tasks.MEASURES)))
    target = Int(load_default=None, allow_none=True, validate=validate.Range(1, office_tasks.TARGET_MAX))
    deadline = fields.Date(required=True)
    unit_ids = fields.List(
        Id(),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "the units to send it to; omitted or null: every active unit"},
    )


class UnitProgress(StrictSchema):
    unit_id = Id()
    value = fields.Float(
        allow_none=True, metadata={"description": "the figure so far (null for a reply task)"}
    )
    percent = Int()
    done = Bool()
    overdue = Bool()
    replied_at = Text(allow_none=True)


class TaskOut(StrictSchema):
    id = Id()
    title = Text()
    text = Text()
    measure = Text()
    target = Int(allow_none=True)
    deadline = fields.Date()
    units = fields.List(fields.Nested(UnitProgress))


class TaskList(StrictSchema):
    items = fields.List(fields.Nested(TaskOut))


def item_json(item) -> dict:
    return {
        "id": item.id,
        "unit_id": item.unit_id,
        "finding": item.finding,
        "source": item.source,
        "deadline": item.deadline,
        "status": item.status,
        "overdue": rectifications.is_overdue(item),
        "reply": item.reply,
        "returned_reason": item.returned_reason,
        "raised_at": iso(item.raised_at),
        "replied_at": iso(item.replied_at),
        "closed_at": iso(item.closed_at),
    }


def task_json(task, rows) -> dict:
    return {
        "id": task.id,
        "title": task.title,
        "text": task.text,
        "measure": task.measure,
        "target": task.target,
        "deadline": task.deadline,
        "units": [
            {
                "unit_id": r.assignment.unit_id,
                "value": r.value,
                "percent": r.percent,
                "done": r.done,
                "overdue": r.overdue,
                "replied_at": iso(r.assignment.replied_at),
            }
            for r in rows
        ],
    }


@blp.post("/rectifications")
@operation(blp, "createRectification", "platform_admin")
@blp.arguments(RectificationCreate)
@blp.response(201, RectificationOut)
def create_rectification(body):
    return item_json(
        rectifications.raise_item(
            body["unit_id"],
            finding=body["finding"],
            deadline=body["deadline"],
            source=body["source"],
            by=api_user(),
        )
    )


@blp.patch("/rectifications/<int:item_id>")
@operation(blp, "updateRectification", *ADMINS)
@blp.arguments(RectificationUpdate)
@blp.response(200, RectificationOut)
def update_rectification(body, item_id: int):
    user = api_user()
    item = rectifications.get_item(user, item_id)
    if body["action"] == "reply":
        if not body["text"]:
            raise ValidationFailed(fields={"text": [_("答复时须填写整改情况")]})
        rectifications.reply(item, text=body["text"], by=user)
    elif body["action"] == "close":
        rectifications.close(item, by=user)
    else:
        if not body["reason"]:
            raise ValidationFailed(fields={"reason": [_("退回时须填写原因")]})
        rectifications.return_item(item, reason=body["reason"], by=user)
    return item_json(item)


@blp.post("/tasks")
@operation(blp, "createTask", "platform_admin")
@blp.arguments(TaskCreate)
@blp.response(201, TaskOut)
def create_task(body):
    task = office_tasks.create_task(by=api_user(), **body)
    return task_json(task, office_tasks.progress(task.assignments))


@blp.get("/tasks")
@operation(blp, "listTasks", *ADMINS)
@blp.response(200, TaskList)
def list_tasks():
    """The platform admin: every task with each unit's progress; a unit admin: the unit's own."""
    user = api_user()
    if user.role == "platform_admin":
        tasks = office_tasks.list_tasks()
        rows = office_tasks.progress([a for t in tasks for a in t.assignments])
        by_task: dict[int, list] = {}
        for row in rows:
            by_task.setdefault(row.assignment.task_id, []).append(row)
        return {"items": [task_json(t, by_task.get(t.id, [])) for t in tasks]}
    return {"items": [task_json(r.assignment.task, [r]) for r in office_tasks.tasks_for(user)]}


class ScoresQuery(StrictSchema):
    period = Text(required=True, metadata={"description": "2026-10, 2026-Q3, 2026-H1 or 2026"})


class Points(StrictSchema):
    key = Text()
    value = fields.Float(allow_none=True, metadata={"description": "null: not applicable to the unit"})
    target = fields.Float()
    weight = Int()
    effective_weight = fields.Float(
        metadata={"description": "the weight after those of indicators not applicable are spread"}
    )
    points = fields.Float()


class UnitScore(StrictSchema):
    unit_id = Id()
    unit = Text()
    score = fields.Float()
    rank = Int()
    breakdown = fields.List(
        fields.Nested(Points), metadata={"description": "empty for other units when a unit admin asks"}
    )


class Scores(StrictSchema):
    period = Text()
    scheme_version = Int(metadata={"description": "0: the built-in scheme"})
    is_partial = Bool(
        data_key="partial",
        attribute="partial",
        metadata={"description": "the period has not ended: figures so far"},
    )
    kept = Bool(metadata={"description": "the scores were kept after the period ended and no longer change"})
    indicators = fields.List(fields.Dict())
    units = fields.List(fields.Nested(UnitScore))


@blp.get("/scores")
@operation(blp, "getUnitScores", *ADMINS)
@blp.arguments(ScoresQuery, location="query")
@blp.response(200, Scores)
def get_unit_scores(query):
    """Every unit's score for a period with the scheme in force at its end, its rank, and the
    breakdown per indicator (a unit admin: its own unit's breakdown only)."""
    return scores.visible_scores(scores.scores(Period.parse(query["period"])), api_user())
