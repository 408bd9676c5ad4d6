"""The public column on the portal: units draft and submit, the office publishes or returns."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import ADMINS, role_required
from app.services import audit, column, photos
from app.web.column_forms import ItemForm, ReturnForm
from app.web.forms import BaseForm, domain_errors, form_status, submitted, uploads

bp = Blueprint("column_admin", __name__, url_prefix="/office/column")


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    status = request.args.get("status")
    page = column.admin_page(current_user, status=status, page=request.args.get("page", 1, type=int))
    return render_template("column/admin_index.html", page=page, status=status)


@bp.route("/new", methods=["GET", "POST"], endpoint="new")
@role_required(*ADMINS)
def new():
    form = ItemForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            item = column.create_draft(
                form.draft(), by=current_user, uploads=uploads(form.photos.data, photos.MAX_BYTES)
            )
        if attempt.ok:
            flash(_("草稿已保存"), "success")
            return redirect(url_for(".show", item_id=item.id))
    return render_template("column/edit.html", form=form, item=None), form_status(form)


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"], endpoint="edit")
@role_required(*ADMINS)
def edit(item_id: int):
    item = column.get_for_admin(current_user, item_id)
    form = ItemForm(obj=item, volunteer_no=item.volunteer.volunteer_no if item.volunteer else None)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            column.update_draft(
                item, form.draft(), by=current_user, uploads=uploads(form.photos.data, photos.MAX_BYTES)
            )
        if attempt.ok:
            flash(_("草稿已保存"), "success")
            return redirect(url_for(".show", item_id=item.id))
    return render_template("column/edit.html", form=form, item=item), form_status(form)


def _show(item, status: int = 200, return_form: ReturnForm | None = None):
    return render_template(
        "column/admin_show.html",
        item=item,
        photos=photos.photos_of(column.SUBJECT, item.id),
        trail=audit.trail(item),
        action=BaseForm(),
        return_form=return_form or ReturnForm(),
    ), status


@bp.get("/<int:item_id>", endpoint="show")
@role_required(*ADMINS)
def show(item_id: int):
    return _show(column.get_for_admin(current_user, item_id))


def _step(item_id: int, step, done: str):
    item = column.get_for_admin(current_user, item_id)
    if BaseForm().validate_on_submit():
        with domain_errors(category="warning") as attempt:
            step(item, by=current_user)
        if attempt.ok:
            flash(done, "success")
    return redirect(url_for(".show", item_id=item_id))


@bp.post("/<int:item_id>/submit", endpoint="submit")
@role_required(*ADMINS)
def submit(item_id: int):
    return _step(item_id, column.submit, _("已提交文明办审核"))


@bp.post("/<int:item_id>/approve", endpoint="approve")
@role_required(*ADMINS)
def approve(item_id: int):
    return _step(item_id, column.approve, _("已发布到志愿风采"))


@bp.post("/<int:item_id>/return", endpoint="return_item")
@role_required("platform_admin")
def return_item(item_id: int):
    item = column.get_for_admin(current_user, item_id)
    form = ReturnForm()
    act = partial(column.return_item, item, reason=form.reason.data, by=current_user)
    return submitted(form, act, _("已退回"), url_for(".show", item_id=item_id)) or _show(item, 422, form)
