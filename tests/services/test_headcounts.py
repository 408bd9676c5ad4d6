"""Unit kinds and headcounts: the registration rate against the platform's target, flagged
when the headcount is below the registered count, never above 100 %; units by kind."""
import pytest

from app.services import headcounts
from app.services.errors import Forbidden, ValidationFailed
from tests import factories as f


def test_rate_against_the_default_target_of_100_percent(db):
    admin, unit = f.platform_admin(), f.unit()
    for i in range(3):
        f.volunteer(unit, name=f"人{i}")
    assert headcounts.registration(unit).rate is None  # no headcount yet
    headcounts.set_profile(unit, kind="government", headcount=4, by=admin)
    reg = headcounts.registration(unit)
    assert (reg.registered, reg.headcount, reg.target, reg.percent) == (3, 4, 100, 75.0)
    assert not reg.flagged and reg.meets_target is False
    headcounts.set_target(70, by=admin)
    assert headcounts.registration(unit).meets_target is True


def test_a_headcount_below_the_registered_count_is_accepted_flagged_and_capped(db):
    admin, unit = f.platform_admin(), f.unit()
    for i in range(3):
        f.volunteer(unit, name=f"人{i}")
    headcounts.set_profile(unit, kind=None, headcount=2, by=admin)
    reg = headcounts.registration(unit)
    assert unit.headcount == 2 and reg.flagged and reg.rate == 1.0 and reg.percent == 100.0


@pytest.mark.parametrize("kind, headcount, field", [
    ("club", 10, "kind"), ("school", 0, "headcount"), ("school", -5, "headcount"),
    ("school", headcounts.HEADCOUNT_MAX + 1, "headcount"),
])
def test_bad_kinds_and_headcounts_are_refused(db, kind, headcount, field):
    unit = f.unit()
    with pytest.raises(ValidationFailed) as refused:
        headcounts.set_profile(unit, kind=kind, headcount=headcount, by=f.platform_admin())
    assert field in refused.value.fields


def test_only_the_units_own_admins_or_the_platform_admin_set_it(db):
    unit, other = f.unit(), f.unit()
    headcounts.set_profile(unit, kind="school", headcount=50, by=f.unit_admin(unit))
    with pytest.raises(Forbidden):
        headcounts.set_profile(unit, kind="school", headcount=60, by=f.unit_admin(other))
    with pytest.raises(Forbidden):
        headcounts.set_target(90, by=f.unit_admin(unit))
    for bad in (0, 101):
        with pytest.raises(ValidationFailed):
            headcounts.set_target(bad, by=f.platform_admin())
    assert headcounts.target() == 100


def test_the_city_counts_units_by_kind(db):
    admin = f.platform_admin()
    for kind in ("school", "school", "organisation", None):
        headcounts.set_profile(f.unit(admin=admin), kind=kind, headcount=None, by=admin)
    rows = {label: n for _kind, label, n in headcounts.units_by_kind()}
    assert rows["学校"] == 2 and rows["志愿服务组织"] == 1 and rows["企业"] == 0 and rows["未设置"] == 1
