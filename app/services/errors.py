"""Domain exceptions raised by services; app.errors maps each once to a page and to the
API error shape {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError

from app.extensions import Model, db
from app.models import (
    Activity,
    Bulletin,
    Certificate,
    Coupon,
    Merchant,
    Offer,
    Post,
    ServiceCategory,
    ServiceRecord,
    Unit,
    User,
    Volunteer,
)

M = TypeVar("M", bound=Model)


class DomainError(Exception):
    """A refusal a service raises. Each kind states its status, code and default message once,
    in its class line: ``class Conflict(DomainError, status=409, code="conflict", message=...)``;
    a kind that leaves one out keeps its parent's."""

    status = 400
    code = "bad_request"
    default_message = _l("请求无效")

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, message=None, **kw):
        super().__init_subclass__(**kw)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code
        if message is not None:
            cls.default_message = message

    def __init__(self, message=None, fields: dict[str, list[str]] | None = None, **details):
        self.message = str(message) if message is not None else str(self.default_message)
        self.fields = {k: [str(m) for m in v] for k, v in (fields or {}).items()}
        self.details = details
        super().__init__(self.message)


class ValidationFailed(
    DomainError, status=422, code="validation_failed", message=_l("提交的内容有误，请检查后重试")
):
    """Input that breaks a rule; `fields` names the inputs at fault."""


class NotAuthenticated(DomainError, status=401, code="unauthorized", message=_l("请先登录")):
    """No one is signed in."""


class Forbidden(DomainError, status=403, code="forbidden", message=_l("没有权限进行此操作")):
    """Signed in, but not allowed to do this."""


class NotFound(DomainError, status=404, code="not_found", message=_l("未找到")):
    """Missing, or not visible to this user (the two read alike)."""


class Conflict(DomainError, status=409, code="conflict", message=_l("与现有数据冲突")):
    """Clashes with what is stored (a duplicate, or a state that does not allow it)."""


class CodeInvalid(DomainError, status=400, code="code_invalid", message=_l("二维码无效")):
    """A QR code that is tampered with, expired, retired or not meant for this use."""


class CodeExpired(CodeInvalid, code="code_expired", message=_l("二维码已过期，请刷新后重新扫码")):
    """A code past its time; the holder refreshes it."""


class PosterRotated(
    CodeInvalid, code="code_rotated", message=_l("此服务岗二维码已更换，请扫描现场最新二维码")
):
    """A printed poster whose post's code an admin has since replaced."""


class NotEligible(Forbidden, code="not_eligible", message=_l("星级不足，暂不能领取")):
    """Below an offer's star level; details say what is needed."""


class AlreadyRedeemed(Conflict, code="already_redeemed", message=_l("该优惠券已核销")):
    """A coupon redeemed before."""


class CouponExpired(Conflict, code="coupon_expired", message=_l("该优惠券已过期")):
    """A coupon past its end date."""


# How a missing row of each kind is named in the NotFound that get_or_404 raises.
MISSING = {
    Activity: _l("活动不存在"),
    Bulletin: _l("通报不存在"),
    Certificate: _l("证明不存在"),
    Coupon: _l("优惠券不存在"),
    Merchant: _l("商家不存在"),
    Offer: _l("优惠不存在"),
    Post: _l("服务岗不存在"),
    ServiceCategory: _l("服务类别不存在"),
    ServiceRecord: _l("服务记录不存在"),
    Unit: _l("成员单位不存在"),
    User: _l("账号不存在"),
    Volunteer: _l("志愿者不存在"),
}


def get_or_404(model: type[M], ident: int, message=None, **owned_by) -> M:
    """The row of `model` with this id, or NotFound naming what is missing (the 404 page, or
    the API's not_found error); `message` says it otherwise. Keywords name columns the row
    must hold (`guardian_id=guardian.id`): someone else's row answers like a missing one."""
    row = db.session.get(model, ident)
    if row is None or any(getattr(row, column) != value for column, value in owned_by.items()):
        raise NotFound(message or MISSING.get(model))
    return row


def one_or_404(stmt: Select[Any], message) -> Any:
    """The row a select of one entity finds (the ones the user may see, say), or NotFound
    with `message`: a row outside the select answers like a missing one."""
    row = db.session.scalar(stmt)
    if row is None:
        raise NotFound(message)
    return row


def add_or_conflict(row: Model, conflict: DomainError) -> None:
    """Insert `row`, which a unique constraint may refuse (a second sign-up, a vote again):
    then `conflict` is raised, and the rest of the transaction stands (a savepoint)."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        raise conflict from None
