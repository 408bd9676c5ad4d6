"""API: the caller's own profile (updateMe) and the admins' search of volunteers (listVolunteers)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.hours import hours
from app.services import children, political, skills, volunteers
from app.web.api.common import Id, Int, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_people", __name__, description="Volunteers' profiles and the admins' search")


class SkillIn(StrictSchema):
    skill_id = Id(required=True, metadata={"description": "from the skill catalogue"})
    note = OptionalText(skills.NOTE_MAX, metadata={"description": "e.g. a licence number"})


class SkillOut(StrictSchema):
    skill_id = Id()
    name = Text()
    note = Text(allow_none=True)


class MeUpdate(StrictSchema):
    skills = fields.List(
        fields.Nested(SkillIn),
        validate=validate.Length(max=skills.MAX_SKILLS),
        metadata={"description": "replaces the caller's skills; omitted: unchanged"},
    )
    political_status = Text(
        allow_none=True,
        validate=validate.OneOf(list(political.STATUSES)),
        metadata={
            "description": "政治面貌; null withdraws it; seen only by the caller and the admins of the caller's unit"
        },
    )
    political_consent = fields.Boolean(
        load_default=False,
        metadata={
            "description": "true: the caller agrees that their unit's admins see the political status (required with one)"
        },
    )


class Profile(StrictSchema):
    id = Id()
    volunteer_no = Text()
    name = Text()
    skills = fields.List(fields.Nested(SkillOut))
    political_status = Text(allow_none=True)


class VolunteerQuery(StrictSchema):
    q = Text(
        load_default="",
        validate=validate.Length(max=50),
        metadata={"description": "a fragment of the name, or a whole volunteer number or phone"},
    )
    name = Text(load_default=None, validate=validate.Length(max=50))
    volunteer_no = Text(load_default=None, validate=validate.Length(max=20))
    phone = Text(load_default=None, validate=validate.Length(max=11))
    skill_id = Id(load_default=None)
    category_id = Id(
        load_default=None, metadata={"description": "served (approved records) in this category"}
    )
    unit_id = Id(
        load_default=None, metadata={"description": "platform admin only; a unit admin sees its own unit"}
    )
    page = Int(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = Int(load_default=50, validate=validate.Range(min=1, max=200))


class VolunteerRow(StrictSchema):
    id = Id()
    volunteer_no = Text()
    name = Text()
    unit_id = Id()
    unit_name = Text()
    hours = fields.Float()
    star_level = Int()
    skills = fields.List(fields.Nested(SkillOut))


class VolunteerPage(StrictSchema):
    items = fields.List(fields.Nested(VolunteerRow))
    total = Int()
    page = Int()
    pages = Int()


def skills_json(volunteer) -> list[dict]:
    return [{"skill_id": vs.skill_id, "name": vs.skill.name, "note": vs.note} for vs in volunteer.skills]


def profile_json(volunteer) -> dict:
    return {
        "id": volunteer.id,
        "volunteer_no": volunteer.volunteer_no,
        "name": volunteer.name,
        "skills": skills_json(volunteer),
        "political_status": volunteer.political_status,
    }


def volunteer_row(v) -> dict:
    return {
        "id": v.id,
        "volunteer_no": v.volunteer_no,
        "name": v.name,
        "unit_id": v.unit_id,
        "unit_name": v.unit.name,
        "hours": hours(v.approved_seconds),
        "star_level": v.star_level,
        "skills": skills_json(v),
    }


@blp.patch("/me")
@operation(blp, "updateMe", "volunteer")
@blp.arguments(MeUpdate)
@blp.response(200, Profile)
def update_me(body):
    user = api_user()
    volunteer = volunteers.volunteer_of(user)
    if "skills" in body:
        skills.set_skills(volunteer, {s["skill_id"]: s["note"] for s in body["skills"]}, by=user)
    if "political_status" in body:
        political.set_status(volunteer, body["political_status"], consent=body["political_consent"], by=user)
    return profile_json(volunteer)


@blp.get("/volunteers")
@operation(blp, "listVolunteers", *ADMINS)
@blp.arguments(VolunteerQuery, location="query")
@blp.response(200, VolunteerPage)
def list_volunteers(query):
    result = volunteers.search(
        unit_id=volunteers.searchable_unit(api_user(), query.pop("unit_id")),
        query=query.pop("q").strip(),
        page=query.pop("page"),
        per_page=query.pop("per_page"),
        filters=query,
    )
    items = [volunteer_row(v) for v in result.items]
    return {"items": items, "total": result.total, "page": result.page, "pages": result.pages}


class ChildCreate(StrictSchema):
    name = Text(required=True, validate=validate.Length(min=1, max=30))
    id_number = Text(required=True, validate=validate.Length(min=1, max=18))
    relationship = Text(required=True, validate=validate.OneOf(list(children.RELATIONSHIPS)))
    consent = fields.Boolean(required=True, metadata={"description": "the guardian agrees; must be true"})


class ChildResult(StrictSchema):
    id = Id()
    volunteer_no = Text()
    name = Text()
    relationship = Text()


@blp.post("/me/children")
@operation(blp, "registerChild", "volunteer")
@blp.arguments(ChildCreate)
@blp.response(201, ChildResult)
def register_child(body):
    user = api_user()
    child = children.register_child(volunteers.volunteer_of(user), children.ChildInput(**body), by=user)
    return {
        "id": child.id,
        "volunteer_no": child.volunteer_no,
        "name": child.name,
        "relationship": child.guardian_relationship,
    }
