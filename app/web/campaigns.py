"""Themes and campaigns, and their rosters: the office sets campaigns and asks units for people;
a unit names its volunteers; both see asked, rostered, came and hours."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import ADMINS, role_required
from app.models import Post
from app.services import campaigns, projects, rosters
from app.services.bulletins import campaigns as campaign_figures
from app.services.errors import get_or_404
from app.web.campaign_forms import CampaignForm, PostDaysForm, ProjectTagForm, QuotaForm, RosterForm
from app.web.forms import BaseForm, domain_errors, fields_of, form_status, submitted

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _own_unit():
    return None if current_user.role == "platform_admin" else current_user.unit_id


def _index(form):
    page = render_template("campaigns/index.html", campaigns=campaigns.list_campaigns(), form=form)
    return page, form_status(form) if form is not None else 200


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    return _index(CampaignForm() if current_user.role == "platform_admin" else None)


@bp.post("/", endpoint="create")
@role_required("platform_admin")
def create():
    form = CampaignForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            data = {k: getattr(form, k).data for k in ("name", "kind", "starts_on", "ends_on", "description")}
            campaign = campaigns.create_campaign(campaigns.CampaignInput(**data), by=current_user)
        if attempt.ok:
            flash(_("已设立“%(n)s”", n=campaign.name), "success")
            return redirect(url_for(".show", campaign_id=campaign.id))
    return _index(form)


def _show(campaign, quota_form=None, days_form=None, project_form=None):
    unit_id = _own_unit()
    if quota_form is None and unit_id is None:
        quota_form = QuotaForm(formdata=None)
        quota_form.offer()
    days_form = days_form or PostDaysForm(formdata=None)
    days_form.offer(unit_id)
    project_form = project_form or ProjectTagForm(formdata=None)
    project_form.offer(unit_id)
    shown = [form for form in (quota_form, days_form, project_form) if form is not None]
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        totals=campaign_figures.campaign_totals(campaign),
        report=rosters.report(campaign, unit_id),
        shifts=rosters.shifts_of(campaign, unit_id),
        quota_form=quota_form,
        days_form=days_form,
        project_form=project_form,
    ), max(form_status(form) for form in shown)


def _answer(campaign, act, done, **posted):
    """One form of the campaign's page was posted (passed by its name on the page): act on it
    and go back to the page, or show the page again with that form's errors."""
    (form,) = posted.values()
    return submitted(form, act, done, url_for(".show", campaign_id=campaign.id)) or _show(campaign, **posted)


@bp.get("/<int:campaign_id>", endpoint="show")
@role_required(*ADMINS)
def show(campaign_id: int):
    return _show(campaigns.get_campaign(campaign_id))


@bp.post("/<int:campaign_id>/quota", endpoint="quota")
@role_required("platform_admin")
def quota(campaign_id: int):
    campaign = campaigns.get_campaign(campaign_id)
    form = QuotaForm()
    form.offer()
    what = ("unit_id", "area", "first_day", "last_day", "start", "end", "quota")
    return _answer(
        campaign,
        lambda: rosters.assign_quota(
            campaign,
            rosters.QuotaInput(**fields_of(form, *what), post_id=form.post_id.data or None),
            by=current_user,
        ),
        lambda shifts: _("已派驻%(n)d个班次", n=len(shifts)),
        quota_form=form,
    )


@bp.post("/<int:campaign_id>/post-days", endpoint="post_days")
@role_required(*ADMINS)
def post_days(campaign_id: int):
    """A post's days are given to the campaign: the service there counts for it."""
    campaign = campaigns.get_campaign(campaign_id)
    form = PostDaysForm()
    form.offer(_own_unit())
    return _answer(
        campaign,
        lambda: campaigns.tag_post_days(
            campaign, get_or_404(Post, form.post_id.data), form.first.data, form.last.data, by=current_user
        ),
        lambda added: _("已计入%(n)d天", n=added),
        days_form=form,
    )


@bp.post("/<int:campaign_id>/projects", endpoint="tag_project")
@role_required(*ADMINS)
def tag_project(campaign_id: int):
    campaign = campaigns.get_campaign(campaign_id)
    form = ProjectTagForm()
    form.offer(_own_unit())
    return _answer(
        campaign,
        lambda: campaigns.tag_project(projects.get_project(form.project_id.data), campaign, by=current_user),
        lambda project: _("已将项目“%(t)s”计入", t=project.title),
        project_form=form,
    )


def _shift_page(shift, form=None, status=None):
    form = form or RosterForm(formdata=None)
    return render_template(
        "campaigns/shift.html",
        shift=shift,
        assignments=rosters.assignments_of(shift),
        form=form,
        action_form=BaseForm(),
    ), status or form_status(form)


@bp.get("/shifts/<int:shift_id>", endpoint="shift")
@role_required(*ADMINS)
def shift(shift_id: int):
    shift = rosters.get_shift(shift_id)
    rosters.ensure_roster_reader(current_user, shift)
    return _shift_page(shift)


@bp.post("/shifts/<int:shift_id>/roster", endpoint="roster")
@role_required(*ADMINS)
def roster(shift_id: int):
    shift = rosters.get_shift(shift_id)
    rosters.ensure_roster_reader(current_user, shift)
    form, status = RosterForm(), None
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            assignment = rosters.roster_by_number(shift, form.volunteer_no.data, by=current_user)
        if attempt.ok:
            flash(_("已安排%(n)s", n=assignment.volunteer.name), "success")
            return redirect(url_for(".shift", shift_id=shift.id))
        status = attempt.error.status if attempt.error else None
    return _shift_page(shift, form, status)


@bp.post("/assignments/<int:assignment_id>/remove", endpoint="unroster")
@role_required(*ADMINS)
def unroster(assignment_id: int):
    assignment = rosters.get_assignment(assignment_id)
    shift_id = assignment.shift_id
    if BaseForm().validate_on_submit():
        with domain_errors() as attempt:
            rosters.unroster(assignment, by=current_user)
        if attempt.ok:
            flash(_("已取消排班"), "success")
    return redirect(url_for(".shift", shift_id=shift_id))
