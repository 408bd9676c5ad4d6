"""The demo shows the office's year at once: a score scheme, a quarter whose bulletins are made
and whose review is written with two flags at one unit, one open and one closed rectification
item, a task with progress, and a blood drive counted against its target."""
from sqlalchemy import func, select

from app import demo
from app.models import Bulletin, Contribution, OfficeTask, Rectification, ScoreScheme, Unit
from app.services import office_tasks
from app.services.bulletins import quarters
from app.services.clock import local_today


def test_the_demo_has_the_offices_year(db):
    demo.load()
    db.session.commit()
    scheme = db.session.scalar(select(ScoreScheme))
    assert scheme.version == 1 and any(r["key"] == "registration_rate" for r in scheme.indicators)
    year, quarter = quarters.last_complete_quarter(local_today())
    association = db.session.scalar(select(Unit).where(Unit.name == "市青年志愿者协会"))
    review = quarters.quarter_review(association.id, year, quarter)
    assert review["complete"] and len(review["flags"]) == 2 and review["comment"]
    assert db.session.scalar(select(func.count(Bulletin.id)).where(Bulletin.revision == 0)) == 3 * 4  # 3 units + city
    statuses = sorted(db.session.scalars(select(Rectification.status)))
    assert statuses == ["closed", "open"]
    task = db.session.scalar(select(OfficeTask))
    assert any(p.value > 0 for p in office_tasks.progress(task.assignments))
    assert db.session.scalar(select(func.sum(Contribution.persons))) == 12
