"""API: service projects (志愿服务项目) and volunteers' sign-ups."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.services import projects, volunteers
from app.web.api.common import Id, Int, OptionalText, StrictSchema, Text, operation

blp = Blueprint("api_projects", __name__, description="Service projects and sign-ups")


class ProjectCreate(StrictSchema):
    title = Text(required=True, validate=validate.Length(min=1, max=100))
    purpose = Text(required=True, validate=validate.Length(min=1, max=projects.PURPOSE_MAX))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    unit_id = Id(load_default=None, allow_none=True, metadata={"description": "the owner: a unit, or"})
    team_id = Id(load_default=None, allow_none=True, metadata={"description": "a team (from listTeams)"})
    category_id = Id(load_default=None, allow_none=True, metadata={"description": "from listCategories"})
    target_volunteers = Int(load_default=None, allow_none=True, validate=validate.Range(1, 10_000_000))
    target_beneficiaries = Int(load_default=None, allow_none=True, validate=validate.Range(1, 10_000_000))
    budget_source = OptionalText(50, metadata={"description": "e.g. 政府购买服务"})


class ProjectFiguresOut(StrictSchema):
    signups = Int()
    posts = Int()
    activities = Int()
    volunteers = Int(metadata={"description": "distinct volunteers with approved service in the project"})
    hours = fields.Float()
    beneficiaries = Int(metadata={"description": "people served (服务人次) to date"})


class ProjectOut(StrictSchema):
    id = Id()
    title = Text()
    purpose = Text()
    starts_on = fields.Date()
    ends_on = fields.Date()
    unit_id = Id(allow_none=True)
    team_id = Id(allow_none=True)
    category_id = Id(allow_none=True)
    target_volunteers = Int(allow_none=True)
    target_beneficiaries = Int(allow_none=True)
    budget_source = Text(allow_none=True)
    signup_count = Int()
    figures = fields.Nested(ProjectFiguresOut, load_default=None, allow_none=True)


class ProjectList(StrictSchema):
    items = fields.List(fields.Nested(ProjectOut))


class SignupResult(StrictSchema):
    project_id = Id()
    signup_count = Int()


class ProjectQuery(StrictSchema):
    current = fields.Boolean(
        load_default=False, metadata={"description": "only projects that have not ended"}
    )


def _project_json(project, with_figures: bool = False) -> dict:
    out = {
        k: getattr(project, k)
        for k in (
            "id",
            "title",
            "purpose",
            "starts_on",
            "ends_on",
            "unit_id",
            "team_id",
            "category_id",
            "target_volunteers",
            "target_beneficiaries",
            "budget_source",
            "signup_count",
        )
    }
    out["figures"] = projects.figures(project).__dict__ if with_figures else None
    return out


@blp.get("/projects")
@operation(blp, "listProjects", public=True)
@blp.arguments(ProjectQuery, location="query")
@blp.response(200, ProjectList)
def list_projects(query):
    return {"items": [_project_json(p) for p in projects.list_projects(current_only=query["current"])]}


@blp.post("/projects")
@operation(blp, "createProject", *ADMINS)
@blp.arguments(ProjectCreate)
@blp.response(201, ProjectOut)
def create_project(body):
    return _project_json(projects.create_project(projects.ProjectInput(**body), by=api_user()))


@blp.get("/projects/<int:project_id>")
@operation(blp, "getProject", public=True)
@blp.response(200, ProjectOut)
def get_project(project_id: int):
    """A project with its figures to date: sign-ups, posts, activities, volunteers who served, hours."""
    return _project_json(projects.get_project(project_id), with_figures=True)


@blp.post("/projects/<int:project_id>/signups")
@operation(blp, "signUpForProject", "volunteer")
@blp.response(201, SignupResult)
def sign_up_for_project(project_id: int):
    project = projects.get_project(project_id)
    projects.sign_up(volunteers.volunteer_of(api_user()), project)
    return {"project_id": project.id, "signup_count": project.signup_count}
