"""Commendations in public (公示): the posted and final lists of exemplary volunteers and units,
objections (with a contact) and residents' votes (by a texted code), all rate-limited; and
the named volunteer's consent to show the full name, on the phone."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.models import Nominee
from app.rate_limits import objection_limited, vote_code_limited, vote_limited
from app.services import commendations, honour_votes, objections, volunteers
from app.services.bulletins.honours import honours_in
from app.services.errors import get_or_404
from app.services.months import Month
from app.web.forms import (
    BaseForm,
    answered_consent,
    domain_errors,
    fields_of,
    form_status,
    signed_in_volunteer,
    submitted,
)
from app.web.honour_forms import ObjectionForm, VoteCodeForm, VoteForm

bp = Blueprint("honours", __name__)


@bp.get("/honours/", endpoint="index")
def index():
    return render_template("honours/index.html", lists=commendations.public_lists())


def _page(item, status: int = 200, **forms):
    forms.setdefault("objection_form", ObjectionForm().with_nominees(item))
    forms.setdefault("code_form", VoteCodeForm())
    forms.setdefault("vote_form", VoteForm().with_nominees(item))
    return render_template(
        "honours/show.html",
        item=item,
        open=commendations.is_open(item),
        votes=honour_votes.counts(item) if item.vote_open or item.status == "final" else {},
        **forms,
    ), status


@bp.get("/honours/<int:item_id>", endpoint="show")
def show(item_id: int):
    return _page(commendations.get(item_id, public=True))


@bp.post("/honours/<int:item_id>/objections", endpoint="object")
@objection_limited
def object_to(item_id: int):
    item = commendations.get(item_id, public=True)
    form = ObjectionForm().with_nominees(item)
    act = partial(
        objections.send,
        item,
        **fields_of(form, "text", "contact_name", "contact"),
        nominee_id=form.nominee_id.data or None,
    )
    done = submitted(form, act, _("异议已提交，文明办会与您联系"), url_for(".show", item_id=item_id))
    return done or _page(item, 422, objection_form=form)


@bp.post("/honours/<int:item_id>/vote-code", endpoint="vote_code")
@vote_code_limited
def vote_code(item_id: int):
    item = commendations.get(item_id, public=True)
    form = VoteCodeForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            honour_votes.send_code(item, form.phone.data)
        if attempt.ok:
            flash(_("验证码已发送到您的手机"), "success")
            return _page(item, vote_form=VoteForm(phone=form.phone.data).with_nominees(item))
    return _page(item, 422, code_form=form)


@bp.post("/honours/<int:item_id>/vote", endpoint="vote")
@vote_limited
def vote(item_id: int):
    item = commendations.get(item_id, public=True)
    form = VoteForm().with_nominees(item)
    act = partial(honour_votes.cast, item, **fields_of(form, "phone", "code", "nominee_id"))
    done = submitted(form, act, _("投票成功，感谢参与"), url_for(".show", item_id=item_id))
    return done or _page(item, 422 if form.errors else form_status(form), vote_form=form)


@bp.get("/me/honours", endpoint="mine")
@role_required("volunteer")
def mine():
    me = volunteers.volunteer_of(current_user)
    return render_template("honours/mine.html", nominees=commendations.honours_of(me), form=BaseForm())


@bp.post("/me/honours/<int:nominee_id>/consent", endpoint="consent")
@role_required("volunteer")
def consent(nominee_id: int):
    me = volunteers.volunteer_of(current_user)
    answered_consent(
        lambda agree: commendations.answer_consent(get_or_404(Nominee, nominee_id), me, agree=agree),
        _("已同意公开您的姓名"),
        _("公示中将只显示您的姓氏"),
    )
    return redirect(url_for(".mine"))


@bp.app_context_processor
def _honour_helpers():
    def my_honours() -> list:
        me = signed_in_volunteer()
        return commendations.honours_of(me) if me is not None else []

    def bulletin_honours(bulletin) -> list:
        return honours_in(Month.parse(bulletin.month), bulletin.unit_id)

    return {
        "bulletin_honours": bulletin_honours,
        "honour_title": commendations.title,
        "honour_status": commendations.status_label,
        "my_honours": my_honours,
    }
