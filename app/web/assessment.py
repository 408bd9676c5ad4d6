"""The assessment export (测评资料): the platform admin downloads a period's ZIP for every unit
or one; a unit admin for its own unit."""

from __future__ import annotations

from flask import Blueprint, render_template, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from app.auth_state import ADMINS, role_required
from app.services import assessment, units
from app.services.months import Month
from app.services.periods import Period
from app.web.forms import BaseForm, domain_errors, form_status

bp = Blueprint("assessment", __name__, url_prefix="/assessment")


class AssessmentForm(BaseForm):
    period = StringField(
        _l("期间（如 2026-10、2026-Q3 或 2026）"), validators=[DataRequired(), Length(max=10)]
    )
    unit_id = SelectField(_l("成员单位"), coerce=int)
    submit = SubmitField(_l("下载测评资料（ZIP）"))

    def offer(self, user) -> None:
        if user.role == "platform_admin":
            self.unit_id.choices = [SelectChoice(0, _l("全部成员单位"))] + [
                SelectChoice(u.id, u.name) for u in units.list_units()
            ]
        else:
            self.unit_id.choices = [SelectChoice(user.unit_id, user.unit.name)]


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required(*ADMINS)
def index():
    form = AssessmentForm(data={"period": str(Month.current().previous())})
    form.offer(current_user)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            made = assessment.build_assessment(
                Period.parse(form.period.data), unit_id=form.unit_id.data or None, by=current_user
            )
        if attempt.ok:
            return send_file(
                made.file, mimetype="application/zip", as_attachment=True, download_name=made.filename
            )
    return render_template("assessment/index.html", form=form), form_status(form)
