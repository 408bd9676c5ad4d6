"""Merchants: registering, approving and suspending them, their staff logins and logos. A
merchant honours coupons only once approved."""

from __future__ import annotations

from typing import Required, TypedDict, Unpack

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import Merchant, User
from app.services import accounts, audit, photos
from app.services.clock import now
from app.services.errors import Conflict, Forbidden, ValidationFailed, get_or_404
from app.services.inputs import Upload, has_bad_chars

LOGO_MAX_BYTES = 512 * 1024
LOGO_EDGE = 480
# stored value → label shown in the admin's language
CATEGORIES = {
    "餐饮": _l("餐饮"),
    "零售": _l("零售"),
    "生活服务": _l("生活服务"),
    "文化休闲": _l("文化休闲"),
    "医疗健康": _l("医疗健康"),
    "其他": _l("其他"),
}


def get_merchant(merchant_id: int) -> Merchant:
    return get_or_404(Merchant, merchant_id)


def merchant_of(user: User) -> Merchant:
    """The merchant a merchant login works for; it must be approved to act."""
    if user.role != "merchant" or user.merchant_id is None:
        raise Forbidden(_("当前账号未绑定商家"))
    merchant = get_merchant(user.merchant_id)
    if merchant.status != "approved":
        raise Forbidden(_("商家尚未通过审核或已暂停，暂不能核销"))
    return merchant


def ensure_can_manage_merchant(user: User, merchant_id: int) -> None:
    """The platform admin manages every merchant; a merchant login only its own."""
    if user.role == "platform_admin":
        return
    if user.role == "merchant" and user.merchant_id == merchant_id:
        return
    raise Forbidden()


class Shop(TypedDict, total=False):
    """A merchant's details as the admin's form or the API gives them; only the name is required."""

    name: Required[str]
    address: str | None
    category: str | None
    contact_name: str | None
    contact_phone: str | None


def _merchant_fields(
    name: str,
    address: str | None = None,
    category: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> dict:
    fields: dict[str, list[str]] = {}
    if not (name or "").strip() or len(name.strip()) > 100:
        fields["name"] = [_("请填写商家名称（不超过100字）")]
    if address and len(address) > 200:
        fields["address"] = [_("地址不能超过200字")]
    if category and len(category) > 50:
        fields["category"] = [_("类别不能超过50字")]
    if contact_name and len(contact_name) > 50:
        fields["contact_name"] = [_("联系人不能超过50字")]
    if contact_phone and len(contact_phone) > 20:
        fields["contact_phone"] = [_("联系电话不能超过20位")]
    return fields


def _cleaned(shop: Shop, *, merchant_id: int | None = None) -> dict[str, str | None]:
    """The details trimmed, blanks as None; refused when a field is at fault or another
    merchant has the name."""
    fields = _merchant_fields(**shop)
    if fields:
        raise ValidationFailed(fields=fields)
    name = shop["name"].strip()
    clash = select(Merchant.id).where(Merchant.name == name)
    if merchant_id is not None:
        clash = clash.where(Merchant.id != merchant_id)
    if db.session.scalar(clash) is not None:
        raise Conflict(_("已有同名的商家"), fields={"name": [_("已有同名的商家")]})
    return {
        "name": name,
        "address": (shop.get("address") or "").strip() or None,
        "category": shop.get("category") or None,
        "contact_name": (shop.get("contact_name") or "").strip() or None,
        "contact_phone": (shop.get("contact_phone") or "").strip() or None,
    }


def create_merchant(*, by: User | None, approved: bool, **shop: Unpack[Shop]) -> Merchant:
    """Register a merchant; it honours coupons once approved. Whether it starts approved is
    the caller's decision, always stated (no default):

    - the platform admin's page registers a shop for review, approved=False: it is approved
      on its page once checked, and its logins cannot act before;
    - the API's createMerchant (register_with_login) registers a shop together with its first
      login for an integrator that has vetted it already, so it is approved unless the request
      says ``"approved": false`` (the contract's flow has the new login publish offers at once).
    """
    merchant = Merchant(**_cleaned(shop), status="approved" if approved else "pending", created_at=now())
    db.session.add(merchant)
    db.session.flush()
    audit.log("merchant.created", merchant, by=by, name=merchant.name, status=merchant.status)
    return merchant


def register_with_login(
    *, username: str, password: str, by: User | None, approved: bool, **shop: Unpack[Shop]
) -> tuple[Merchant, User]:
    """A merchant and its first staff login in one step (the API's createMerchant); the login
    is named after the contact, or the shop when there is none. See create_merchant on
    `approved`."""
    merchant = create_merchant(by=by, approved=approved, **shop)
    login = create_merchant_account(
        merchant,
        username=username,
        password=password,
        name=shop.get("contact_name") or shop["name"][:50],
        by=by,
    )
    return merchant, login


def update_merchant(merchant: Merchant, *, by: User | None, **shop: Unpack[Shop]) -> Merchant:
    for key, value in _cleaned(shop, merchant_id=merchant.id).items():
        setattr(merchant, key, value)
    db.session.flush()
    audit.log("merchant.updated", merchant, by=by, name=merchant.name)
    return merchant


def set_status(merchant: Merchant, status: str, *, by: User | None, reason: str | None = None) -> Merchant:
    """pending/suspended → approved (approve), or → suspended (suspend)."""
    if status not in ("approved", "suspended"):
        raise ValidationFailed(fields={"status": [_("状态无效")]})
    if reason is not None and has_bad_chars(reason):
        raise ValidationFailed(fields={"reason": [_("不能包含空字符或无效的Unicode字符")]})
    was = merchant.status
    merchant.status = status
    db.session.flush()
    audit.log(
        "merchant.approved" if status == "approved" else "merchant.suspended",
        merchant,
        by=by,
        reason=reason,
        was=was,
    )
    return merchant


def approve_merchant(merchant: Merchant, *, by: User | None) -> Merchant:
    return set_status(merchant, "approved", by=by)


def suspend_merchant(merchant: Merchant, *, by: User | None, reason: str | None = None) -> Merchant:
    return set_status(merchant, "suspended", by=by, reason=reason)


def create_merchant_account(
    merchant: Merchant, *, username: str, password: str, name: str, by: User | None
) -> User:
    """A login for the merchant's staff, bound to this merchant."""
    return accounts.create_user(
        username=username, password=password, role="merchant", name=name, merchant_id=merchant.id, by=by
    )


def merchant_accounts(merchant_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.merchant_id == merchant_id).order_by(User.id)))


def set_logo(merchant: Merchant, data: bytes, *, by: User | None, filename: str = "logo") -> Merchant:
    """Store a logo: a photo (judged by its content, not its name) of at most LOGO_MAX_BYTES,
    kept re-encoded as a small JPEG without the original's metadata (it is shown in public)."""
    if not data:
        raise ValidationFailed(fields={"logo": [_("请选择图片文件")]})
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationFailed(fields={"logo": [_("图片不能超过%(n)dKB", n=LOGO_MAX_BYTES // 1024)]})
    logo = photos.prepare(Upload(filename, data), field="logo", edge=LOGO_EDGE).data
    merchant.logo, merchant.logo_mimetype = logo, "image/jpeg"
    db.session.flush()
    audit.log("merchant.logo", merchant, by=by, bytes=len(logo), mimetype="image/jpeg")
    return merchant


def list_merchants(status: str | None = None) -> list[Merchant]:
    stmt = select(Merchant).order_by(Merchant.id)
    if status:
        stmt = stmt.where(Merchant.status == status)
    return list(db.session.scalars(stmt))
