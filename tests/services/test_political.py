"""Political status: given by the volunteer with its own consent, seen only by the volunteer
and the admins of the volunteer's unit, counted in aggregates only."""
from datetime import timedelta

import pytest

from app.services import political
from app.services.clock import now
from app.services.errors import Forbidden, ValidationFailed
from tests import factories as f


def test_the_volunteer_gives_it_with_consent_and_can_withdraw_it(db):
    volunteer = f.volunteer()
    with pytest.raises(ValidationFailed) as refused:
        political.set_status(volunteer, "party_member", consent=False, by=volunteer.user)
    assert "political_consent" in refused.value.fields
    with pytest.raises(ValidationFailed):
        political.set_status(volunteer, "emperor", consent=True, by=volunteer.user)
    political.set_status(volunteer, "party_member", consent=True, by=volunteer.user)
    assert volunteer.political_status == "party_member" and volunteer.political_consent_at is not None
    political.set_status(volunteer, None, consent=False, by=volunteer.user)
    assert volunteer.political_status is None and volunteer.political_consent_at is None


def test_nobody_else_sets_it(db):
    volunteer = f.volunteer()
    for other in (f.unit_admin(volunteer.unit), f.platform_admin(), f.volunteer().user):
        with pytest.raises(Forbidden):
            political.set_status(volunteer, "masses", consent=True, by=other)


def test_only_the_volunteer_and_their_units_admins_see_it(db):
    volunteer = f.volunteer()
    political.set_status(volunteer, "league_member", consent=True, by=volunteer.user)
    assert political.status_for(volunteer.user, volunteer) == "共青团员"
    assert political.status_for(f.unit_admin(volunteer.unit), volunteer) == "共青团员"
    assert political.status_for(f.unit_admin(), volunteer) is None  # another unit's admin
    assert political.status_for(f.platform_admin(), volunteer) is None
    assert political.status_for(f.merchant_user(), volunteer) is None
    assert political.status_for(None, volunteer) is None


def test_party_members_and_their_hours_are_counted_as_aggregates(db):
    admin = f.platform_admin()
    unit, other = f.unit(admin=admin), f.unit(admin=admin)
    member, probationary, masses = f.volunteer(unit), f.volunteer(unit), f.volunteer(unit)
    far_member = f.volunteer(other)
    for person, status in ((member, "party_member"), (probationary, "probationary_member"), (masses, "masses"),
                           (far_member, "party_member")):
        political.set_status(person, status, consent=True, by=person.user)
    db.session.commit()
    for person in (member, probationary, masses, far_member):
        f.give_hours(person, 2, by=admin)
    start, end = now() - timedelta(days=30), now() + timedelta(days=1)
    assert political.party_figures(unit.id, start, end) == {"party_members": 2, "party_member_hours": 4.0}
    assert political.party_figures(None, start, end) == {"party_members": 3, "party_member_hours": 6.0}
