"""The platform admin keeps the service-category catalogue: add, rename, retire, remove."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import role_required
from app.models import ServiceCategory
from app.services import categories
from app.services.errors import get_or_404
from app.web.forms import BaseForm, domain_errors, form_status

bp = Blueprint("categories", __name__, url_prefix="/admin/categories")


class CategoryForm(BaseForm):
    name = StringField(_l("类别名称"), validators=[DataRequired(), Length(max=categories.NAME_MAX)])
    name_en = StringField(_l("英文名称（可选）"), validators=[Optional(), Length(max=categories.NAME_EN_MAX)])
    submit = SubmitField(_l("添加类别"))


def _page(form: CategoryForm, editing: int | None = None):
    items = categories.list_categories()
    return render_template(
        "categories/index.html", form=form, categories=items, editing=editing, action_form=BaseForm()
    ), form_status(form)


@bp.route("/", methods=["GET", "POST"], endpoint="index")
@role_required("platform_admin")
def index():
    form = CategoryForm()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            category = categories.create_category(form.name.data, form.name_en.data, by=current_user)
        if attempt.ok:
            flash(_("已添加服务类别“%(n)s”", n=category.name), "success")
            return redirect(url_for(".index"))
    return _page(form)


@bp.route("/<int:category_id>", methods=["GET", "POST"], endpoint="edit")
@role_required("platform_admin")
def edit(category_id: int):
    category = get_or_404(ServiceCategory, category_id)
    form = CategoryForm(obj=category)
    form.submit.label.text = _("保存名称")
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            categories.rename_category(category, form.name.data, form.name_en.data, by=current_user)
        if attempt.ok:
            flash(_("已保存"), "success")
            return redirect(url_for(".index"))
    return render_template("categories/edit.html", form=form, category=category), form_status(form)


@bp.post("/<int:category_id>/active", endpoint="set_active")
@role_required("platform_admin")
def set_active(category_id: int):
    active = request.form.get("active") == "1"
    if BaseForm().validate_on_submit():
        categories.set_active(get_or_404(ServiceCategory, category_id), active, by=current_user)
        flash(_("已启用该类别") if active else _("已停用该类别：已使用它的服务岗和活动保留不变"), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:category_id>/remove", endpoint="remove")
@role_required("platform_admin")
def remove(category_id: int):
    category = get_or_404(ServiceCategory, category_id)
    if BaseForm().validate_on_submit():
        with domain_errors() as attempt:
            categories.remove_category(category, by=current_user)
        if attempt.ok:
            flash(_("已删除该类别"), "success")
    return redirect(url_for(".index"))
