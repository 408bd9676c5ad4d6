"""Unit admins manage service posts: settings, QR posters, code rotation, the kiosk screen."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.auth_state import ADMINS, role_required
from app.models import Post, Unit
from app.services import attendance, posters, posts, qr, units
from app.services.errors import get_or_404
from app.web.forms import (
    BaseForm,
    category_choices,
    db_int,
    domain_errors,
    project_choices,
    send_bytes,
    station_choices,
)

bp = Blueprint("posts", __name__, url_prefix="/admin/posts")


class PostForm(BaseForm):
    unit_id = SelectField(_l("成员单位"), coerce=int)
    name = StringField(_l("服务岗名称"), validators=[DataRequired(), Length(max=100)])
    category_id = SelectField(_l("服务类别"), coerce=int)
    station_id = SelectField(_l("所在实践站（可选）"), coerce=int)
    project_id = SelectField(_l("所属项目（可选）"), coerce=int)
    address = StringField(_l("地址"), validators=[Optional(), Length(max=200)])
    lat = DecimalField(_l("纬度（可选）"), places=6, validators=[Optional(), NumberRange(-90, 90)])
    lng = DecimalField(_l("经度（可选）"), places=6, validators=[Optional(), NumberRange(-180, 180)])
    radius_m = IntegerField(_l("签到范围（米，可选）"), validators=[Optional(), NumberRange(10, 100000)])
    geofence_mode = SelectField(
        _l("超出范围时"),
        choices=[SelectChoice("refuse", _l("拒绝签到")), SelectChoice("flag", _l("允许但标记待审核"))],
    )
    min_minutes = IntegerField(
        _l("最短计时（分钟）"), default=10, validators=[InputRequired(), NumberRange(0, 600)]
    )
    max_minutes = IntegerField(
        _l("最长计时（分钟）"), default=480, validators=[DataRequired(), NumberRange(1, 1440)]
    )
    open_from = TimeField(_l("开放时间起（可选）"), validators=[Optional()])
    open_until = TimeField(_l("开放时间止（可选）"), validators=[Optional()])
    auto_approve = BooleanField(_l("签退后自动审核通过（无异常标记时）"))
    submit = SubmitField(_l("保存"))


class KioskCardForm(BaseForm):
    code = StringField(
        _l("志愿者码"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"autofocus": True, "autocomplete": "off"},
    )
    submit = SubmitField(_l("签到 / 签退"))


def _origin(url: str) -> tuple[str, str]:
    """(host, port) of a URL, the scheme's default port filled in."""
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), str(parts.port or {"https": 443}.get(parts.scheme, 80))


@bp.context_processor
def _base_url_check() -> dict:
    """Every printed poster opens BASE_URL: say so when this page is served from elsewhere
    (the posters would point at an address phones cannot reach)."""
    base = current_app.config["BASE_URL"]
    differs = _origin(base) != _origin(request.host_url)
    return {"base_url_mismatch": (base, request.host_url.rstrip("/")) if differs else None}


def _scope() -> int | None:
    return None if current_user.role == "platform_admin" else current_user.unit_id


def _post(post_id: int):
    post = get_or_404(Post, post_id)
    units.ensure_can_manage_unit(current_user, post.unit_id)
    return post


def _input(form: PostForm) -> posts.PostInput:
    return posts.PostInput(
        name=form.name.data,
        address=form.address.data,
        lat=float(form.lat.data) if form.lat.data is not None else None,
        lng=float(form.lng.data) if form.lng.data is not None else None,
        radius_m=form.radius_m.data,
        geofence_mode=form.geofence_mode.data,
        auto_approve=form.auto_approve.data,
        min_minutes=form.min_minutes.data,
        max_minutes=form.max_minutes.data,
        open_from=form.open_from.data,
        open_until=form.open_until.data,
        category_id=form.category_id.data or None,
        station_id=form.station_id.data or None,
        project_id=form.project_id.data or None,
    )


def _unit_choices(
    form: PostForm,
    current_category: int | None = None,
    current_station: int | None = None,
    current_project: int | None = None,
) -> None:
    category_choices(form.category_id, current_category)
    station_choices(form.station_id, _scope(), current_station)
    project_choices(form.project_id, _scope(), current_project)
    if current_user.role == "platform_admin":
        form.unit_id.choices = [SelectChoice(u.id, u.name) for u in units.list_units(active_only=True)]
    else:
        form.unit_id.choices = [SelectChoice(current_user.unit_id, current_user.unit.name)]


@bp.get("/", endpoint="index")
@role_required(*ADMINS)
def index():
    return render_template("posts/index.html", posts=posts.list_posts(_scope()), scan_url=posts.scan_url)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*ADMINS)
def new():
    form = PostForm()
    _unit_choices(form)
    if form.validate_on_submit():
        units.ensure_can_manage_unit(current_user, form.unit_id.data)
        with domain_errors(form) as attempt:
            post = posts.create_post(form.unit_id.data, _input(form), by=current_user)
        if attempt.ok:
            flash(_("已创建服务岗“%(n)s”，可以打印二维码海报了", n=post.name), "success")
            return redirect(url_for(".show", post_id=post.id))
    return render_template("posts/form.html", form=form, post=None)


@bp.route("/<int:post_id>", methods=["GET", "POST"])
@role_required(*ADMINS)
def show(post_id: int):
    post = _post(post_id)
    form = PostForm(obj=post)
    _unit_choices(form, post.category_id, post.station_id, post.project_id)
    form.unit_id.data = post.unit_id
    if form.validate_on_submit():
        with domain_errors(form) as attempt:
            posts.update_post(post, _input(form), by=current_user)
        if attempt.ok:
            flash(_("已保存"), "success")
            return redirect(url_for(".show", post_id=post.id))
    return render_template("posts/form.html", form=form, post=post, scan_url=posts.scan_url(post))


@bp.post("/<int:post_id>/active")
@role_required(*ADMINS)
def set_active(post_id: int):
    post = _post(post_id)
    active = request.form.get("active") == "1"
    posts.set_active(post, active, by=current_user)
    flash(_("服务岗已启用") if active else _("服务岗已停用，扫码将被拒绝"), "success")
    return redirect(url_for(".show", post_id=post.id))


@bp.post("/<int:post_id>/rotate")
@role_required(*ADMINS)
def rotate(post_id: int):
    post = posts.rotate_code(_post(post_id), by=current_user)
    flash(_("已更换二维码，旧海报已失效，请打印新海报"), "warning")
    return redirect(url_for(".show", post_id=post.id))


@bp.get("/<int:post_id>/poster.png")
@role_required(*ADMINS)
def poster_png(post_id: int):
    post = _post(post_id)
    return send_bytes(posters.poster_png(post), f"post-{post.id}-poster.png")


@bp.get("/<int:post_id>/poster.pdf")
@role_required(*ADMINS)
def poster_pdf(post_id: int):
    post = _post(post_id)
    return send_bytes(posters.poster_pdf(post), f"post-{post.id}-poster.pdf")


@bp.get("/sheet.pdf")
@role_required(*ADMINS)
def sheet_pdf():
    unit_id = request.args.get("unit_id", type=db_int) or current_user.unit_id
    if unit_id is None:
        return redirect(url_for(".index"))
    units.ensure_can_manage_unit(current_user, unit_id)
    unit = get_or_404(Unit, unit_id)
    active = [p for p in posts.list_posts(unit.id) if p.is_active]
    return send_bytes(posters.sheet_pdf(active, unit.name), f"unit-{unit.id}-posters.pdf")


@bp.get("/<int:post_id>/kiosk")
@role_required(*ADMINS)
def kiosk(post_id: int):
    return render_template("posts/kiosk.html", post=_post(post_id))


@bp.get("/<int:post_id>/kiosk/code.json")
@role_required(*ADMINS)
def kiosk_code(post_id: int):
    url, expires = posts.kiosk_code(_post(post_id))
    import base64

    response = jsonify(
        code=url,
        expires_at=expires.isoformat(),
        png="data:image/png;base64," + base64.b64encode(qr.png(url, box_size=8)).decode(),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:post_id>/kiosk/card", methods=["GET", "POST"])
@role_required(*ADMINS)
def kiosk_card(post_id: int):
    """A kiosk that reads volunteers' card QR codes with a USB scanner (typed into the field)."""
    post = _post(post_id)
    form = KioskCardForm()
    if form.validate_on_submit():
        with domain_errors() as attempt:
            result = attendance.kiosk_card_scan(post, form.code.data, by=current_user)
        if attempt.ok:
            record = result.record
            name = record.volunteer.masked_name
            if result.action == "check_in":
                flash(_("%(n)s 签到成功", n=name), "success")
            else:
                flash(_("%(n)s 签退成功，本次 %(h)s 小时", n=name, h=record.hours), "success")
        return redirect(url_for(".kiosk_card", post_id=post.id))
    return render_template("posts/kiosk_card.html", post=post, form=form)
