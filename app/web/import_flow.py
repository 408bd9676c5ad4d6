"""The pages of a spreadsheet import through a column mapping (service records, the volunteer
roster): upload, map the columns, preview with row errors, import all or nothing, download the
error report. Not a door: add_routes() puts the three pages on the import's own blueprint, each
with its own ImportPages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.services import column_mapping, import_flow, uploads
from app.services.errors import ValidationFailed
from app.web.forms import apply_errors, send_bytes
from app.web.import_forms import MapForm, UploadForm, mapping_from_form


@dataclass(frozen=True)
class ImportPages:
    # the column mapping's kind, "records" or "roster": it names the fields a column may be mapped to
    kind: str
    review: Callable[..., import_flow.Review]  # the import's service review()
    title: Callable[[], str]
    upload_template: str
    done: Callable[[import_flow.Outcome], str]  # the flash after an import went through
    done_url: Callable[[], str]
    report_name: str


def _page(pages: ImportPages, review: import_flow.Review, form: MapForm):
    if review.outcome is not None and review.outcome.problems:
        uploads.keep_report(form.token.data, import_flow.error_report(review.outcome.problems))
    return render_template(
        "records/import_map.html",
        review=review,
        form=form,
        fields=column_mapping.FIELDS[pages.kind],
        preview=import_flow.preview_rows(review.sheet),
        title=pages.title(),
        map_url=url_for(".map"),
        errors_url=url_for(".errors"),
        upload_url=url_for(".upload"),
    ), 200 if review.ok else 422


def upload(pages: ImportPages):
    form = UploadForm()
    if form.validate_on_submit():
        data, name = form.file.data.read(), form.file.data.filename or ""
        try:
            token = uploads.keep(data, name, current_user)
            review = pages.review(data, name, current_user.unit_id, by=current_user)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return _page(pages, review, MapForm(token=token))
    return render_template(pages.upload_template, form=form), 422 if form.file.errors else 200


def map_columns(pages: ImportPages):
    form = MapForm()
    if not form.validate_on_submit():
        flash(_("请重新上传文件"), "warning")
        return redirect(url_for(".upload"))
    data, name = uploads.load(form.token.data, current_user)
    mapping = mapping_from_form(pages.kind)
    review = pages.review(
        data, name, current_user.unit_id, by=current_user, mapping=mapping, commit=bool(form.submit.data)
    )
    if form.submit.data and review.ok:
        assert review.outcome is not None, "an import that went through has an outcome"
        flash(pages.done(review.outcome), "success")
        return redirect(pages.done_url())
    return _page(pages, review, form)


def error_report(pages: ImportPages):
    form = MapForm()
    if not form.validate_on_submit():
        return redirect(url_for(".upload"))
    return send_bytes(uploads.load_report(form.token.data, current_user), pages.report_name, inline=False)


def add_routes(bp: Blueprint, pages: ImportPages) -> None:
    """The import's pages on its blueprint, for unit admins: the upload ("", GET and POST), the
    mapping and preview or import ("/map"), the error report ("/errors.xlsx")."""

    @role_required("unit_admin")
    def upload_page():
        return upload(pages)

    @role_required("unit_admin")
    def map_page():
        return map_columns(pages)

    @role_required("unit_admin")
    def errors_page():
        return error_report(pages)

    bp.add_url_rule("", "upload", upload_page, methods=["GET", "POST"])
    bp.add_url_rule("/map", "map", map_page, methods=["POST"])
    bp.add_url_rule("/errors.xlsx", "errors", errors_page, methods=["POST"])
