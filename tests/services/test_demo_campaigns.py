"""The demo has a current campaign with a roster (张伟 on its shifts), a selective training, a
team that recruits by application with one applicant waiting, and a notice that 张伟 sees unread."""
from sqlalchemy import func, select

from app import demo
from app.models import Activity, Shift, ShiftAssignment, Team, TeamApplication, Volunteer
from app.services import campaigns, notices, rosters


def test_demo_campaigns(db):
    demo.load()
    db.session.commit()
    current = campaigns.list_campaigns(current_only=True)
    assert {c.kind for c in current} == {"theme", "campaign"}
    drive = next(c for c in current if c.kind == "campaign")
    assert db.session.scalar(select(func.count(Shift.id)).where(Shift.campaign_id == drive.id)) == 10
    zhang = db.session.scalar(select(Volunteer).where(Volunteer.phone == "13800000001"))
    assert len(rosters.my_shifts(zhang)) >= 6
    assert db.session.scalar(select(func.count(ShiftAssignment.id))) >= 6
    assert {r.area for r in rosters.report(drive)} == {"火车站南广场", "人民路口"}
    assert db.session.scalar(select(func.count(Activity.id)).where(Activity.requires_application.is_(True))) == 1
    [recruiting] = db.session.scalars(select(Team).where(Team.requires_application.is_(True))).all()
    [waiting] = db.session.scalars(select(TeamApplication).where(TeamApplication.team_id == recruiting.id)).all()
    assert waiting.status == "pending" and recruiting.member_count < recruiting.capacity
    unread, count = notices.for_home(zhang)
    assert count == 1 and unread[0].notice.title.startswith("关于开展文明劝导")
    assert demo.load() is False
