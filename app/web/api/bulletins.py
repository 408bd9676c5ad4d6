"""API: monthly bulletins."""
from __future__ import annotations

from flask_smorest import Blueprint

from app.auth_state import api_user
from app.extensions import db
from app.services import bulletins, units
from app.services.clock import iso
from app.services.errors import Forbidden
from app.web.api.common import StrictSchema, fields, operation, validate
from app.web.forms import send_bytes

blp = Blueprint("api_bulletins", __name__, description="Monthly bulletins")
ADMINS = ("platform_admin", "unit_admin")
CONTRACT_FIGURES = ("registered_volunteers", "active_volunteers", "participation_rate", "service_hours", "records",
                    "activities", "new_volunteers", "star_upgrades", "rank")


class GenerateBody(StrictSchema):
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))


def _readable(bulletin_id: int):
    bulletin = bulletins.get_bulletin(bulletin_id)
    if not bulletins.can_read(api_user(), bulletin):
        raise Forbidden()
    return bulletin


@blp.post("/bulletins")
@operation(blp, "generateBulletins", "platform_admin")
@blp.arguments(GenerateBody)
def generate_bulletins(body):
    created = bulletins.generate_bulletins(body["month"], by=api_user())
    db.session.commit()
    return {"created": created}


@blp.get("/units/<int:unit_id>/bulletins")
@operation(blp, "listBulletins", *ADMINS)
def list_bulletins(unit_id: int):
    units.get_unit(unit_id)
    units.ensure_can_manage_unit(api_user(), unit_id)
    return {"items": [{"id": b.id, "month": b.month, "revision": b.revision} for b in bulletins.list_bulletins(unit_id)]}


@blp.get("/bulletins/<int:bulletin_id>")
@operation(blp, "getBulletin", *ADMINS)
def get_bulletin(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    figures = {key: bulletin.figures.get(key) for key in CONTRACT_FIGURES}
    extra = {k: v for k, v in bulletin.figures.items() if k not in CONTRACT_FIGURES}
    return {"id": bulletin.id, "unit_id": bulletin.unit_id, "month": bulletin.month, "figures": figures,
            "details": extra, "revision": bulletin.revision, "generated_at": iso(bulletin.generated_at)}


@blp.get("/bulletins/<int:bulletin_id>.pdf")
@operation(blp, "getBulletinPdf", *ADMINS)
@blp.response(200, content_type="application/pdf")
def get_bulletin_pdf(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return send_bytes(bulletins.pdf_bytes(bulletin), f"bulletin-{bulletin.id}.pdf")


@blp.get("/bulletins/<int:bulletin_id>.xlsx")
@operation(blp, "getBulletinXlsx", *ADMINS)
@blp.response(200, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def get_bulletin_xlsx(bulletin_id: int):
    bulletin = _readable(bulletin_id)
    return send_bytes(bulletins.xlsx_bytes(bulletin), f"bulletin-{bulletin.id}.xlsx", inline=False)
