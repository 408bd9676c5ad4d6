"""The demo shows people served at once: on the first project's page and at its station."""
from sqlalchemy import select

from app import demo
from app.models import Activity, PracticePlace, Project
from app.services import places, projects


def test_the_demo_has_people_served_on_a_project_activity_at_a_station_and_on_a_posts_day(db):
    demo.load()
    db.session.commit()
    project = db.session.scalar(select(Project).where(Project.title == "邻里守望·关爱空巢老人"))
    assert projects.figures(project).beneficiaries == 36 + 120
    activity = db.session.scalar(select(Activity).where(Activity.beneficiaries.is_not(None)))
    station = db.session.get(PracticePlace, activity.station_id)
    assert station.name == "东湖村新时代文明实践站" and places.station_figures(station).activities == 1
