"""API: monthly bulletins."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import fields, validate

from app.auth_state import ADMINS, api_user
from app.models import Unit
from app.services import units
from app.services.bulletins import exports, snapshots
from app.services.clock import iso
from app.services.errors import Forbidden, get_or_404
from app.services.months import Month
from app.web.api.common import Id, Int, StrictSchema, Text, operation
from app.web.forms import send_bytes

blp = Blueprint("api_bulletins", __name__, description="Monthly bulletins")
CONTRACT_FIGURES = (
    "registered_volunteers",
    "active_volunteers",
    "participation_rate",
    "service_hours",
    "records",
    "activities",
    "new_volunteers",
    "star_upgrades",
    "rank",
)


class GenerateBody(StrictSchema):
    month = Text(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


class Generated(StrictSchema):
    created = Int()


class BulletinItem(StrictSchema):
    id = Id()
    month = Text()
    revision = Int()


class BulletinList(StrictSchema):
    items = fields.List(fields.Nested(BulletinItem))


class Figures(StrictSchema):
    registered_volunteers = Int(allow_none=True)
    active_volunteers = Int(allow_none=True)
    participation_rate = fields.Float(allow_none=True)
    service_hours = fields.Float(allow_none=True)
    records = Int(allow_none=True)
    activities = Int(allow_none=True)
    new_volunteers = Int(allow_none=True)
    star_upgrades = Int(allow_none=True)
    rank = Int(allow_none=True)


class BulletinOut(StrictSchema):
    id = Id()
    unit_id = Id(allow_none=True)
    month = Text()
    figures = fields.Nested(Figures)
    details = fields.Dict(
        keys=Text(), metadata={"description": "charts, top volunteers and the other figures"}
    )
    revision = Int()
    generated_at = Text()


def _readable(bulletin_id: int):
    bulletin = snapshots.get_bulletin(bulletin_id)
    if not snapshots.can_read(api_user(), bulletin):
        raise Forbidden()
    return bulletin


@blp.post("/bulletins")
@operation(blp, "generateBulletins", "platform_admin")
@blp.arguments(GenerateBody)
@blp.response(200, Generated)
def generate_bulletins(body):
    created = snapshots.generate_bulletins(Month.parse(body["month"]), by=api_user())
    return {"created": created}


@blp.get("/units/<int:unit_id>/bulletins")
@operation(blp, "listBulletins", *ADMINS)
@blp.response(200, BulletinList)
def list_bulletins(unit_id: int):
    get_or_404(Unit, unit_id)
    units.ensure_can_manage_unit(api_user(), unit_id)
    return {
        "items": [
            {"id": b.id, "month": b.month, "revision": b.revision} for b in snapshots.list_bulletins(unit_id)
        ]
    }


@blp.get("/bulletins/<int:bulletin_id>")
@operation(blp, "getBulletin", *ADMINS)
@blp.response(200, BulletinOut)
def get_bulletin(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    stored = snapshots.figures_of(bulletin)
    figures = {key: stored.get(key) for key in CONTRACT_FIGURES}
    extra = {k: v for k, v in stored.items() if k not in CONTRACT_FIGURES}
    return {
        "id": bulletin.id,
        "unit_id": bulletin.unit_id,
        "month": bulletin.month,
        "figures": figures,
        "details": extra,
        "revision": bulletin.revision,
        "generated_at": iso(bulletin.generated_at),
    }


@blp.get("/bulletins/<int:bulletin_id>.pdf")
@operation(blp, "getBulletinPdf", *ADMINS)
@blp.response(200, content_type="application/pdf")
def get_bulletin_pdf(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return send_bytes(exports.pdf_bytes(bulletin), f"bulletin-{bulletin.id}.pdf")


@blp.get("/bulletins/<int:bulletin_id>.xlsx")
@operation(blp, "getBulletinXlsx", *ADMINS)
@blp.response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def get_bulletin_xlsx(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return send_bytes(exports.xlsx_bytes(bulletin), f"bulletin-{bulletin.id}.xlsx", inline=False)
