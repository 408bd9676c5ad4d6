"""Residents' needs, the admins' desk: the list (and what waits too long), a need taken down
from a phone call, dispatch (accept, assign, merge, decline), publication as a task,
confirming volunteers, entering their service, and reporting the need served."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from app.auth_state import ADMINS, role_required
from app.services import audit, need_signups, need_workflow, needs, units
from app.web.forms import BaseForm, domain_errors, fields_of, form_status, local_times, pressed, submitted
from app.web.need_forms import DispatchForm, NeedForm, PublishForm, ServiceEntryForm

bp = Blueprint("needs_admin", __name__, url_prefix="/admin/needs")


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    status = request.args.get("status") or None
    page = needs.list_needs(
        current_user,
        status=status if status in needs.STATUSES else None,
        page=request.args.get("page", 1, type=int) or 1,
    )
    scope = None if current_user.role == "platform_admin" else current_user.unit_id
    return render_template(
        "needs/admin_index.html",
        page=page,
        status=status,
        waiting_needs=needs.waiting_needs(scope),
        statuses=needs.STATUSES,
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@role_required(*ADMINS)
def new():
    form = NeedForm().with_categories()
    form.agree.label.text = _("群众已在电话中同意保存其称呼和电话")
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            need, code = needs.submit_need(form.need_input(), by=current_user)
        if attempt.ok:
            return render_template(
                "needs/submitted.html", need=need, code=code, link=needs.tracking_url(code), by_phone=True
            )
    return render_template("needs/admin_new.html", form=form), form_status(form)


def _detail(need, *, contact=None, status: int = 200, **forms):
    dispatch = forms.get("dispatch") or DispatchForm()
    dispatch.unit_id.choices = [SelectChoice(0, _("（不指定）"))] + [
        SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)
    ]
    entry = forms.get("entry") or ServiceEntryForm()
    signups = need_signups.signups(need)
    entry.volunteer_id.choices = [
        SelectChoice(s.volunteer_id, f"{s.volunteer.name} {s.volunteer.volunteer_no}")
        for s in signups
        if s.status == "confirmed"
    ]
    return render_template(
        "needs/admin_detail.html",
        need=need,
        contact=contact,
        signups=signups,
        trail=audit.trail(need),
        dispatch=dispatch,
        publish=forms.get("publish") or PublishForm(),
        entry=entry,
        action_form=BaseForm(),
    ), status


@bp.get("/<int:need_id>", endpoint="detail")
@role_required(*ADMINS)
def detail(need_id: int):
    return _detail(needs.need_for_admin(current_user, need_id))


@bp.post("/<int:need_id>/contact", endpoint="contact")
@role_required(*ADMINS)
def contact(need_id: int):
    need = needs.need_for_admin(current_user, need_id)
    if not BaseForm().validate_on_submit():
        return redirect(url_for(".detail", need_id=need.id))
    with domain_errors() as attempt:
        shown = needs.resident_contact(need, current_user)
    return _detail(need, contact=shown if attempt.ok else None)


@bp.post("/<int:need_id>/dispatch", endpoint="dispatch")
@role_required(*ADMINS)
def dispatch(need_id: int):
    need = needs.need_for_admin(current_user, need_id)
    form = DispatchForm.with_units()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            unit_id = form.unit_id.data or None
            what = fields_of(form, "into_id", "reason")
            need_workflow.dispatch(need, form.action.data, by=current_user, unit_id=unit_id, **what)
        if attempt.ok:
            flash(_("已处理：%(s)s", s=needs.status_label(need.status)), "success")
            still_ours = needs.can_manage(current_user, need)
            return redirect(url_for(".detail", need_id=need.id) if still_ours else url_for(".index"))
    return _detail(need, dispatch=form, status=422)


@bp.post("/<int:need_id>/publish", endpoint="publish")
@role_required(*ADMINS)
def publish(need_id: int):
    need = needs.need_for_admin(current_user, need_id)
    form = PublishForm()
    act = partial(need_workflow.publish, need, form.capacity.data, by=current_user)
    done = submitted(form, act, _("已发布为志愿任务，志愿者可以报名了"), url_for(".detail", need_id=need.id))
    return done or _detail(need, publish=form, status=422)


@bp.post("/<int:need_id>/signups/<int:signup_id>/confirm", endpoint="confirm")
@role_required(*ADMINS)
def confirm(need_id: int, signup_id: int):
    need = needs.need_for_admin(current_user, need_id)
    act = partial(need_signups.confirm, need, signup_id, by=current_user)
    pressed(act, lambda signup: _("已确认志愿者%(n)s", n=signup.volunteer.name))
    return redirect(url_for(".detail", need_id=need.id))


@bp.post("/<int:need_id>/records", endpoint="record")
@role_required(*ADMINS)
def record(need_id: int):
    need = needs.need_for_admin(current_user, need_id)
    form = ServiceEntryForm.for_need(need)
    done = submitted(
        form,
        lambda: need_signups.record_service(
            need, form.volunteer_id.data, **local_times(form), by=current_user
        ),
        lambda entered: _("已录入%(h)s小时", h=entered.hours),
        url_for(".detail", need_id=need.id),
    )
    return done or _detail(need, entry=form, status=422)


@bp.post("/<int:need_id>/served", endpoint="served")
@role_required(*ADMINS)
def served(need_id: int):
    need = needs.need_for_admin(current_user, need_id)
    pressed(partial(need_workflow.mark_served, need, by=current_user), _("已标记为已服务，等待群众评价"))
    return redirect(url_for(".detail", need_id=need.id))
