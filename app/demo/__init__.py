"""Demo data for the embedded default: a platform admin, two units with admins, posts,
volunteers with records at several star levels, a merchant with offers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.extensions import db
from app.models import User
from app.services import accounts, identity, units, volunteers

LOGINS = [
    ("platform_admin", "admin", "admin-star-2026"),
    ("unit_admin", "unit1", "unit12345"),
    ("unit_admin", "unit2", "unit12345"),
    ("volunteer", "13800000001", "volunteer-star-2026"),
    ("merchant", "merchant", "merchant123"),
]

# one admin per demo unit, in the units' order
DEMO_UNIT_ADMINS = [("unit1", "民政局管理员"), ("unit2", "阳光街道管理员")]

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
    admin = accounts.create_user(
        username="admin", password="admin-star-2026", role="platform_admin", name="文明办管理员"
    )
    unit_list = [
        units.create_unit(name="市民政局", contact_email="minzheng@example.org", by=admin),
        units.create_unit(name="阳光街道办事处", contact_email="yangguang@example.org", by=admin),
    ]
    for unit, (username, name) in zip(unit_list, DEMO_UNIT_ADMINS, strict=True):
        accounts.create_user(
            username=username, password="unit12345", role="unit_admin", name=name, unit_id=unit.id, by=admin
        )
    people = []
    for seq, (name, phone, birth, sex_digit, unit_index) in enumerate(DEMO_VOLUNTEERS, start=10):
        people.append(
            volunteers.register(
                volunteers.Registration(
                    name=name,
                    id_number=demo_id_number(birth, seq, sex_digit),
                    phone=phone,
                    password="volunteer-star-2026",
                    consent=True,
                    unit_id=unit_list[unit_index].id,
                )
            )
        )
    from datetime import timedelta

    from app.services.clock import now

    for volunteer in people:  # the demo people have served for about a year
        volunteer.created_at = now() - timedelta(days=400)
    load_attendance(admin, unit_list, people)
    from app.demo import people as demo_people

    demo_people.load(admin, unit_list, people)
    load_incentives(admin)
    from app.demo import organisation as demo_organisation

    stations = demo_organisation.load_places(admin, unit_list)
    team_list = demo_organisation.load_teams(admin, unit_list, people, stations)
    from app.demo import projects as demo_projects
    from app.models import Post

    first_post = db.session.scalar(select(Post).where(Post.unit_id == unit_list[0].id).order_by(Post.id))
    project_list = demo_projects.load_projects(admin, unit_list, team_list, first_post)
    from app.demo import evidence as demo_evidence

    # 东湖村 station: its institute is paired with the first unit
    demo_evidence.load_evidence(admin, unit_list[0], project_list[0], first_post, stations[3])
    load_office(admin, unit_list)
    from app.demo import reviews as demo_reviews

    demo_reviews.load(admin, unit_list)
    from app.demo import public_face as demo_public_face

    demo_public_face.load(admin, unit_list, people)
    from app.demo import campaigns as demo_campaigns

    demo_campaigns.load(admin, unit_list, people)
    db.session.flush()
    return True


def load_office(admin: User, unit_list) -> None:
    """The office's follow-up: an open rectification item, a closed one, a task with progress."""
    from datetime import timedelta

    from app.services import office_tasks, rectifications
    from app.services.clock import local_today, now

    rectifications.raise_item(
        unit_list[0].id,
        finding="本季度未开展志愿者培训，请制定培训计划并组织实施。",
        deadline=local_today() + timedelta(days=14),
        source="季度点评·无培训",
        by=admin,
    )
    closed = rectifications.raise_item(
        unit_list[1].id,
        finding="实践站志愿服务台账不完整。",
        deadline=local_today() + timedelta(days=7),
        by=admin,
    )
    unit_admin = db.session.scalar(select(User).where(User.username == "unit2"))
    assert unit_admin is not None, "created above"
    rectifications.reply(closed, text="已补齐近三个月的活动记录和照片。", by=unit_admin)
    rectifications.close(closed, by=admin)
    task = office_tasks.create_task(
        title="学雷锋志愿服务月",
        text="各单位本月至少开展2场志愿服务活动。",
        measure="activities",
        target=2,
        deadline=local_today() + timedelta(days=20),
        unit_ids=None,
        by=admin,
    )
    task.starts_at = now() - timedelta(days=30)  # the month began before the demo was loaded


DEMO_POSTS = [
    # unit index, name, address, auto-approve, service category
    (0, "市民服务中心志愿服务岗", "人民路100号市民服务中心一楼", False, "社区服务"),
    (0, "火车站爱心驿站", "火车站南广场", True, "交通劝导"),
    (1, "阳光社区图书角", "阳光街道文化站二楼", False, "助学支教"),
    (1, "人民公园文明引导岗", "人民公园东门", True, "文明劝导"),
]
# approved hours of each demo volunteer: 1★, 2★, 3★, 0★, 1★, 2★ with the default scale
DEMO_HOURS = [120, 320, 640, 40, 108, 305]


def load_attendance(admin: User, unit_list, people) -> None:
    """Posts for both units, a weekly activity and a training, and months of approved records
    so the demo volunteers stand at several star levels; a few records wait for review."""
    from datetime import datetime, time, timedelta

    from app.demo.activities import plan
    from app.services import categories, ledger, posts
    from app.services.clock import local_today, zone

    category = {c.name: c.id for c in categories.list_categories()}
    made = [
        posts.create_post(
            unit_list[u].id,
            posts.PostInput(name=name, address=address, auto_approve=auto, category_id=category.get(kind)),
            by=admin,
        )
        for u, name, address, auto, kind in DEMO_POSTS
    ]
    today = local_today()
    for unit in unit_list:
        unit_posts = [p for p in made if p.unit_id == unit.id]
        next_wednesday = today + timedelta(days=(2 - today.weekday()) % 7 or 7)
        start = datetime.combine(next_wednesday, time(9, 0), tzinfo=zone())
        plan(
            unit.id,
            "每周三文明引导",
            "service",
            start,
            hours=3,
            post_id=unit_posts[0].id,
            capacity=20,
            weekly_count=8,
            category_id=category.get("文明劝导"),
            by=admin,
        )
        training_day = datetime.combine(today.replace(day=1) - timedelta(days=10), time(14, 0), tzinfo=zone())
        plan(unit.id, "志愿服务礼仪培训", "training", training_day, hours=2, capacity=50, by=admin)
    for volunteer, hours in zip(people, DEMO_HOURS, strict=True):
        unit_posts = [p for p in made if p.unit_id == volunteer.unit_id]
        remaining, day = hours, 2
        while remaining > 0:
            length = min(4, remaining)
            start = datetime.combine(today - timedelta(days=day), time(9, 0), tzinfo=zone())
            ledger.create_record(
                volunteer,
                started_at=start,
                ended_at=start + timedelta(hours=length),
                by=admin,
                source="import",
                post=unit_posts[day % len(unit_posts)],
                status="approved",
            )
            remaining -= length
            day += 2
    # yesterday afternoon's scans, waiting for the unit admin
    for volunteer in people[:2]:
        start = datetime.combine(today - timedelta(days=1), time(14, 0), tzinfo=zone())
        post = next(p for p in made if p.unit_id == volunteer.unit_id and not p.auto_approve)
        ledger.create_record(
            volunteer,
            started_at=start,
            ended_at=start + timedelta(hours=2, minutes=30),
            by=None,
            source="scan",
            post=post,
            status="pending",
        )


DEMO_OFFERS = [
    # title, description, min_star, quantity, per-volunteer limit a month
    ("1星志愿者：饮品第二杯半价", "凭优惠券到店购买任意饮品，第二杯半价", 1, None, 2),
    ("2星志愿者：全场九折", "单笔消费满30元享九折（烟酒除外）", 2, 200, 1),
    ("3星志愿者：每月免费领取生活用品一份", "到店出示优惠券领取毛巾或洗衣液一份", 3, 50, 1),
]


def load_incentives(admin: User) -> bool:
    """The demo merchant (login merchant / merchant123), approved, with offers at 1★–3★."""
    from app.services.incentives import merchants, offers

    if db.session.scalar(select(User.id).where(User.username == "merchant")) is not None:
        return False
    merchant = merchants.create_merchant(
        name="志愿者之家便利店",
        address="阳光街道人民路18号",
        category="零售",
        contact_name="周店长",
        contact_phone="02088886666",
        by=admin,
        approved=True,
    )
    merchants.create_merchant_account(
        merchant, username="merchant", password="merchant123", name="周店长", by=admin
    )
    for title, description, min_star, quantity, limit in DEMO_OFFERS:
        offers.create_offer(
            merchant,
            offers.OfferInput(
                title=title,
                description=description,
                min_star=min_star,
                quantity=quantity,
                per_volunteer_limit=limit,
                limit_period="month",
            ),
            by=admin,
        )
    return True
