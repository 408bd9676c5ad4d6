"""The audit trail's rows: a new or changed row of a unit is filed under that row's own unit,
and each step names the facts a reader of the trail needs (a coupon its offer, merchant and
volunteer; an offer its merchant and title; a record its source, hours and review)."""
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from app.services import audit, ledger, team_recruitment, teams
from app.services.clock import now
from app.services.incentives.counter import redeem
from app.services.incentives.coupons import claim_coupon
from app.services.incentives.merchants import create_merchant
from app.services.incentives.offers import OfferInput, create_offer, update_offer
from tests import factories as f


def entries(obj) -> list[tuple[str, int | None, dict]]:
    return [(e.action, e.unit_id, e.data) for e in audit.trail(obj)]


def test_added_gives_the_row_its_id_and_changed_flushes_the_change_both_under_the_rows_unit(db):
    unit = f.unit()
    admin = f.unit_admin(unit)
    team = teams.create_team(teams.TeamInput(name="应急救援队", level="corps", unit_id=unit.id), by=admin)
    team_recruitment.set_recruitment(team, requires_application=True, capacity=5, by=admin)
    stored = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "team.recruitment_set")).one()
    assert (stored.unit_id, stored.object_id, stored.data) == (
        unit.id, team.id, {"requires_application": True, "capacity": 5})
    volunteer = f.volunteer(unit)
    end = now() - timedelta(hours=1)
    record = ledger.create_record(volunteer, started_at=end - timedelta(hours=2), ended_at=end, by=admin,
                                  status="pending")
    assert record.id is not None
    ledger.reject(record, by=admin, reason="重复录入")
    created, rejected = entries(record)
    assert created == ("record.created", unit.id, {"source": "manual", "seconds": 7200,
                                                   "volunteer_id": volunteer.id})
    assert rejected == ("record.rejected", unit.id, {"was": "pending", "seconds": 7200})
    assert audit.trail(record)[1].reason == "重复录入"


def test_a_coupons_and_an_offers_steps_name_what_they_belong_to(db):
    admin = f.platform_admin()
    merchant = create_merchant(name="志愿者之家便利店", by=admin, approved=True)
    offer = create_offer(merchant, OfferInput(title="九折", min_star=1, quantity=5), by=None)
    update_offer(offer, OfferInput(title="八折", min_star=1, quantity=5), by=None)
    assert entries(offer) == [
        ("offer.created", None, {"merchant_id": merchant.id, "title": "九折", "min_star": 1, "quantity": 5}),
        ("offer.updated", None, {"merchant_id": merchant.id, "title": "八折"}),
    ]
    volunteer = f.volunteer()
    f.give_hours(volunteer, 300)
    coupon = claim_coupon(volunteer, offer)
    redeem(coupon.id, merchant, by=None)
    names = {"offer_id": offer.id, "merchant_id": merchant.id, "volunteer_id": volunteer.id}
    assert entries(coupon) == [("coupon.claimed", None, names), ("coupon.redeemed", None, names)]
