"""Demo data for the embedded default: a platform admin, two units with admins, posts,
volunteers with records at several star levels, a merchant with offers."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services import accounts, identity, units, volunteers

LOGINS = [
    ("platform_admin", "admin", "admin12345"),
    ("unit_admin", "unit1", "unit12345"),
    ("unit_admin", "unit2", "unit12345"),
    ("volunteer", "13800000001", "volunteer123"),
    ("merchant", "merchant", "merchant123"),
]

DEMO_VOLUNTEERS = [
    # name, phone, birth date, sex digit, unit index
    ("张伟", "13800000001", date(1990, 3, 7), 1, 0),
    ("王芳", "13800000002", date(1985, 11, 21), 2, 0),
    ("李娜", "13800000003", date(1978, 6, 2), 4, 0),
    ("刘洋", "13800000004", date(2000, 1, 15), 3, 1),
    ("陈静", "13800000005", date(1995, 9, 30), 6, 1),
    ("杨磊", "13800000006", date(1969, 4, 18), 5, 1),
]


def demo_id_number(birth: date, seq: int, sex_digit: int) -> str:
    """A well-formed resident ID number for a demo person (region 110101, Beijing)."""
    first17 = f"110101{birth:%Y%m%d}{seq:02d}{sex_digit}"
    return first17 + identity.id_check_char(first17)


def load() -> bool:
    """Create the demo data unless it is already there; True when something was created."""
    if db.session.scalar(select(User.id).where(User.username == "admin")) is not None:
        return False
    admin = accounts.create_user(username="admin", password="admin12345", role="platform_admin",
                                 name="文明办管理员")
    unit_list = [
        units.create_unit(name="市民政局", contact_email="minzheng@example.org", by=admin),
        units.create_unit(name="阳光街道办事处", contact_email="yangguang@example.org", by=admin),
    ]
    accounts.create_user(username="unit1", password="unit12345", role="unit_admin",
                         name="民政局管理员", unit_id=unit_list[0].id, by=admin)
    accounts.create_user(username="unit2", password="unit12345", role="unit_admin",
                         name="阳光街道管理员", unit_id=unit_list[1].id, by=admin)
    people = []
    for seq, (name, phone, birth, sex_digit, unit_index) in enumerate(DEMO_VOLUNTEERS, start=10):
        people.append(volunteers.register(volunteers.Registration(
            name=name, id_number=demo_id_number(birth, seq, sex_digit), phone=phone,
            password="volunteer123", consent=True, unit_id=unit_list[unit_index].id)))
    load_incentives(admin)
    db.session.flush()
    return True


DEMO_OFFERS = [
    # title, description, min_star, quantity, per-volunteer limit a month
    ("1星志愿者：饮品第二杯半价", "凭优惠券到店购买任意饮品，第二杯半价", 1, None, 2),
    ("2星志愿者：全场九折", "单笔消费满30元享九折（烟酒除外）", 2, 200, 1),
    ("3星志愿者：每月免费领取生活用品一份", "到店出示优惠券领取毛巾或洗衣液一份", 3, 50, 1),
]


def load_incentives(admin: User) -> bool:
    """The demo merchant (login merchant / merchant123), approved, with offers at 1★–3★."""
    from app.services import incentives
    if db.session.scalar(select(User.id).where(User.username == "merchant")) is not None:
        return False
    merchant = incentives.create_merchant(name="志愿者之家便利店", address="阳光街道人民路18号", category="零售",
                                          contact_name="周店长", contact_phone="02088886666", by=admin,
                                          approved=True)
    incentives.create_merchant_account(merchant, username="merchant", password="merchant123", name="周店长",
                                       by=admin)
    for title, description, min_star, quantity, limit in DEMO_OFFERS:
        incentives.create_offer(merchant, incentives.OfferInput(
            title=title, description=description, min_star=min_star, quantity=quantity,
            per_volunteer_limit=limit, limit_period="month"), by=admin)
    return True
