"""Commendations on the portal: the office makes a list of exemplary volunteers and units,
posts it (公示), answers objections and makes it final."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.models import Unit
from app.services import commendations, honour_votes, objections, volunteers
from app.services.errors import get_or_404
from app.web.forms import BaseForm, domain_errors, form_status
from app.web.honour_forms import AnswerForm, CommendationForm, NomineeForm, PostForm

bp = Blueprint("honours_admin", __name__, url_prefix="/office/honours")


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("platform_admin")
def index():
    form = CommendationForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            item = commendations.create(
                honour=form.honour.data,
                period_kind=form.period_kind.data,
                period=form.period.data,
                posting_days=form.posting_days.data,
                by=current_user,
            )
        if attempt.ok:
            return redirect(url_for(".show", item_id=item.id))
    return render_template(
        "honours/admin_index.html", form=form, lists=commendations.all_lists()
    ), form_status(form)


def _show(item, status: int = 200, **forms):
    forms.setdefault("nominee_form", NomineeForm().with_units())
    return render_template(
        "honours/admin_show.html",
        item=item,
        open=commendations.is_open(item),
        objections=objections.of(item),
        votes=honour_votes.counts(item),
        post_form=PostForm(),
        answer_form=AnswerForm(),
        action=BaseForm(),
        **forms,
    ), status


@bp.get("/<int:item_id>", endpoint="show")
@role_required("platform_admin")
def show(item_id: int):
    return _show(commendations.get(item_id))


@bp.post("/<int:item_id>/nominees", endpoint="add_nominee")
@role_required("platform_admin")
def add_nominee(item_id: int):
    item = commendations.get(item_id)
    form = NomineeForm().with_units()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            volunteer = volunteers.by_number(form.volunteer_no.data) if form.volunteer_no.data else None
            unit = get_or_404(Unit, form.unit_id.data) if form.unit_id.data else None
            commendations.add_nominee(
                item, citation=form.citation.data, volunteer=volunteer, unit=unit, by=current_user
            )
        if attempt.ok:
            return redirect(url_for(".show", item_id=item_id))
    return _show(item, 422, nominee_form=form)


@bp.post("/<int:item_id>/nominees/<int:nominee_id>/remove", endpoint="remove_nominee")
@role_required("platform_admin")
def remove_nominee(item_id: int, nominee_id: int):
    item = commendations.get(item_id)
    if BaseForm().validate_on_submit():
        with domain_errors():
            commendations.remove_nominee(item, nominee_id, by=current_user)
    return redirect(url_for(".show", item_id=item_id))


@bp.post("/<int:item_id>/post", endpoint="post")
@role_required("platform_admin")
def post(item_id: int):
    item = commendations.get(item_id)
    form = PostForm()
    if form.validate_on_submit():
        with domain_errors() as attempt:
            commendations.post(item, vote=form.vote.data, by=current_user)
        if attempt.ok:
            flash(_("名单已开始公示"), "success")
    return redirect(url_for(".show", item_id=item_id))


@bp.post("/<int:item_id>/finalize", endpoint="finalize")
@role_required("platform_admin")
def finalize(item_id: int):
    item = commendations.get(item_id)
    if BaseForm().validate_on_submit():
        with domain_errors(category="warning") as attempt:
            commendations.finalize(item, by=current_user)
        if attempt.ok:
            flash(_("名单已确定"), "success")
    return redirect(url_for(".show", item_id=item_id))


@bp.post("/<int:item_id>/objections/<int:objection_id>/answer", endpoint="answer")
@role_required("platform_admin")
def answer(item_id: int, objection_id: int):
    item = commendations.get(item_id)
    objection = objections.get(item, objection_id)
    form = AnswerForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            objections.answer(objection, text=form.answer.data, by=current_user)
        if attempt.ok:
            flash(_("已答复异议"), "success")
            return redirect(url_for(".show", item_id=item_id))
    return _show(item, 422, answer_form=form)
