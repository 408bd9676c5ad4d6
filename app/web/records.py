"""Unit admins review the ledger: filters, bulk approval, rejection with a reason, manual
entry (补录), spreadsheet import, and each record's audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.auth_state import ADMINS, role_required
from app.models import ServiceRecord
from app.services import audit, ledger, posts, records_import, units, volunteers
from app.services.clock import local, parse_local, start_of_day
from app.services.errors import ValidationFailed, get_or_404
from app.services.inputs import SANE_MAX_YEAR, SANE_MIN_YEAR, sane_year
from app.web.forms import BaseForm, db_int, domain_errors, local_times, posted_ids, safe_back, send_bytes

bp = Blueprint("records", __name__, url_prefix="/admin/records")
STATUSES = ("pending", "approved", "rejected", "open")


class ManualRecordForm(BaseForm):
    volunteer_no = StringField(_l("志愿者编号"), validators=[DataRequired(), Length(max=20)])
    name = StringField(
        _l("姓名（其他单位的志愿者须填写，与编号一致）"), validators=[Optional(), Length(max=50)]
    )
    started_at = DateTimeLocalField(_l("开始时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ended_at = DateTimeLocalField(_l("结束时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    post_id = SelectField(_l("服务岗（可选）"), coerce=int, validators=[Optional()])
    note = TextAreaField(_l("说明（补录原因）"), validators=[DataRequired(), Length(max=500)])
    before_registration = BooleanField(_l("补录注册前的服务"))
    submit = SubmitField(_l("补录并通过"))

    def values(self) -> dict:
        """The form as ledger.enter_manual_record's arguments."""
        return {
            "volunteer_no": self.volunteer_no.data,
            "name": self.name.data,
            "started_at": parse_local(self.started_at.data),
            "ended_at": parse_local(self.ended_at.data),
            "post_id": self.post_id.data or None,
            "note": self.note.data,
            "before_registration": self.before_registration.data,
        }


class RejectForm(BaseForm):
    reason = StringField(_l("不通过的原因"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("驳回"))


class CorrectForm(BaseForm):
    started_at = DateTimeLocalField(
        _l("更正后的开始时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    ended_at = DateTimeLocalField(
        _l("更正后的结束时间"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()]
    )
    reason = StringField(_l("更正原因"), validators=[DataRequired(), Length(max=480)])
    submit = SubmitField(_l("更正"))


def _unit_id() -> int | None:
    if current_user.role == "platform_admin":
        return request.args.get("unit_id", type=db_int)
    return current_user.unit_id


def _record(record_id: int):
    record = get_or_404(ServiceRecord, record_id)
    units.ensure_can_manage_unit(current_user, record.unit_id)
    return record


def _date_arg(name: str):
    value = request.args.get(name) or ""
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        return None
    if day is not None and not sane_year(day):
        raise ValidationFailed(
            fields={name: [_("日期超出合理范围（%(a)d–%(b)d年）", a=SANE_MIN_YEAR, b=SANE_MAX_YEAR)]}
        )
    return start_of_day(day) if day else None


def _status_arg() -> str | None:
    """The status filter: pending unless the request names one ("" or unknown: all)."""
    if "status" not in request.args:
        return "pending"
    return request.args["status"] if request.args["status"] in STATUSES else None


def _search_filters() -> dict:
    date_to = _date_arg("to")
    return {
        "volunteer_id": ledger.volunteer_filter(current_user, request.args.get("volunteer_id", type=db_int)),
        "post_id": request.args.get("post_id", type=db_int),
        "date_from": _date_arg("from"),
        "date_to": date_to + timedelta(days=1) if date_to else None,
        "flagged": request.args.get("flagged") == "1",
        "page": request.args.get("page", 1, type=db_int),
    }


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    status = _status_arg()
    result = ledger.search_records(unit_id=_unit_id(), status=status, **_search_filters())
    return render_template(
        "records/index.html",
        result=result,
        status=status,
        posts=posts.list_posts(_unit_id()),
        reject_form=RejectForm(),
    )


@bp.post("/approve")
@role_required(*ADMINS)
def approve_selected():
    ids = posted_ids("record_id")
    if not ids:
        flash(_("请先勾选要通过的记录"), "warning")
    else:
        unit_id = None if current_user.role == "platform_admin" else current_user.unit_id
        count = ledger.approve_many(ids, unit_id=unit_id, by=current_user)
        flash(_("已审核通过%(n)d条记录", n=count), "success")
    return redirect(safe_back(url_for(".index")))


@bp.post("/<int:record_id>/reject")
@role_required(*ADMINS)
def reject(record_id: int):
    record = _record(record_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash(_("请填写不通过的原因"), "danger")
    else:
        with domain_errors() as attempt:
            ledger.reject(record, by=current_user, reason=form.reason.data)
        if attempt.ok:
            flash(_("已驳回记录 #%(id)d", id=record.id), "success")
    return redirect(safe_back(url_for(".index")))


def _show_page(record: ServiceRecord, correct_form: CorrectForm, status: int = 200):
    return render_template(
        "records/show.html",
        record=record,
        trail=audit.trail(record),
        reject_form=RejectForm(),
        correct_form=correct_form,
    ), status


@bp.get("/<int:record_id>")
@role_required(*ADMINS)
def show(record_id: int):
    record = _record(record_id)
    correct_form = CorrectForm(
        prefix="correct",
        started_at=local(record.started_at).replace(tzinfo=None),
        ended_at=local(record.ended_at).replace(tzinfo=None) if record.ended_at else None,
    )
    return _show_page(record, correct_form)


@bp.post("/<int:record_id>/correct")
@role_required(*ADMINS)
def correct(record_id: int):
    """Correct the times of a record: it is rejected and an approved replacement entered."""
    record = _record(record_id)
    form = CorrectForm(prefix="correct")
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            times = local_times(form)
            replacement = ledger.correct(record, **times, by=current_user, reason=form.reason.data)
        if attempt.ok:
            flash(
                _("已更正，新记录 #%(id)d 计入 %(h)s 小时", id=replacement.id, h=replacement.hours), "success"
            )
            return redirect(url_for(".show", record_id=replacement.id))
    return _show_page(record, form, 422)


def _manual_form() -> ManualRecordForm:
    """The 补录 form: the unit's posts to choose from, and a volunteer picked from the search."""
    form = ManualRecordForm()
    form.post_id.choices = [SelectChoice(0, _("（不指定）"))] + [
        SelectChoice(p.id, p.name) for p in posts.list_posts(current_user.unit_id)
    ]
    if request.method == "GET" and request.args.get("volunteer_no"):
        form.volunteer_no.data = request.args["volunteer_no"][:20]  # picked from the search below
    return form


def _volunteer_search() -> tuple[str, list | None]:
    """The search beside the 补录 form: the query and its first matches in the unit (None: no query)."""
    query = (request.args.get("q") or "").strip()[:30]
    if not query:
        return query, None
    return query, volunteers.search(unit_id=current_user.unit_id, query=query, per_page=10).items


def _entered(record: ServiceRecord):
    """After a 补录: a record its volunteer's unit must approve goes back to the list; one
    approved at once opens."""
    if record.status == "pending":
        flash(
            _(
                "已补录 %(name)s 的服务记录 %(h)s 小时，已交其所在单位审核",
                name=record.volunteer.name,
                h=record.hours,
            ),
            "success",
        )
        return redirect(url_for(".index"))
    flash(_("已补录 %(name)s 的服务记录 %(h)s 小时", name=record.volunteer.name, h=record.hours), "success")
    return redirect(url_for(".show", record_id=record.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required(*ADMINS)
def new():
    form = _manual_form()
    query, matches = _volunteer_search()
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            record = ledger.enter_manual_record(current_user, **form.values())
        if attempt.ok:
            return _entered(record)
    return render_template("records/new.html", form=form, query=query, matches=matches)


@bp.get("/template.xlsx")
@role_required(*ADMINS)
def template():
    return send_bytes(records_import.template_xlsx(), "service-records-template.xlsx", inline=False)
