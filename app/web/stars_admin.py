"""Star rules for the platform admin: edit the thresholds or apply a preset; everyone is
regraded at once."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import IntegerField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from app.auth_state import role_required
from app.services import stars
from app.web.forms import BaseForm, domain_errors

bp = Blueprint("stars_admin", __name__, url_prefix="/admin/stars")


class ThresholdForm(BaseForm):
    level_1 = IntegerField(
        _l("1星（小时）"), validators=[InputRequired(), NumberRange(min=1, max=stars.MAX_HOURS)]
    )
    level_2 = IntegerField(
        _l("2星（小时）"), validators=[InputRequired(), NumberRange(min=1, max=stars.MAX_HOURS)]
    )
    level_3 = IntegerField(
        _l("3星（小时）"), validators=[InputRequired(), NumberRange(min=1, max=stars.MAX_HOURS)]
    )
    level_4 = IntegerField(
        _l("4星（小时）"), validators=[InputRequired(), NumberRange(min=1, max=stars.MAX_HOURS)]
    )
    level_5 = IntegerField(
        _l("5星（小时）"), validators=[InputRequired(), NumberRange(min=1, max=stars.MAX_HOURS)]
    )
    submit = SubmitField(_l("保存并重新评定"))

    @classmethod
    def showing(cls, current: dict[int, int]) -> ThresholdForm:
        return cls(data={f"level_{lvl}": hrs for lvl, hrs in current.items()})

    def levels(self) -> dict[int, int]:
        return {lvl: getattr(self, f"level_{lvl}").data for lvl in stars.LEVELS}


class PresetForm(BaseForm):
    pass


def _done(changed: int):
    flash(_("星级标准已更新，已重新评定全部志愿者：%(n)d人星级发生变化。", n=changed), "success")
    return redirect(url_for(".thresholds"))


@bp.route("/", methods=["GET", "POST"], endpoint="thresholds")
@role_required("platform_admin")
def thresholds():
    current = stars.thresholds()
    form = ThresholdForm.showing(current)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            changed = stars.set_thresholds(form.levels(), by=current_user)
        if attempt.ok:
            return _done(changed)
    return render_template(
        "stars_admin/thresholds.html",
        form=form,
        preset_form=PresetForm(),
        current=current,
        presets=stars.PRESETS,
        counts=stars.level_counts(),
    )


@bp.post("/preset", endpoint="preset")
@role_required("platform_admin")
def preset():
    form = PresetForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return redirect(url_for(".thresholds"))
    name = request.form.get("preset", "")
    if request.form.get("confirmed") != "1":  # first say what it would do; nothing changes yet
        label, up, down = stars.preview_preset(name)
        return render_template(
            "stars_admin/confirm_preset.html", preset_form=form, name=name, label=label, up=up, down=down
        )
    return _done(stars.apply_preset(name, by=current_user))
