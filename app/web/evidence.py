"""Evidence for the ledger (台账): the unit admin keeps photos and the number of people served
on an activity's page and on a post's day (a day picker on the post's evidence page)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import MultipleFileField
from wtforms import DateField, IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth_state import ADMINS, role_required
from app.models import Activity, Post
from app.services import evidence, photos
from app.services.clock import local_today
from app.services.errors import get_or_404
from app.web.forms import BaseForm, domain_errors, fields_of, form_status, uploads

bp = Blueprint("evidence", __name__)
PHOTOS_LABEL = _l("照片（JPEG、PNG或WebP，每张不超过6MB，每项最多9张；位置等信息会被去除）")


class ActivityEvidenceForm(BaseForm):
    beneficiaries = IntegerField(
        _l("服务人次"), validators=[Optional(), NumberRange(0, evidence.MAX_BENEFICIARIES)]
    )
    photos = MultipleFileField(PHOTOS_LABEL)
    submit = SubmitField(_l("保存台账资料"))


class PostDayForm(BaseForm):
    day = DateField(_l("日期"), validators=[DataRequired()])
    beneficiaries = IntegerField(
        _l("服务人次"), validators=[Optional(), NumberRange(0, evidence.MAX_BENEFICIARIES)]
    )
    note = StringField(_l("备注"), validators=[Optional(), Length(max=evidence.NOTE_MAX)])
    photos = MultipleFileField(PHOTOS_LABEL)
    submit = SubmitField(_l("保存台账资料"))


@bp.route("/activities/<int:activity_id>/evidence", methods=["GET", "POST"], endpoint="activity")
@role_required(*ADMINS)
def activity(activity_id: int):
    found = get_or_404(Activity, activity_id)
    evidence.ensure_can_keep(current_user, found.unit_id)
    form = ActivityEvidenceForm(data={"beneficiaries": found.beneficiaries})
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            files = uploads(form.photos.data, photos.MAX_BYTES)
            evidence.keep_activity_evidence(
                found, beneficiaries=form.beneficiaries.data, uploads=files, by=current_user
            )
        if attempt.ok:
            flash(_("已保存活动台账资料"), "success")
            return redirect(url_for(".activity", activity_id=found.id))
    return render_template(
        "evidence/activity.html", activity=found, form=form, photos=evidence.activity_photos(found)
    ), form_status(form)


def _picked_day() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return local_today()


def _kept(row) -> dict:
    return {"beneficiaries": row and row.beneficiaries, "note": row and row.note}


def _day_page(post: Post, day: date, row, form: PostDayForm):
    return render_template(
        "evidence/post_day.html",
        post=post,
        day=day,
        form=form,
        photos=evidence.post_day_photos(row),
        days=evidence.recent_days(post),
    ), form_status(form)


@bp.route("/admin/posts/<int:post_id>/days", methods=["GET", "POST"], endpoint="post_day")
@role_required(*ADMINS)
def post_day(post_id: int):
    post = get_or_404(Post, post_id)
    evidence.ensure_can_keep(current_user, post.unit_id)
    day = _picked_day()
    row = evidence.post_day(post, day)
    form = PostDayForm(data={"day": day, **_kept(row)})
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            files = uploads(form.photos.data, photos.MAX_BYTES)
            keep = fields_of(form, "beneficiaries", "note")
            evidence.keep_post_day(post, form.day.data, **keep, uploads=files, by=current_user)
        if attempt.ok:
            flash(_("已保存 %(d)s 的台账资料", d=form.day.data.isoformat()), "success")
            return redirect(url_for(".post_day", post_id=post.id, day=form.day.data.isoformat()))
    return _day_page(post, day, row, form)
