"""Helpers shared by the portal's forms."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, overload
from urllib.parse import urlsplit

from flask import flash, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeField, DateTimeLocalField, DecimalField, FloatField, IntegerField
from wtforms.validators import StopValidation

from app.extensions import db
from app.services.errors import DomainError
from app.services.inputs import (
    INT_MAX,
    SANE_MAX_YEAR,
    SANE_MIN_YEAR,
    Upload,
    db_int,
    has_bad_chars,
    sane_year,
)

if TYPE_CHECKING:
    from app.models import Volunteer

__all__ = [
    "Attempt",
    "BaseForm",
    "apply_errors",
    "category_choices",
    "coded_choices",
    "db_int",
    "domain_errors",
    "fields_of",
    "form_input",
    "form_status",
    "local_times",
    "posted_ids",
    "pressed",
    "safe_back",
    "safe_next",
    "send_bytes",
    "signed_in_volunteer",
    "skill_choices",
    "submitted",
]


def _refuse_bad_chars(value):
    """A filter on every field: NUL and lone surrogates never reach the database."""
    if isinstance(value, str) and has_bad_chars(value):
        raise ValueError(str(_l("不能包含空字符或无效的Unicode字符")))
    return value


def _finite_number(form, field):
    """'NaN' or 'Infinity' in a number field: an error, before a range check trips on it."""
    data = field.data
    if data is not None and not (data.is_finite() if isinstance(data, Decimal) else math.isfinite(data)):
        raise StopValidation(str(_l("请输入有效的数字")))


def _db_integer(form, field):
    """Whatever else a form allows, an integer must fit the database's INTEGER column."""
    if field.data is not None and not -INT_MAX - 1 <= field.data <= INT_MAX:
        raise StopValidation(str(_l("数字超出范围")))


def _sane_date(form, field):
    # a TimeField is a DateTimeField too, but a time of day has no year to check
    if isinstance(field.data, date) and not sane_year(field.data):
        raise StopValidation(str(_l("日期超出合理范围（%(a)d–%(b)d年）", a=SANE_MIN_YEAR, b=SANE_MAX_YEAR)))


class BaseForm(FlaskForm):
    """Every form of the portal: each text field refuses NUL and lone surrogates, each date
    field a year outside a sane range, each integer one beyond the database's INTEGER, each
    number field NaN and infinity, with a message beside the field."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            options["filters"] = [_refuse_bad_chars, *(unbound_field.kwargs.get("filters") or ())]
            field_class = unbound_field.field_class
            if issubclass(field_class, DateField | DateTimeField | DateTimeLocalField):
                options["validators"] = [*(unbound_field.kwargs.get("validators") or ()), _sane_date]
            elif issubclass(field_class, IntegerField):
                options["validators"] = [_db_integer, *(unbound_field.kwargs.get("validators") or ())]
            elif issubclass(field_class, DecimalField | FloatField):
                options["validators"] = [_finite_number, *(unbound_field.kwargs.get("validators") or ())]
            return super().bind_field(form, unbound_field, options)


def apply_errors(form: FlaskForm, exc: DomainError) -> None:
    """Show a service's per-field messages beside the fields; the rest as a flash."""
    shown, unplaced = False, []
    for name, messages in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.extend(messages)
            shown = True
        else:
            unplaced.extend(messages)
    if unplaced and shown:
        flash(" ".join(unplaced), "danger")
    elif not shown:  # no field to put them beside: the specific messages, else the summary
        flash(" ".join(unplaced) or exc.message, "danger")


class Attempt:
    """What `domain_errors` saw: `ok` unless a service refused."""

    def __init__(self) -> None:
        self.error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def domain_errors(form: FlaskForm | None = None, *, category: str = "danger") -> Iterator[Attempt]:
    """Run a service call; when it refuses (DomainError), undo whatever it wrote and show its
    messages beside the form's fields (or as a flash when there is no form)::

        with domain_errors(form) as attempt:
            record = ledger.enter_manual_record(...)
        if attempt.ok:
            return redirect(...)
    """
    attempt = Attempt()
    try:
        yield attempt
    except DomainError as exc:
        db.session.rollback()
        attempt.error = exc
        if form is None:  # no fields to show them beside: the specific messages, else the summary
            flash(
                " ".join(message for messages in exc.fields.values() for message in messages) or exc.message,
                category,
            )
        else:
            apply_errors(form, exc)


def submitted(form: FlaskForm, act, done, then):
    """The form-with-domain-errors pattern in one call: when the form validates, act() runs;
    when the service takes it, `done` is flashed and the answer is a redirect to `then` (each a
    value, or a function of act's result). Otherwise None: the caller shows the page again,
    the service's messages beside the fields::

        act = partial(reports.reply, report, text=form.reply.data, by=current_user)
        return submitted(form, act, _("已答复"), url_for(".show", report_id=report.id)) or page()
    """
    from flask import redirect

    if not form.validate_on_submit():
        return None
    with domain_errors(form) as attempt:
        result = act()
    if not attempt.ok:
        return None
    flash(str(done(result) if callable(done) else done), "success")
    return redirect(then(result) if callable(then) else then)


def pressed(act, done) -> bool:
    """A button with no fields but its CSRF token: act() when the post is valid; when the
    service takes it, `done` (a message, or a function of act's result) is flashed, otherwise
    the service's messages. True when it was done."""
    if not BaseForm().validate_on_submit():
        return False
    with domain_errors() as attempt:
        result = act()
    if attempt.ok:
        flash(str(done(result) if callable(done) else done), "success")
    return attempt.ok


def answered_consent(answer, agreed: str, declined: str) -> None:
    """A volunteer's answer on a consent page, whose buttons post answer=agree or decline:
    answer(agree) when the post is valid, then the matching message. A refusal from the
    service (say, someone else's item) goes to its error page like any other."""
    if BaseForm().validate_on_submit():
        agree = request.form.get("answer") == "agree"
        answer(agree)
        flash(agreed if agree else declined, "success")


def signed_in_volunteer() -> Volunteer | None:
    """The volunteer signed in on this request, or None (anonymous, an admin, a merchant): for
    the menu's badges and links, which every page renders."""
    if getattr(current_user, "role", None) != "volunteer":
        return None
    return current_user.volunteer


def category_choices(field, current: int | None = None) -> None:
    """Offer the service-category catalogue in a SelectField(coerce=int): 0 is 未分类; a
    retired category only when the thing already carries it. A form posted without the
    field keeps the current category."""
    from wtforms.fields.choices import SelectChoice

    from app.services import categories

    field.choices = [SelectChoice(0, _l("（未分类）"))] + [
        SelectChoice(cid, label) for cid, label in categories.choices(current)
    ]
    if field.data is None:
        field.data = current or 0


def coded_choices(none_label, labels) -> list:
    """A code list's choices (code: label), led by the choice of none, whose value is ""."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice("", none_label)] + [SelectChoice(code, label) for code, label in labels.items()]


def skill_choices(field, current: int | None = None) -> None:
    """Offer the skill catalogue in a SelectField(coerce=int): 0 is none."""
    from wtforms.fields.choices import SelectChoice

    from app.services import skills

    field.choices = [SelectChoice(0, _l("（不限）"))] + [
        SelectChoice(sid, label) for sid, label in skills.choices(current)
    ]
    if field.data is None:
        field.data = current or 0


def station_choices(field, unit_id: int | None, current: int | None = None) -> None:
    """Offer the practice stations a unit is paired with (all for the platform admin's None)
    in a SelectField(coerce=int): 0 is none; the current station stays offered."""
    from wtforms.fields.choices import SelectChoice

    from app.services import places

    offered = places.station_choices(unit_id)
    if current and current not in {i for i, _n in offered}:
        offered.append((current, places.get_place(current).name))
    field.choices = [SelectChoice(0, _l("（不在实践站）"))] + [SelectChoice(i, n) for i, n in offered]
    if field.data is None:
        field.data = current or 0


def project_choices(field, unit_id: int | None, current: int | None = None) -> None:
    """Offer the current service projects of a unit and its teams (all for the platform admin's
    None) in a SelectField(coerce=int): 0 is none; the current project stays offered."""
    from wtforms.fields.choices import SelectChoice

    from app.services import projects

    offered = projects.project_choices(unit_id)
    if current and current not in {i for i, _n in offered}:
        offered.append((current, projects.get_project(current).title))
    field.choices = [SelectChoice(0, _l("（不属于项目）"))] + [SelectChoice(i, n) for i, n in offered]
    if field.data is None:
        field.data = current or 0


def new_password_fields(label, confirm_label):
    """The new password and its confirmation, as every form that sets a password asks them:
    `password, confirm = new_password_fields(_l("新密码（至少8位）"), _l("确认新密码"))`."""
    from wtforms import PasswordField
    from wtforms.validators import DataRequired, EqualTo, Length

    new = {"autocomplete": "new-password"}
    password = PasswordField(label, validators=[DataRequired(), Length(min=8, max=128)], render_kw=new)
    confirm = PasswordField(
        confirm_label,
        validators=[DataRequired(), EqualTo("password", _l("两次输入的密码不一致"))],
        render_kw=new,
    )
    return password, confirm


def uploads(files, limit: int) -> list[Upload]:
    """The files of a MultipleFileField as services take them: each read up to limit + 1 bytes
    (one more than allowed, so the service can say it is too big); empty inputs are skipped."""
    return [Upload(f.filename or "", f.read(limit + 1)) for f in files or [] if getattr(f, "filename", None)]


def fields_of(form: FlaskForm, *names: str) -> dict:
    """The data of the named fields, as keyword arguments for a service."""
    return {name: getattr(form, name).data for name in names}


def form_input(form: FlaskForm, cls, **extra):
    """A service's input dataclass filled from the form's fields of the same names; `extra`
    gives the rest (or overrides a field's data)."""
    import dataclasses

    names = [f.name for f in dataclasses.fields(cls) if f.name not in extra and hasattr(form, f.name)]
    return cls(**fields_of(form, *names), **extra)


def posted_ids(name: str, limit: int | None = 500) -> list[int]:
    """The ids of the ticked boxes called `name` (at most `limit`, None: all); a value that is
    no database integer is skipped."""
    from flask import request

    ids = []
    for value in request.form.getlist(name)[:limit]:
        try:
            ids.append(db_int(value))
        except ValueError:
            continue
    return ids


def local_times(form: FlaskForm) -> dict:
    """The form's started_at and ended_at (local wall-clock times) as the ledger takes them."""
    from app.services.clock import parse_local

    return {"started_at": parse_local(form.started_at.data), "ended_at": parse_local(form.ended_at.data)}


def form_status(form: FlaskForm) -> int:
    """422 for a form shown again with errors, 200 for a fresh one."""
    return 422 if any(field.errors for field in form) else 200


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@overload
def safe_back(default: str) -> str: ...
@overload
def safe_back(default: None = None) -> str | None: ...
def safe_back(default: str | None = None) -> str | None:
    """The page the request came from, when it is this site's (a form posted from a list goes
    back to that list, filters kept); otherwise default."""
    from flask import request

    referrer = request.referrer
    return referrer if referrer and referrer.startswith(request.host_url) else default


def send_bytes(data: bytes, filename: str, *, inline: bool = True):
    """Stream bytes a pure helper made (PDF, PNG, XLSX), typed by the file name's extension."""
    import io
    import mimetypes

    from flask import send_file

    mimetype = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}.get(
        filename[filename.rfind(".") :], mimetypes.guess_type(filename)[0] or "application/octet-stream"
    )
    return send_file(io.BytesIO(data), mimetype=mimetype, download_name=filename, as_attachment=not inline)
