"""API: the catalogues volunteers and admins choose from (service categories, skills)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields

from app.services import categories, skills
from app.web.api.common import Bool, Id, Int, StrictSchema, Text, operation

blp = Blueprint("api_catalogues", __name__, description="Catalogues: service categories")


class CategoryOut(StrictSchema):
    id = Id()
    name = Text()
    name_en = Text(allow_none=True)
    position = Int()
    active = Bool()


class CategoryList(StrictSchema):
    items = fields.List(fields.Nested(CategoryOut))


class CategoryQuery(StrictSchema):
    include_inactive = fields.Boolean(
        load_default=False,
        metadata={
            "description": "also list retired categories (still carried by older posts and activities)"
        },
    )


@blp.get("/categories")
@operation(blp, "listCategories", public=True)
@blp.arguments(CategoryQuery, location="query")
@blp.response(200, CategoryList)
def list_categories(query):
    return {"items": categories.list_categories(active_only=not query["include_inactive"])}


class SkillList(StrictSchema):
    items = fields.List(fields.Nested(CategoryOut))


@blp.get("/skills")
@operation(blp, "listSkills", public=True)
@blp.arguments(CategoryQuery, location="query")
@blp.response(200, SkillList)
def list_skills(query):
    return {"items": skills.list_skills(active_only=not query["include_inactive"])}
