"""Half-year and annual reviews (半年/年度点评): the office drafts, comments, sets the lagging rule,
publishes and revises; a unit admin reads its own unit's published review."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DecimalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange

from app.auth_state import ADMINS, role_required
from app.services import review_exports, reviews
from app.services.errors import Forbidden
from app.services.periods import Period
from app.web.forms import BaseForm, db_int, domain_errors, send_bytes

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


class DraftForm(BaseForm):
    period = StringField(_l("期间（如 2026-H1、2026）"), validators=[DataRequired(), Length(max=10)])
    submit = SubmitField(_l("生成或刷新草稿"))


class RuleForm(BaseForm):
    kind = SelectField(
        _l("后进单位认定规则"),
        choices=[SelectChoice("bottom", _l("得分末位N名")), SelectChoice("below", _l("得分低于分数线"))],
    )
    value = DecimalField(
        _l("N 或分数线"), places=None, validators=[DataRequired(), NumberRange(min=0, max=100)]
    )
    submit = SubmitField(_l("保存规则"))


class CommentForm(BaseForm):
    comment = TextAreaField(_l("文明办点评"), validators=[Length(max=reviews.COMMENT_MAX)])
    submit = SubmitField(_l("保存点评"))


def _scope() -> int | None:
    if current_user.role == "unit_admin":
        return current_user.unit_id
    return request.args.get("unit_id", type=db_int)


def _back(review_id: int, unit_id: int | None):
    return redirect(url_for(".show", review_id=review_id, unit_id=unit_id))


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required(*ADMINS)
def index():
    form = DraftForm()
    if request.method == "POST" and current_user.role != "platform_admin":
        raise Forbidden(_("只有文明办可以编制和发布点评"))
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            review = reviews.make_draft(reviews.review_period(form.period.data), by=current_user)
        if attempt.ok:
            flash(_("已生成点评草稿"), "success")
            return _back(review.id, None)
    return render_template(
        "reviews/index.html", items=reviews.list_reviews(current_user), form=form, Period=Period
    )


@bp.get("/<int:review_id>", endpoint="show")
@role_required(*ADMINS)
def show(review_id: int):
    review = reviews.get_review(current_user, review_id)
    page = reviews.view(review, _scope(), current_user)
    rule_form = RuleForm(kind=review.rule["kind"], value=review.rule["value"])
    return render_template(
        "reviews/show.html",
        page=page,
        rows=review_exports.sum_rows(page["sums"]),
        status=review_exports.status_text(page),
        rule_form=rule_form,
        comment_form=CommentForm(comment=page["comment"]),
        action_form=BaseForm(),
        quiet_text=reviews.quiet_text,
        breakdown=review_exports.breakdown_rows(page["row"]) if page["row"] else [],
    )


DONE = {"refresh": _l("已刷新草稿数据"), "publish": _l("点评已发布"), "revise": _l("已生成修订草稿")}


def _act(review_id: int, action: str):
    review = reviews.get_review(current_user, review_id)
    if BaseForm().validate_on_submit():
        with domain_errors() as attempt:
            result = getattr(reviews, action)(review, by=current_user)
        if attempt.ok:
            flash(str(DONE[action]), "success")
            return _back(result.id, _scope())
    return _back(review.id, _scope())


# The office's buttons on a review (reviews.refresh, publish, revise): POST /<id>/<action>.
for _action in DONE:
    bp.add_url_rule(
        f"/<int:review_id>/{_action}",
        endpoint=_action,
        view_func=role_required("platform_admin")(partial(_act, action=_action)),
        methods=["POST"],
    )


@bp.post("/<int:review_id>/rule", endpoint="rule")
@role_required("platform_admin")
def rule(review_id: int):
    review = reviews.get_review(current_user, review_id)
    form = RuleForm()
    if form.validate_on_submit():
        value = (
            int(form.value.data)
            if form.kind.data == "bottom" and form.value.data % 1 == 0
            else float(form.value.data)
        )
        with domain_errors() as attempt:
            reviews.set_rule(review, form.kind.data, value, by=current_user)
        if attempt.ok:
            flash(_("已保存后进单位认定规则"), "success")
    else:
        flash(_("请填写有效的规则"), "danger")
    return _back(review.id, _scope())


@bp.post("/<int:review_id>/comment", endpoint="comment")
@role_required("platform_admin")
def comment(review_id: int):
    review = reviews.get_review(current_user, review_id)
    form = CommentForm()
    if form.validate_on_submit():
        with domain_errors() as attempt:
            reviews.save_comment(review, _scope(), form.comment.data, by=current_user)
        if attempt.ok:
            flash(_("已保存点评"), "success")
    else:
        flash(_("点评不能超过%(n)d字", n=reviews.COMMENT_MAX), "danger")
    return _back(review.id, _scope())


def _file(review_id: int, render, extension: str, *, inline: bool):
    review = reviews.get_review(current_user, review_id)
    unit_id = _scope()
    page = reviews.view(review, unit_id, current_user)
    scope = f"unit-{unit_id}" if unit_id else "city"
    name = f"review-{review.period}-r{review.revision}-{scope}.{extension}"
    return send_bytes(render(page), name, inline=inline)


@bp.get("/<int:review_id>.pdf", endpoint="pdf")
@role_required(*ADMINS)
def pdf(review_id: int):
    return _file(review_id, review_exports.pdf_bytes, "pdf", inline=True)


@bp.get("/<int:review_id>.xlsx", endpoint="xlsx")
@role_required(*ADMINS)
def xlsx(review_id: int):
    return _file(review_id, review_exports.xlsx_bytes, "xlsx", inline=False)
