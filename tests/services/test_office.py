"""The office's follow-up: rectification items (raise → reply → return → reply → close, with
every refusal and the audit trail) and task lists (progress counted from the ledger within the
task's window, replies, access), and their mail: a notice and one reminder, each sent once."""
from __future__ import annotations

import io
from datetime import timedelta
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from PIL import Image

from app.extensions import db
from app.models import Activity, OfficeTask
from app.services import audit, office_mail, office_tasks, rectifications
from app.services.clock import local_today, now
from app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.services.inputs import Upload
from tests import factories as f
from tests.services.test_bulletins import inbox  # noqa: F401  (the aiosmtpd fixture)


@pytest.fixture
def office(db):
    unit_a, unit_b = f.unit("甲单位"), f.unit("乙单位")
    unit_a.contact_email, unit_b.contact_email = "a@unit.test", "b@unit.test"
    db.session.commit()
    return {"admin": f.platform_admin(), "a": unit_a, "b": unit_b,
            "admin_a": f.unit_admin(unit_a), "admin_b": f.unit_admin(unit_b)}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def raise_one(o, days: int = 10, **kwargs):
    return rectifications.raise_item(o["a"].id, finding="宣传栏未更新", deadline=local_today() + timedelta(days=days),
                                     by=o["admin"], **kwargs)


def test_an_item_goes_from_raised_to_closed_and_every_step_is_audited(office):
    item = raise_one(office, source="2026年第三季度点评·无活动")
    assert item.status == "open" and item.source == "2026年第三季度点评·无活动"
    rectifications.reply(item, text="已更新宣传栏", files=[Upload("现场.png", png_bytes())], by=office["admin_a"])
    assert item.status == "replied" and [x.content_type for x in item.files] == ["image/png"]
    rectifications.return_item(item, reason="照片看不清", by=office["admin"])
    assert item.status == "open" and item.returned_reason == "照片看不清"
    rectifications.reply(item, text="已补拍照片", by=office["admin_a"])
    rectifications.close(item, by=office["admin"])
    assert item.status == "closed" and item.closed_at is not None
    assert [e.action for e in audit.trail(item)] == [
        "rectification.raised", "rectification.replied", "rectification.returned", "rectification.replied",
        "rectification.closed"]


def test_refusals_of_the_item_loop(office):
    with pytest.raises(Forbidden):
        rectifications.raise_item(office["a"].id, finding="x", deadline=local_today(), by=office["admin_a"])
    with pytest.raises(ValidationFailed) as past:
        raise_one(office, days=-1)
    assert "deadline" in past.value.fields
    with pytest.raises(ValidationFailed):
        raise_one(office, days=400)
    with pytest.raises(ValidationFailed) as huge:
        rectifications.raise_item(office["a"].id, finding="问" * 2001, deadline=local_today(), by=office["admin"])
    assert "finding" in huge.value.fields
    item = raise_one(office)
    with pytest.raises(Conflict):
        rectifications.close(item, by=office["admin"])  # nothing replied yet
    with pytest.raises(Forbidden):
        rectifications.reply(item, text="别的单位", by=office["admin_b"])
    with pytest.raises(NotFound):
        rectifications.get_item(office["admin_b"], item.id)  # another unit's reads as missing
    with pytest.raises(Forbidden):
        rectifications.close(item, by=office["admin_a"])
    rectifications.reply(item, text="已整改", by=office["admin_a"])
    with pytest.raises(Conflict):
        rectifications.reply(item, text="再答复", by=office["admin_a"])
    with pytest.raises(ValidationFailed):
        rectifications.return_item(item, reason="  ", by=office["admin"])


@pytest.mark.parametrize("upload, message", [
    (Upload("报告.pdf", b"just text, not a PDF"), "不是PDF或图片"),
    (Upload("fake.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40), "不是PDF或图片"),  # a PNG header, no image
    (Upload("big.pdf", b"%PDF-1.4" + b"0" * rectifications.FILE_MAX_BYTES), "超过5MB"),
])
def test_reply_files_are_checked_by_content_and_size(office, upload, message):
    item = raise_one(office)
    with pytest.raises(ValidationFailed) as refused:
        rectifications.reply(item, text="已整改", files=[upload], by=office["admin_a"])
    assert message in " ".join(refused.value.fields["files"])


def test_a_reply_file_keeps_a_safe_name_with_the_extension_of_its_content(office):
    item = raise_one(office)
    rectifications.reply(item, text="已整改", files=[Upload("../../etc/整改报告", b"%PDF-1.4 ...")],
                         by=office["admin_a"])
    assert item.files[0].filename == "整改报告.pdf" and item.files[0].content_type == "application/pdf"


def test_overdue_items_are_counted_per_unit(office):
    item = raise_one(office, days=1)
    raise_one(office, days=5)
    assert rectifications.overdue_count() == 0
    item.deadline = local_today() - timedelta(days=1)
    db.session.flush()
    assert rectifications.overdue_count() == 1 and rectifications.overdue_count(office["a"].id) == 1
    assert rectifications.overdue_count(office["b"].id) == 0


def _task(o, measure, target=None, units=None):
    return office_tasks.create_task(title="学雷锋月活动", text="每个单位开展活动", measure=measure, target=target,
                                    deadline=local_today() + timedelta(days=20), unit_ids=units, by=o["admin"])


def test_hours_progress_counts_the_units_own_volunteers_in_the_task_window(office):
    task = _task(office, "hours", target=10)
    task.starts_at = now() - timedelta(days=10)
    db.session.commit()
    mine, other = f.volunteer(office["a"]), f.volunteer(office["b"])
    f.give_hours(mine, 3, end=now() - timedelta(days=2))
    f.give_hours(mine, 4, end=now() - timedelta(days=20))  # before the window: not counted
    f.give_hours(other, 6, end=now() - timedelta(days=2))
    rows = {r.assignment.unit_id: r for r in office_tasks.progress(task.assignments)}
    assert rows[office["a"].id].value == 3 and rows[office["a"].id].percent == 30 and not rows[office["a"].id].done
    assert rows[office["b"].id].value == 6
    f.give_hours(mine, 7, end=now() - timedelta(days=3))
    assert office_tasks.progress([rows[office["a"].id].assignment])[0].done


def test_activity_and_training_progress_counts_what_the_unit_held(office):
    activities = _task(office, "activities", target=2, units=[office["a"].id])
    trainings = _task(office, "trainings", target=1, units=[office["a"].id])
    for task in (activities, trainings):
        task.starts_at = now() - timedelta(days=10)
    for kind, days, cancelled in (("service", 2, False), ("training", 3, False), ("service", 4, True),
                                  ("service", 30, False)):
        db.session.add(Activity(unit_id=office["a"].id, title="活动", kind=kind, is_cancelled=cancelled,
                                starts_at=now() - timedelta(days=days), ends_at=now() - timedelta(days=days, hours=-2)))
    db.session.commit()
    (a,) = office_tasks.progress(activities.assignments)
    (t,) = office_tasks.progress(trainings.assignments)
    assert (a.value, a.done) == (2, True)  # the service and the training, not the cancelled or the old one
    assert (t.value, t.done) == (1, True)


def test_a_reply_task_is_done_when_the_unit_replies_once(office):
    task = _task(office, "reply")
    assert [r.done for r in office_tasks.progress(task.assignments)] == [False, False]
    office_tasks.reply(task, text="已完成自查", by=office["admin_a"])
    done = {r.assignment.unit_id: r.done for r in office_tasks.progress(task.assignments)}
    assert done == {office["a"].id: True, office["b"].id: False}
    with pytest.raises(Conflict):
        office_tasks.reply(task, text="再答复", by=office["admin_a"])
    assert [r.assignment.task_id for r in office_tasks.tasks_for(office["admin_b"], open_only=True)] == [task.id]
    assert office_tasks.tasks_for(office["admin_a"], open_only=True) == []


def test_task_refusals_and_access(office):
    with pytest.raises(Forbidden):
        office_tasks.create_task(title="t", text="t", measure="reply", target=None,
                                 deadline=local_today(), unit_ids=None, by=office["admin_a"])
    for measure, target, units, field in (("hours", None, None, "target"), ("hours", 0, None, "target"),
                                          ("stars", 1, None, "measure"), ("reply", None, [999999], "unit_ids")):
        with pytest.raises(ValidationFailed) as refused:
            _task(office, measure, target, units)
        assert field in refused.value.fields
    task = _task(office, "reply", units=[office["a"].id])
    with pytest.raises(NotFound):
        office_tasks.get_task(office["admin_b"], task.id)
    with pytest.raises(NotFound):
        office_tasks.reply(task, text="不是我的", by=office["admin_b"])
    assert office_tasks.get_task(office["admin_a"], task.id) is task


def _subjects(inbox) -> list[str]:  # noqa: F811
    return [str(make_header(decode_header(message_from_bytes(m.content)["Subject"]))) for m in inbox.messages]


def test_notices_and_one_reminder_go_out_once(office, inbox):  # noqa: F811
    near = raise_one(office, days=2)
    raise_one(office, days=30)
    task = _task(office, "reply", units=[office["b"].id])
    db.session.commit()
    first = office_mail.send_due(now())
    assert first == {"notices": 3, "reminders": 1}  # the item due in 2 days is reminded at once
    assert office_mail.send_due(now()) == {"notices": 0, "reminders": 0}
    subjects = _subjects(inbox)
    assert sum("下发整改事项" in s for s in subjects) == 2 and sum("即将到期" in s for s in subjects) == 1
    assert any("派发任务" in s for s in subjects)
    # the task nears its deadline: reminded once unless done
    task_obj = db.session.get(OfficeTask, task.id)
    task_obj.deadline = local_today() + timedelta(days=1)
    db.session.commit()
    assert office_mail.send_due(now()) == {"notices": 0, "reminders": 1}
    assert office_mail.send_due(now()) == {"notices": 0, "reminders": 0}
    assert near.reminded_at is not None


def test_a_done_task_gets_no_reminder(office, inbox):  # noqa: F811
    task = _task(office, "reply", units=[office["a"].id])
    db.session.commit()
    office_mail.send_due(now())
    office_tasks.reply(task, text="已完成", by=office["admin_a"])
    task.deadline = local_today() + timedelta(days=1)
    db.session.commit()
    assert office_mail.send_due(now()) == {"notices": 0, "reminders": 0}


def test_without_smtp_nothing_is_marked_sent(office):
    raise_one(office)
    db.session.commit()
    assert office_mail.send_due(now()) == {"notices": 0, "reminders": 0}
    assert rectifications.list_items(office["admin"])[0].notified_at is None
