"""Every page a volunteer or a merchant opens on a phone: accessible (axe-core), Chinese,
and no sideways scrolling on a 360 px screen. Problems are gathered page by page, so one
run lists them all (with a screenshot of each page that has one)."""
from urllib.parse import urlsplit

import pytest
from _pytest.outcomes import Failed
from sqlalchemy import select

from app.extensions import db
from app.models import Post
from app.services import attendance, posts, qr
from app.services.clock import now
from app.services.incentives.counter import redeem
from app.services.incentives.coupons import claim_coupon, coupon_code
from app.services.incentives.merchants import create_merchant, create_merchant_account
from app.services.incentives.offers import OfferInput, create_offer
from tests import factories as f
from tests.browser.helpers import assert_fits_phone, check_a11y, shot
from tests.browser.test_foundation import log_in

pytestmark = pytest.mark.browser


def sweep(page, paths: list[str], prefix: str, phone: bool = True) -> list[str]:
    problems = []
    checks = (check_a11y, assert_fits_phone) if phone else (check_a11y,)
    for path in paths:
        found = len(problems)
        if "#" in path:  # a coupon or card QR: the page posts the code after the # itself
            with page.expect_response(lambda r: r.url.endswith("/merchant/code")) as posted:
                page.goto(path)
            page.wait_for_load_state()
            response = posted.value
        else:
            response = page.goto(path)
        if response.status >= 400:
            problems.append(f"{path}: HTTP {response.status}")
        if page.evaluate("document.documentElement.lang") != "zh-CN":
            problems.append(f"{path}: page language is not zh-CN")
        for check in checks:
            try:
                check(page)
            except Failed as exc:
                problems.append(str(exc))
        if len(problems) > found:  # a picture of each page with a problem
            shot(page, "sweep-" + prefix + (urlsplit(path).path.strip("/").replace("/", "-")[:24] or "index"))
    return problems


def scenario():
    admin = f.platform_admin()
    volunteer = f.volunteer(f.unit("阳光街道"), name="欧阳志愿")
    f.give_hours(volunteer, 320)
    shop = create_merchant(name="志愿者之家便利店", address="人民路18号", by=admin, approved=True)
    clerk = create_merchant_account(shop, username="shop", password=f.PASSWORD, name="周店长", by=admin)
    offers = [create_offer(shop, OfferInput(title=title, min_star=star, description=text), by=admin)
              for title, star, text in [("饮品第二杯半价", 1, "任意饮品"), ("全场九折", 2, "满30元可用"),
                                        ("免费领取生活用品一份", 3, "毛巾或洗衣液")]]
    used = claim_coupon(volunteer, offers[0])
    kept = claim_coupon(volunteer, offers[1])
    db.session.flush()
    redeem(used.id, shop, by=clerk)
    db.session.commit()
    url, _ = coupon_code(kept)
    card_url, _ = qr.make_url("card", {"v": volunteer.id})
    post = posts.create_post(volunteer.unit_id, posts.PostInput(name="文化广场服务岗", address="文化广场东门"),
                             by=admin)
    db.session.commit()
    attendance.check_in(volunteer, post, at=now())
    db.session.commit()
    return volunteer, used, kept, url, card_url


def test_phone_pages_fit_and_are_accessible(app, browser_context):
    volunteer, used, kept, coupon_url, card_url = scenario()
    problems = []

    anonymous = browser_context("phone").new_page()
    poster_url = posts.scan_url(db.session.scalar(select(Post)))
    problems += sweep(anonymous, ["/", "/login", "/register", "/activate", "/privacy", "/merchants", poster_url], "anon-")

    phone = browser_context("phone").new_page()
    log_in(phone, volunteer.user.username)
    problems += sweep(phone, ["/me/", "/me/records", "/me/card", "/coupons/", f"/coupons/{kept.id}",
                              f"/coupons/{used.id}", "/merchants", poster_url], "volunteer-")

    shop = browser_context("phone").new_page()
    log_in(shop, "shop")
    problems += sweep(shop, ["/merchant/", coupon_url, card_url, f"/merchant/redeemed/{used.id}",
                             "/merchant/offers", "/merchant/dashboard"], "merchant-")

    assert not problems, "\n\n".join(problems)
