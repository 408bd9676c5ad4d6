"""Every admin page on an office PC passes axe-core, for the platform admin and a unit admin."""
import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Post, ServiceRecord
from tests import factories as f
from tests.browser.test_foundation import log_in
from tests.browser.test_phone_pages import scenario, sweep

pytestmark = pytest.mark.browser


def admin_paths(app, role: str) -> list[str]:
    """Every GET page without arguments the role's navigation reaches, plus a few details."""
    from app.formatting import NAVIGATION
    with app.test_request_context():
        from flask import url_for
        return [url_for(endpoint) for endpoint, _ in NAVIGATION[role] if endpoint in app.view_functions]


def test_admin_pages_are_accessible(app, browser_context):
    volunteer, used, *_ = scenario()
    unit_id, volunteer_id, merchant_id = volunteer.unit_id, volunteer.id, used.merchant_id
    platform = f.platform_admin("pages-admin")
    unit_admin = f.unit_admin(volunteer.unit, username="pages-unit")
    post_id = db.session.scalar(select(Post.id))
    record_id = db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.post_id == post_id))
    db.session.commit()
    post_pages = [f"/admin/posts/{post_id}", f"/admin/posts/{post_id}/kiosk", f"/admin/posts/{post_id}/kiosk/card",
                  "/admin/posts/new", f"/admin/records/{record_id}", "/admin/records/?status="]
    problems = []

    page = browser_context("desktop").new_page()
    log_in(page, platform.username)
    problems += sweep(page, admin_paths(app, "platform_admin") + [
        f"/admin/units/{unit_id}", f"/admin/volunteers/{volunteer_id}", "/admin/units/new",
        f"/admin/merchants/{merchant_id}", "/certificates/", "/admin/exports", "/admin/exports/profile"] + post_pages,
        "platform-", phone=False)

    page = browser_context("desktop").new_page()
    log_in(page, unit_admin.username)
    problems += sweep(page, admin_paths(app, "unit_admin") + [
        f"/admin/units/{unit_id}", f"/admin/volunteers/{volunteer_id}", "/admin/records/new",
        "/admin/records/import", "/admin/exports", "/admin/volunteers/import"] + post_pages, "unit-", phone=False)

    assert not problems, "\n\n".join(problems)
