"""Offline check-in: signed taps uploaded later — signature, revoked devices, replays, late
uploads, clock skew, overlaps with online sessions, posters rotated after the tap."""
import base64
import json
import uuid
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import OfflineTap, ServiceRecord
from app.services import attendance, ledger, offline_taps, posts, tap_devices
from app.services.clock import now
from app.services.errors import Conflict, ValidationFailed
from tests import factories as f


class Phone:
    """A phone's browser as WebCrypto makes it: a P-256 key whose public half is registered,
    and taps signed in the raw r||s form WebCrypto gives."""

    def __init__(self, volunteer, register: bool = True):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.public_key = base64.b64encode(self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
        self.device = tap_devices.register_device(volunteer, self.public_key, label="test phone") if register else None
        if register:
            _db.session.commit()

    def tap(self, code, at, *, lat=None, lng=None, key=None, signer=None, device_id=None):
        payload = json.dumps({"id": key or uuid.uuid4().hex, "code": code, "tapped_at": at.isoformat(),
                              "lat": lat, "lng": lng})
        der = (signer or self.key).sign(payload.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        signature = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
        return offline_taps.TapIn(device_id=device_id or self.device.id, payload=payload, signature=signature)


def make_post(unit, **settings):
    post = posts.create_post(unit.id, posts.PostInput(name=settings.pop("name", "河滨公园服务岗"), **settings), by=None)
    _db.session.commit()
    return post


@pytest.fixture
def unit(db):
    return f.unit("滨江街道")


@pytest.fixture
def volunteer(unit):
    return f.volunteer(unit, name="李四")


@pytest.fixture
def phone(volunteer):
    return Phone(volunteer)


def sync(volunteer, *taps, clock_behind=timedelta(0)):
    """Upload now; the device's clock reads `clock_behind` less than the server's."""
    results = offline_taps.sync(volunteer, list(taps), sent_at=now() - clock_behind)
    _db.session.commit()
    return results


def records_of(volunteer):
    return list(_db.session.scalars(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id)
                                    .order_by(ServiceRecord.started_at)))


def test_a_valid_pair_of_taps_checks_in_and_out_at_the_device_times(unit, volunteer, phone):
    post = make_post(unit)
    code = posts.scan_url(post)
    t0 = now().replace(microsecond=0) - timedelta(hours=5)
    results = sync(volunteer, phone.tap(code, t0), phone.tap(code, t0 + timedelta(hours=2)))
    assert [(r.outcome, r.action) for r in results] == [("accepted", "check_in"), ("accepted", "check_out")]
    [record] = records_of(volunteer)
    assert (record.started_at, record.ended_at) == (t0, t0 + timedelta(hours=2))
    assert record.status == "pending" and record.seconds == 2 * 3600 and record.flag_list == ["offline"]
    assert results[1].as_dict()["record"]["id"] == record.id
    taps = offline_taps.taps_of_record(record.id)
    assert [t.device_time for t in taps] == [t0, t0 + timedelta(hours=2)]
    assert all(t.clock_offset_seconds == 0 and t.outcome == "accepted" for t in taps)
    assert phone.device.last_used_at is not None


def test_taps_are_taken_in_the_order_they_were_made(unit, volunteer, phone):
    code = posts.scan_url(make_post(unit))
    t0 = now() - timedelta(hours=4)
    out, in_ = phone.tap(code, t0 + timedelta(hours=1)), phone.tap(code, t0)
    results = sync(volunteer, out, in_)
    assert [r.action for r in results] == ["check_out", "check_in"]  # one result per tap, as given
    [record] = records_of(volunteer)
    assert record.seconds == 3600


def test_a_forged_signature_is_refused_and_records_nothing(unit, volunteer, phone):
    code = posts.scan_url(make_post(unit))
    t0 = now() - timedelta(hours=3)
    stranger = ec.generate_private_key(ec.SECP256R1())
    forged = phone.tap(code, t0, signer=stranger)
    tampered = phone.tap(code, t0)
    tampered.payload = tampered.payload.replace('"lat": null', '"lat": 1')
    garbage = phone.tap(code, t0)
    garbage.signature = "not base64!"
    results = sync(volunteer, forged, tampered, garbage)
    assert [r.error_code for r in results] == ["bad_signature"] * 3
    assert records_of(volunteer) == []
    assert _db.session.scalar(select(func.count()).select_from(OfflineTap)) == 0


def test_a_tap_from_a_revoked_device_is_refused(unit, volunteer, phone):
    code = posts.scan_url(make_post(unit))
    tap = phone.tap(code, now() - timedelta(hours=1))  # queued before the phone was revoked
    tap_devices.revoke_device(phone.device, by=volunteer.user)
    _db.session.commit()
    [result] = sync(volunteer, tap)
    assert (result.outcome, result.error_code) == ("refused", "device_revoked")
    assert records_of(volunteer) == []
    with pytest.raises(Conflict):  # the revoked key cannot come back
        tap_devices.register_device(volunteer, phone.public_key)


def test_another_volunteers_device_is_unknown(unit, volunteer, phone):
    other = f.volunteer(unit, name="王五")
    code = posts.scan_url(make_post(unit))
    [result] = sync(other, phone.tap(code, now() - timedelta(hours=1)))
    assert result.error_code == "unknown_device" and records_of(other) == [] and records_of(volunteer) == []


def test_a_replayed_tap_counts_once(unit, volunteer, phone):
    post = make_post(unit, auto_approve=True)
    code = posts.scan_url(post)
    t0 = now() - timedelta(hours=4)
    batch = [phone.tap(code, t0), phone.tap(code, t0 + timedelta(hours=1, minutes=30))]
    first = sync(volunteer, *batch)
    again = sync(volunteer, *batch)
    assert [r.replay for r in first] == [False, False] and [r.replay for r in again] == [True, True]
    assert [r.as_dict()["record"]["id"] for r in again] == [r.as_dict()["record"]["id"] for r in first]
    assert [r.action for r in again] == ["check_in", "check_out"]
    [record] = records_of(volunteer)
    assert record.status == "approved" and volunteer.approved_seconds == 90 * 60
    assert ledger.ledger_mismatches() == []
    # the same key twice in one batch too
    t1 = now() - timedelta(hours=2)
    twice = phone.tap(code, t1, key="same-key-123")
    results = sync(volunteer, twice, twice)
    assert [r.replay for r in results] == [False, True] and len(records_of(volunteer)) == 2


def test_a_late_upload_is_taken_but_flagged_for_review(unit, volunteer, phone):
    post = make_post(unit, auto_approve=True)
    code = posts.scan_url(post)
    t0 = now() - timedelta(hours=80)
    results = sync(volunteer, phone.tap(code, t0), phone.tap(code, t0 + timedelta(hours=2)))
    assert [r.outcome for r in results] == ["accepted", "accepted"]
    assert all("late_upload" in r.flags for r in results)
    [record] = records_of(volunteer)
    assert record.status == "pending" and "late_upload" in record.flag_list  # waits for a person
    assert volunteer.approved_seconds == 0
    # within 72 hours: no flag
    t1 = now() - timedelta(hours=70)
    [late_enough] = sync(volunteer, phone.tap(code, t1))
    assert late_enough.outcome == "accepted" and late_enough.flags == ["offline"]


def test_clock_skew_is_corrected_and_beyond_ten_minutes_flagged(unit, volunteer, phone):
    code = posts.scan_url(make_post(unit))
    real = now().replace(microsecond=0) - timedelta(hours=6)
    # the phone's clock is 3 minutes behind: corrected, not flagged
    small = timedelta(minutes=3)
    results = sync(volunteer, phone.tap(code, real - small), phone.tap(code, real + timedelta(hours=1) - small),
                   clock_behind=small)
    [record] = records_of(volunteer)
    assert abs(record.started_at - real) <= timedelta(seconds=2) and record.flag_list == ["offline"]
    assert [r.flags for r in results] == [["offline"], ["offline"]]
    # 40 minutes behind: corrected and flagged for review
    skew = timedelta(minutes=40)
    later = real + timedelta(hours=2)
    results = sync(volunteer, phone.tap(code, later - skew), phone.tap(code, later + timedelta(hours=1) - skew),
                   clock_behind=skew)
    assert all("clock_skew" in r.flags and r.outcome == "accepted" for r in results)
    second = records_of(volunteer)[1]
    assert abs(second.started_at - later) <= timedelta(seconds=2) and "clock_skew" in second.flag_list
    tap = _db.session.scalar(select(OfflineTap).where(OfflineTap.record_id == second.id).limit(1))
    assert abs(tap.clock_offset_seconds - 40 * 60) <= 2 and tap.device_time == later - skew


def test_a_tap_in_the_future_is_refused(unit, volunteer, phone):
    code = posts.scan_url(make_post(unit))
    [result] = sync(volunteer, phone.tap(code, now() + timedelta(minutes=30)))
    assert (result.outcome, result.error_code) == ("refused", "in_future")
    assert records_of(volunteer) == []
    # refused taps are kept too: a second upload gives the same answer
    stored = _db.session.scalar(select(OfflineTap))
    assert stored.outcome == "refused" and stored.record_id is None


def test_a_tap_overlapping_an_online_record_is_refused(unit, volunteer, phone):
    post = make_post(unit)
    code = posts.scan_url(post)
    t0 = now() - timedelta(hours=6)
    attendance.scan(volunteer, code, at=t0)
    attendance.scan(volunteer, code, at=t0 + timedelta(hours=2))
    _db.session.commit()
    [result] = sync(volunteer, phone.tap(code, t0 + timedelta(hours=1)))
    assert result.outcome == "refused" and result.error_code == "conflict"
    assert len(records_of(volunteer)) == 1


def test_a_tap_at_the_post_of_an_open_online_session_checks_it_out(unit, volunteer, phone):
    post = make_post(unit)
    code = posts.scan_url(post)
    t0 = now() - timedelta(hours=3)
    attendance.scan(volunteer, code, at=t0)  # checked in online, then signal dropped
    _db.session.commit()
    earlier, out = phone.tap(code, t0 - timedelta(hours=1)), phone.tap(code, t0 + timedelta(hours=2))
    results = sync(volunteer, earlier, out)
    assert results[0].outcome == "refused" and results[0].error_code == "conflict"
    assert (results[1].outcome, results[1].action) == ("accepted", "check_out")
    [record] = records_of(volunteer)
    assert record.seconds == 2 * 3600 and record.source == "scan" and "offline" in record.flag_list
    # a tap at another post while a session is open there: refused, the open one is kept
    attendance.scan(volunteer, code, at=now() - timedelta(minutes=30))
    _db.session.commit()
    elsewhere = posts.scan_url(make_post(unit, name="公交站服务岗"))
    [result] = sync(volunteer, phone.tap(elsewhere, now() - timedelta(minutes=10)))
    assert result.error_code == "open_elsewhere"


def test_a_poster_rotated_after_the_tap_still_counts(unit, volunteer, phone):
    post = make_post(unit)
    old_code = posts.scan_url(post)
    t0 = now() - timedelta(hours=3)
    before = [phone.tap(old_code, t0), phone.tap(old_code, t0 + timedelta(hours=1))]
    posts.rotate_code(post, by=None)  # the admin rotates the code after the taps, before the upload
    _db.session.commit()
    results = sync(volunteer, *before)
    assert [r.outcome for r in results] == ["accepted", "accepted"]
    assert records_of(volunteer)[0].seconds == 3600
    # a tap with the old poster made after the rotation is refused
    [after] = offline_taps.sync(volunteer, [phone.tap(old_code, now() + timedelta(seconds=5))],
                                sent_at=now() + timedelta(seconds=10), received_at=now() + timedelta(seconds=10))
    assert after.error_code == "code_rotated"


def test_a_kiosk_code_counts_within_its_lifetime_at_the_tap(unit, volunteer, phone):
    post = make_post(unit)
    kiosk, _expires = posts.kiosk_code(post)
    [result] = sync(volunteer, phone.tap(kiosk, now() - timedelta(seconds=2)))
    assert result.outcome == "accepted"
    [result] = sync(volunteer, phone.tap(kiosk, now() - timedelta(hours=2)))  # before the code was shown
    assert result.error_code == "code_expired"


def test_a_bad_public_key_or_payload_is_refused(unit, volunteer, phone):
    with pytest.raises(ValidationFailed):
        tap_devices.register_device(volunteer, "bm90IGEga2V5")
    rsa_like = base64.b64encode(ec.generate_private_key(ec.SECP384R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
    with pytest.raises(ValidationFailed):
        tap_devices.register_device(volunteer, rsa_like)
    code = posts.scan_url(make_post(unit))
    bad = phone.tap(code, now())
    for payload in ("[]", '{"id": "x", "code": "", "tapped_at": "yesterday"}', "{"):
        der = phone.key.sign(payload.encode(), ec.ECDSA(hashes.SHA256()))
        item = offline_taps.TapIn(device_id=phone.device.id, payload=payload,
                                  signature=base64.b64encode(der).decode())  # DER is taken too
        [result] = sync(volunteer, item)
        assert result.error_code == "invalid_tap"
    assert bad.device_id == phone.device.id and records_of(volunteer) == []
    # the same public key registered again is the same device
    assert tap_devices.register_device(volunteer, phone.public_key).id == phone.device.id


def test_rebinding_a_lost_phones_account_revokes_its_devices(unit, volunteer, phone):
    from app.services import volunteers
    second = Phone(volunteer)
    admin = f.unit_admin(unit)
    volunteers.rebind(volunteer, phone=f.unique_phone(), password="new-pass-2026-x", by=admin, identity_checked=True)
    _db.session.commit()
    assert [d.is_active for d in tap_devices.list_devices(volunteer)] == [False, False]
    [result] = sync(volunteer, second.tap(posts.scan_url(make_post(unit)), now() - timedelta(hours=1)))
    assert result.error_code == "device_revoked"


@pytest.mark.race
def test_the_same_batch_uploaded_twice_at_once_counts_once(app, unit, volunteer, phone):
    import threading

    from app.models import Volunteer
    code = posts.scan_url(make_post(unit, auto_approve=True))
    t0 = now() - timedelta(hours=3)
    taps = [phone.tap(code, t0), phone.tap(code, t0 + timedelta(hours=1))]
    volunteer_id = volunteer.id
    _db.session.commit()
    _db.session.close()  # the test's own session must hold no lock while the uploads race
    barrier = threading.Barrier(4)
    outcomes = []

    def upload():
        with app.app_context():
            try:
                barrier.wait()
                results = offline_taps.sync(_db.session.get(Volunteer, volunteer_id), taps, sent_at=now())
                outcomes.append([(r.outcome, r.action, r.replay) for r in results])
                _db.session.commit()
            except Exception as exc:
                outcomes.append(repr(exc))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == sorted([[("accepted", "check_in", False), ("accepted", "check_out", False)]]
                                      + [[("accepted", "check_in", True), ("accepted", "check_out", True)]] * 3)
    assert _db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 1
    assert _db.session.scalar(select(func.count()).select_from(OfflineTap)) == 2
    assert _db.session.get(Volunteer, volunteer_id).approved_seconds == 3600
