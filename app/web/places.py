"""新时代文明实践 places: the platform admin keeps the centre, institutes and stations and
pairs units with them; a paired unit sees its stations' figures."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import role_required
from app.services import places, units
from app.services.clock import local_today, month_bounds
from app.web.forms import BaseForm, domain_errors, fields_of, form_status

bp = Blueprint("places", __name__, url_prefix="/places")


class PlaceForm(BaseForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=100)])
    level = SelectField(_l("层级"), choices=[SelectChoice(k, v) for k, v in places.LEVEL_LABELS.items()])
    parent_id = SelectField(_l("上级"), coerce=int)
    address = StringField(_l("地址（可选）"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("添加"))

    def offer_parents(self) -> None:
        self.parent_id.choices = [SelectChoice(0, _l("（无）"))] + [
            SelectChoice(p.id, p.name) for p in places.list_places() if p.level != "station"
        ]


class PairForm(BaseForm):
    unit_id = SelectField(_l("结对单位"), coerce=int)
    submit = SubmitField(_l("结对"))


def _unit_choices(form: PairForm) -> PairForm:
    form.unit_id.choices = [SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)]
    return form


def _index_page(form: PlaceForm):
    return render_template(
        "places/index.html",
        rows=places.visible_pairings(current_user),
        form=form,
        labels=places.LEVEL_LABELS,
        pair_form=_unit_choices(PairForm(formdata=None)),
    ), form_status(form)


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("platform_admin", "unit_admin")
def index():
    form = PlaceForm()
    form.offer_parents()
    if current_user.role == "platform_admin" and form.validate_on_submit():
        with domain_errors(form) as attempt:
            place = places.create_place(
                **fields_of(form, "name", "level", "address"),
                parent_id=form.parent_id.data or None,
                by=current_user,
            )
        if attempt.ok:
            flash(_("已添加“%(n)s”", n=place.name), "success")
            return redirect(url_for(".index"))
    return _index_page(form)


@bp.get("/<int:place_id>", endpoint="show")
@role_required("platform_admin", "unit_admin")
def show(place_id: int):
    place = places.get_place(place_id)
    places.ensure_can_see_place(current_user, place)
    start, end = month_bounds(local_today().strftime("%Y-%m"))
    return render_template(
        "places/show.html",
        place=place,
        figures=places.station_month_figures(place, current_user, start, end),
        labels=places.LEVEL_LABELS,
        paired=places.paired_units(place),
    )


@bp.post("/<int:place_id>/pair", endpoint="pair")
@role_required("platform_admin")
def pair(place_id: int):
    place = places.get_place(place_id)
    form = _unit_choices(PairForm())
    if form.validate_on_submit():
        with domain_errors() as attempt:
            places.pair(place, form.unit_id.data, by=current_user)
        if attempt.ok:
            flash(_("已结对"), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:place_id>/unpair/<int:unit_id>", endpoint="unpair")
@role_required("platform_admin")
def unpair(place_id: int, unit_id: int):
    place = places.get_place(place_id)
    if BaseForm().validate_on_submit():
        with domain_errors() as attempt:
            places.unpair(place, unit_id, by=current_user)
        if attempt.ok:
            flash(_("已解除结对"), "success")
    return redirect(url_for(".index"))
