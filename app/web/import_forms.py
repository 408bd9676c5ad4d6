"""Forms shared by the spreadsheet imports (records and roster): upload, then map the columns."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SubmitField
from wtforms.validators import DataRequired

from app.services import column_mapping
from app.web.forms import BaseForm


class UploadForm(BaseForm):
    file = FileField(_l("表格文件（.xlsx 或 .csv）"), validators=[FileRequired()])
    submit = SubmitField(_l("上传并核对列"))


class MapForm(BaseForm):
    token = HiddenField(validators=[DataRequired()])
    preview = SubmitField(_l("按此对应重新预览"))
    submit = SubmitField(_l("确认导入"))


def mapping_from_form(kind: str) -> list[str | None]:
    """The field chosen for each column (the selects named col, in column order)."""
    valid = column_mapping.fields_of(kind)
    return [c if c in valid else None for c in request.form.getlist("col")[:500]]
