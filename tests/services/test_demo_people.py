"""The demo data shows who serves at once: kinds and headcounts, skilled volunteers, a guardian
with one child who has hours, an insurance cover for one unit."""
from sqlalchemy import func, select

from app import demo
from app.models import InsuranceCover, Unit, Volunteer, VolunteerSkill
from app.services import insurance
from app.services.clock import local_today


def test_demo_people(db):
    demo.load()
    db.session.commit()
    assert db.session.scalar(select(func.count(Unit.id)).where(Unit.headcount.is_not(None), Unit.kind.is_not(None))) == 2
    assert db.session.scalar(select(func.count(func.distinct(VolunteerSkill.volunteer_id)))) >= 3
    kids = db.session.scalars(select(Volunteer).where(Volunteer.guardian_id.is_not(None))).all()
    assert len(kids) == 1 and kids[0].hours > 0 and kids[0].guardian.phone == "13800000002"
    assert db.session.scalar(select(func.count(InsuranceCover.id))) == 1
    first = db.session.scalar(select(Volunteer).where(Volunteer.phone == "13800000001"))
    assert insurance.cover_on(first, local_today()) is not None
