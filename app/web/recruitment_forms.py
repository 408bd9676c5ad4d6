"""Forms of selective recruitment, for activities and for teams alike: an application's note,
an admin's decision, and whether a team takes applications."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from app.services import recruitment
from app.web.forms import BaseForm, domain_errors

SENT = _l("已提交申请，请等待审核")


class ApplyForm(BaseForm):
    note = TextAreaField(
        _l("申请说明（可选，如相关经历、证书）"), validators=[Optional(), Length(max=recruitment.NOTE_MAX)]
    )
    submit = SubmitField(_l("提交申请"))


class DecisionForm(BaseForm):
    decision = SelectField(choices=[SelectChoice("accept", _l("录用")), SelectChoice("decline", _l("婉拒"))])
    reason = StringField(
        _l("理由（婉拒时必填）"), validators=[Optional(), Length(max=recruitment.REASON_MAX)]
    )


class TeamRecruitmentForm(BaseForm):
    requires_application = BooleanField(_l("接受志愿者申请入队（由管理员审核录用）"))
    capacity = IntegerField(_l("人数上限（可选）"), validators=[Optional(), NumberRange(1, 100000)])
    submit = SubmitField(_l("保存招募设置"))


def take_decision(decide) -> None:
    """An admin's 录用 or 婉拒 of one application, posted from the applications' list:
    decide(accept=, reason=, by=) when the form is valid, then a flash of the outcome (or of
    the service's refusal)."""
    form = DecisionForm()
    if not form.validate_on_submit():
        return
    accept = form.decision.data == "accept"
    with domain_errors() as attempt:
        decide(accept=accept, reason=form.reason.data, by=current_user)
    if attempt.ok:
        flash(_("已录用") if accept else _("已婉拒"), "success")
