"""The office's follow-up of its units: rectification items (整改) and task lists (任务清单).
The platform admin raises and reviews them; a unit admin answers its own."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.auth_state import ADMINS, role_required
from app.services import audit, office_tasks, rectifications, scores, units
from app.services.clock import local_today, previous_month
from app.services.periods import Period
from app.web.forms import (
    BaseForm,
    db_int,
    domain_errors,
    fields_of,
    form_status,
    pressed,
    send_bytes,
    submitted,
    uploads,
)

bp = Blueprint("office", __name__, url_prefix="/office")
SCHEME_SAVED = _l("已保存测评指标第%(v)d版，从今天起生效；已评分的期间不受影响")


class RaiseForm(BaseForm):
    unit_id = SelectField(_l("责任单位"), coerce=int, validators=[DataRequired(_l("请选择责任单位"))])
    finding = TextAreaField(
        _l("发现的问题"), validators=[DataRequired(), Length(max=rectifications.FINDING_MAX)]
    )
    source = StringField(
        _l("来源（如：2026年第三季度点评·无活动）"),
        validators=[Optional(), Length(max=rectifications.SOURCE_MAX)],
    )
    deadline = DateField(_l("整改期限"), validators=[DataRequired()])
    submit = SubmitField(_l("下发整改事项"))

    @classmethod
    def from_flag(cls) -> RaiseForm:
        """Opened from a bulletin's or a review's flag: the unit, the source and the finding
        come along in the query."""
        return cls(
            unit_id=request.args.get("unit_id", type=db_int),
            source=(request.args.get("source") or "")[: rectifications.SOURCE_MAX] or None,
            finding=(request.args.get("finding") or "")[: rectifications.FINDING_MAX] or None,
        )


class ReplyForm(BaseForm):
    reply = TextAreaField(_l("整改情况"), validators=[DataRequired(), Length(max=rectifications.REPLY_MAX)])
    files = MultipleFileField(_l("附件（PDF或图片，每个不超过5MB，最多5个）"))
    submit = SubmitField(_l("提交答复"))


class ReturnForm(BaseForm):
    reason = StringField(_l("退回原因"), validators=[DataRequired(), Length(max=rectifications.REASON_MAX)])
    submit = SubmitField(_l("退回重新整改"))


class TaskForm(BaseForm):
    title = StringField(_l("任务名称"), validators=[DataRequired(), Length(max=office_tasks.TITLE_MAX)])
    text = TextAreaField(_l("任务内容"), validators=[DataRequired(), Length(max=office_tasks.TEXT_MAX)])
    measure = SelectField(
        _l("完成标准"), choices=[SelectChoice(k, v) for k, v in office_tasks.MEASURES.items()]
    )
    target = IntegerField(
        _l("目标数（按数字完成时填写）"),
        validators=[Optional(), NumberRange(min=1, max=office_tasks.TARGET_MAX)],
    )
    deadline = DateField(_l("截止日期"), validators=[DataRequired()])
    all_units = BooleanField(_l("发给全部启用的成员单位"), default=True)
    unit_ids = SelectMultipleField(_l("或选择成员单位"), coerce=int, validate_choice=False)
    submit = SubmitField(_l("派发任务"))


class TaskReplyForm(BaseForm):
    reply = TextAreaField(_l("答复"), validators=[DataRequired(), Length(max=office_tasks.REPLY_MAX)])
    submit = SubmitField(_l("提交答复"))


def _unit_choices(field) -> None:
    field.choices = [SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)]


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    status = request.args.get("status")
    items = rectifications.list_items(current_user, status=status)
    lists = office_tasks.task_lists(current_user)
    return render_template("office/index.html", items=items, status=status, today=local_today(), **lists)


@bp.route("/rectifications/new", methods=["GET", "POST"], endpoint="raise_item")
@role_required("platform_admin")
def raise_item():
    form = RaiseForm.from_flag()
    _unit_choices(form.unit_id)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            what = fields_of(form, "finding", "deadline", "source")
            item = rectifications.raise_item(form.unit_id.data, **what, by=current_user)
        if attempt.ok:
            flash(_("已向“%(u)s”下发整改事项", u=item.unit.name), "success")
            return redirect(url_for(".item", item_id=item.id))
    return render_template("office/raise.html", form=form), form_status(form)


def _item_page(item, reply_form=None, return_form=None, status=200):
    return render_template(
        "office/item.html",
        item=item,
        trail=audit.trail(item),
        today=local_today(),
        overdue=rectifications.is_overdue(item),
        reply_form=reply_form or ReplyForm(),
        return_form=return_form or ReturnForm(prefix="r"),
        action_form=BaseForm(),
    ), status


@bp.get("/rectifications/<int:item_id>", endpoint="item")
@role_required(*ADMINS)
def item(item_id: int):
    return _item_page(rectifications.get_item(current_user, item_id))


@bp.post("/rectifications/<int:item_id>/reply", endpoint="reply")
@role_required("unit_admin")
def reply(item_id: int):
    item = rectifications.get_item(current_user, item_id)
    form = ReplyForm()
    done = submitted(
        form,
        lambda: rectifications.reply(
            item,
            text=form.reply.data,
            files=uploads(form.files.data, rectifications.FILE_MAX_BYTES),
            by=current_user,
        ),
        _("已提交整改答复，等待文明办审核"),
        url_for(".item", item_id=item.id),
    )
    return done or _item_page(item, reply_form=form, status=422)


@bp.post("/rectifications/<int:item_id>/close", endpoint="close")
@role_required("platform_admin")
def close(item_id: int):
    item = rectifications.get_item(current_user, item_id)
    pressed(partial(rectifications.close, item, by=current_user), _("已销号"))
    return redirect(url_for(".item", item_id=item.id))


@bp.post("/rectifications/<int:item_id>/return", endpoint="return_item")
@role_required("platform_admin")
def return_item(item_id: int):
    item = rectifications.get_item(current_user, item_id)
    form = ReturnForm(prefix="r")
    act = partial(rectifications.return_item, item, reason=form.reason.data, by=current_user)
    done = submitted(form, act, _("已退回，单位须重新整改"), url_for(".item", item_id=item.id))
    return done or _item_page(item, return_form=form, status=422)


@bp.get("/rectifications/<int:item_id>/files/<int:file_id>", endpoint="file")
@role_required(*ADMINS)
def file(item_id: int, file_id: int):
    found = rectifications.get_file(current_user, item_id, file_id)
    return send_bytes(found.data, found.filename, inline=False)


@bp.route("/tasks/new", methods=["GET", "POST"], endpoint="new_task")
@role_required("platform_admin")
def new_task():
    form = TaskForm()
    _unit_choices(form.unit_ids)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            unit_ids = None if form.all_units.data else form.unit_ids.data
            what = fields_of(form, "title", "text", "measure", "target", "deadline")
            task = office_tasks.create_task(**what, unit_ids=unit_ids, by=current_user)
        if attempt.ok:
            flash(_("已向%(n)d个成员单位派发任务", n=len(task.assignments)), "success")
            return redirect(url_for(".task", task_id=task.id))
    return render_template("office/new_task.html", form=form), form_status(form)


def _task_page(task, form=None, status=200):
    rows = office_tasks.progress(
        [
            a
            for a in task.assignments
            if current_user.role == "platform_admin" or a.unit_id == current_user.unit_id
        ]
    )
    return render_template(
        "office/task.html", task=task, rows=rows, measures=office_tasks.MEASURES, form=form or TaskReplyForm()
    ), status


@bp.get("/tasks/<int:task_id>", endpoint="task")
@role_required(*ADMINS)
def task(task_id: int):
    return _task_page(office_tasks.get_task(current_user, task_id))


@bp.post("/tasks/<int:task_id>/reply", endpoint="task_reply")
@role_required("unit_admin")
def task_reply(task_id: int):
    task = office_tasks.get_task(current_user, task_id)
    form = TaskReplyForm()
    act = partial(office_tasks.reply, task, text=form.reply.data, by=current_user)
    done = submitted(form, act, _("已提交答复"), url_for(".task", task_id=task.id))
    return done or _task_page(task, form, status=422)


def _period_arg() -> Period:
    """?period=…, by default the last month that has ended."""
    text = request.args.get("period") or previous_month()
    return Period.parse(text[:10])


@bp.get("/scores", endpoint="scores")
@role_required(*ADMINS)
def scores_page():
    period = _period_arg()
    result = scores.visible_scores(scores.scores(period), current_user)
    scheme_form = SchemeForm.for_current() if current_user.role == "platform_admin" else None
    return _scores_page(period, result, scheme_form)


def _scores_page(period: Period, result, scheme_form):
    return render_template(
        "office/scores.html",
        result=result,
        period=period,
        labels=scores.INDICATORS,
        scheme_form=scheme_form,
        action_form=BaseForm(),
    )


class SchemeForm(BaseForm):
    """One weight and one target per indicator; an indicator with weight 0 is left out."""

    submit = SubmitField(_l("保存为新版本（从今天起生效）"))

    @classmethod
    def for_current(cls, formdata=None) -> SchemeForm:
        version, indicators = scores.current_scheme()
        current = {row["key"]: row for row in indicators}
        form_class = type("CurrentSchemeForm", (cls,), {})
        for key, (label, yearly, unit) in scores.INDICATORS.items():
            suffix = _("（每年）") if yearly else (_("（0–1的比率）") if unit == "%" else "")
            setattr(
                form_class,
                f"w_{key}",
                IntegerField(
                    _("%(n)s · 权重", n=label),
                    default=current.get(key, {}).get("weight", 0),
                    validators=[Optional(), NumberRange(min=0, max=100)],
                ),
            )
            setattr(
                form_class,
                f"t_{key}",
                DecimalField(
                    _("%(n)s · 目标%(s)s", n=label, s=suffix),
                    default=current.get(key, {}).get("target", 1),
                    places=None,
                    validators=[Optional(), NumberRange(min=0, max=1_000_000)],
                ),
            )
        form = form_class(formdata=formdata) if formdata is not None else form_class()
        form.version = version
        return form

    def indicators(self) -> list[dict]:
        rows = []
        for key in scores.INDICATORS:
            weight = getattr(self, f"w_{key}").data or 0
            if weight:
                target = getattr(self, f"t_{key}").data
                rows.append(
                    {"key": key, "weight": weight, "target": float(target) if target is not None else 0}
                )
        return rows


@bp.post("/scores/keep", endpoint="keep_scores")
@role_required("platform_admin")
def keep_scores():
    period = _period_arg()
    if BaseForm().validate_on_submit():
        with domain_errors() as attempt:
            kept = scores.keep(period, by=current_user)
        if attempt.ok:
            flash(
                _(
                    "已确定%(p)s的测评得分（第%(v)d版指标），今后不再变化",
                    p=period.label(),
                    v=kept.scheme_version,
                ),
                "success",
            )
    return redirect(url_for(".scores", period=str(period)))


@bp.post("/scores/scheme", endpoint="save_scheme")
@role_required("platform_admin")
def save_scheme():
    form = SchemeForm.for_current(request.form)
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            scheme = scores.save_scheme(form.indicators(), by=current_user)
        if attempt.ok:
            flash(str(SCHEME_SAVED) % {"v": scheme.version}, "success")
            return redirect(url_for(".scores"))
    period = _period_arg()
    return _scores_page(period, scores.scores(period), form), 422
