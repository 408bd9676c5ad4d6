"""The office's year in the demo: a score scheme (with the registration rate), a third unit (a
volunteers' association with one volunteer and no service yet), the last complete quarter's
bulletins made and its review written — the association's quarter shows two flags: hours and
trainings below the quarter's share of the year's targets — and a blood drive with its target."""

from __future__ import annotations

from app.models import Unit, User
from app.services import contributions, scores
from app.services.bulletins import quarters
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today
from app.services.months import Month
from app.services.periods import Period

# The demo city weighs its registration rate too, taking the weight from hours and participation.
REWEIGHED = {"hours_per_volunteer": 25, "participation_rate": 15}
SCHEME = [
    *({**item, "weight": REWEIGHED.get(item["key"], item["weight"])} for item in scores.DEFAULT_SCHEME),
    {"key": "registration_rate", "weight": 10, "target": 0.8},
]
RECEIPT = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def load(admin: User, unit_list: list[Unit]) -> Unit:
    """Returns the unit whose quarter shows two flags."""
    from datetime import date, timedelta

    from app.demo import demo_id_number
    from app.services import units, volunteers
    from app.services.clock import now

    scores.save_scheme(SCHEME, by=admin)
    flagged = units.create_unit(name="市青年志愿者协会", contact_email="youth@example.org", by=admin)
    flagged.created_at = now() - timedelta(days=400)
    member = volunteers.register(
        volunteers.Registration(
            name="赵敏",
            id_number=demo_id_number(date(1998, 5, 4), 30, 8),
            phone="13800000031",
            password="volunteer-star-2026",
            consent=True,
            unit_id=flagged.id,
        )
    )
    member.created_at = now() - timedelta(days=400)
    year, quarter = quarters.last_complete_quarter(local_today())
    for month in Month.of_quarter(year, quarter):
        generate_bulletins(month, by=admin)
    quarters.save_quarter_comment(
        flagged.id,
        year,
        quarter,
        "本季度人均服务时长和培训均未达到季度目标，请对照问题制定整改措施。",
        by=admin,
    )
    quarters.save_quarter_comment(None, year, quarter, "全市志愿服务总体平稳，个别单位培训不足。", by=admin)
    contributions.set_target(unit_list[0].id, local_today().year, donations=20000, blood=30, by=admin)
    from app.services.inputs import Upload

    contributions.record(
        unit_list[0].id,
        kind="blood",
        day=Period("month", local_today().year, local_today().month).first_day(),
        description="无偿献血进机关",
        persons=12,
        files=[Upload("献血登记表.pdf", RECEIPT)],
        by=admin,
    )
    return flagged
