"""Codes the system keeps, in the words screens show."""
from app.labels import audit_label, job_title, schedule_text


def test_schedules_in_words(app):
    with app.test_request_context():
        assert schedule_text({"day": 1, "hour": 2, "minute": 0}) == "每月1日 02:00"
        assert schedule_text({"hour": 3, "minute": 17}) == "每天 03:17"
        assert schedule_text({"minute": "*/5"}) == "每5分钟"
        assert schedule_text({"minute": 7}) == "每小时第7分"
        assert schedule_text({"day_of_week": "mon"}) == "day_of_week=mon"  # an unusual shape, as it is


def test_audit_actions_and_jobs_in_words(app):
    with app.test_request_context():
        assert audit_label("record.checked_in") == "签到" and audit_label("record.approved") == "审核通过"
        assert audit_label("something.new") == "something.new"
        assert job_title("monthly_bulletins") == "生成月通报"
