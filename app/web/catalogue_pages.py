"""The pages of a catalogue the platform admin keeps (service categories, skills): one list with
an add form, a rename page, retire/bring back, remove. Not a door itself: app/web/categories.py
and app/web/skills.py each make one blueprint with catalogue_blueprint()."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import role_required
from app.services.catalogues import NAME_EN_MAX, NAME_MAX, Catalogue
from app.services.errors import get_or_404
from app.web.forms import BaseForm, domain_errors, form_status, submitted


class EntryForm(BaseForm):
    name = StringField(_l("名称"), validators=[DataRequired(), Length(max=NAME_MAX)])
    name_en = StringField(_l("英文名称（可选）"), validators=[Optional(), Length(max=NAME_EN_MAX)])
    submit = SubmitField(_l("添加"))


def catalogue_blueprint(name: str, url_prefix: str, catalogue: Catalogue) -> Blueprint:
    bp = Blueprint(name, __name__, url_prefix=url_prefix)
    texts = catalogue.texts

    def entry_form(**kwargs) -> EntryForm:
        form = EntryForm(**kwargs)
        form.name.label.text = texts.name_label
        form.submit.label.text = texts.add
        return form

    @bp.route("/", methods=["GET", "POST"], endpoint="index")
    @role_required("platform_admin")
    def index():
        form = entry_form()
        act = partial(catalogue.create, form.name.data, form.name_en.data, by=current_user)
        done = submitted(form, act, lambda entry: _("已添加“%(n)s”", n=entry.name), url_for(".index"))
        return done or index_page(form)

    def index_page(form: EntryForm):
        entries = catalogue.entries()
        page = render_template(
            "catalogues/index.html", form=form, entries=entries, texts=texts, action_form=BaseForm()
        )
        return page, form_status(form)

    @bp.route("/<int:entry_id>", methods=["GET", "POST"], endpoint="edit")
    @role_required("platform_admin")
    def edit(entry_id: int):
        entry = get_or_404(catalogue.model, entry_id)
        form = entry_form(obj=entry)
        form.submit.label.text = _("保存名称")
        act = partial(catalogue.rename, entry, form.name.data, form.name_en.data, by=current_user)
        done = submitted(form, act, _("已保存"), url_for(".index"))
        page = render_template("catalogues/edit.html", form=form, entry=entry, texts=texts)
        return done or (page, form_status(form))

    @bp.post("/<int:entry_id>/active", endpoint="set_active")
    @role_required("platform_admin")
    def set_active(entry_id: int):
        active = request.form.get("active") == "1"
        if BaseForm().validate_on_submit():
            catalogue.set_active(get_or_404(catalogue.model, entry_id), active, by=current_user)
            flash(_("已启用") if active else _("已停用：已使用它的记录保留不变"), "success")
        return redirect(url_for(".index"))

    @bp.post("/<int:entry_id>/remove", endpoint="remove")
    @role_required("platform_admin")
    def remove(entry_id: int):
        entry = get_or_404(catalogue.model, entry_id)
        if BaseForm().validate_on_submit():
            with domain_errors() as attempt:
                catalogue.remove(entry, by=current_user)
            if attempt.ok:
                flash(_("已删除"), "success")
        return redirect(url_for(".index"))

    return bp
