"""Every route, checked the same way: a new route cannot forget its access check, its CSRF
protection, or turn odd input into a 500."""
import re

import pytest

from tests import factories as f

# Endpoints anyone may open. Everything else needs a login (pages) or a token (API).
PUBLIC = {
    "static", "main.index", "main.privacy", "main.set_language", "main.healthz",
    "auth.login", "auth.register", "auth.logout", "api-docs.openapi_json",
    "api_accounts.create_token", "api_accounts.register_volunteer",
    "certificates.check", "coupons.merchants", "coupons.logo",
    # QR landing pages: GET explains and offers a login; the action needs one
    "merchant.coupon_code", "merchant.card_code", "scan.post_code", "scan.show",
    "guardian.consent",  # the link texted to a minor's guardian
    "password_reset.forgot", "password_reset.reset",  # 忘记密码: for those who cannot log in
    "activation.start", "activation.confirm",  # first login of a volunteer a unit registered
    "api_catalogues.list_categories", "api_catalogues.list_skills",  # the catalogues forms and apps choose from
    # the installable app: its manifest and the offline scan shell (no personal data)
    "offline.manifest", "offline.scan_shell",
    # residents ask without an account, then follow and rate their need by its code
    "needs.new", "needs.track", "needs.rate", "api_needs.create_need", "api_needs.rate_need",
    "api_needs.get_need_status",
    # service projects recruit in public: the list and each project's page (signing up needs a login)
    "projects.index", "projects.show", "api_projects.list_projects", "api_projects.get_project",
    # photos: each area's rule decides (public column items for anyone, evidence for its admins),
    # and a hidden photo answers 404 like a missing one (tests/services/test_photos.py)
    "photos.full", "photos.thumb",
    # the public column (志愿风采): its lists, items and Atom feed are for everyone
    "column.index", "column.show", "column.feed",
    # 公示 of commendations: anyone reads, objects (with a contact) and votes (by a texted code)
    "honours.index", "honours.show", "honours.object", "honours.vote_code", "honours.vote",
}


def concrete(rule) -> str:
    """A URL for the rule with placeholder arguments."""
    def fill(match):
        converter = match.group(1) or ""
        name = match.group(2)
        if converter.startswith("int"):
            return "1"
        if name == "fmt":
            return "csv"
        return "not-a-real-token"
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def rules(app, method):
    return [r for r in app.url_map.iter_rules() if method in r.methods and r.endpoint not in PUBLIC
            and not r.endpoint.startswith("static")]


def test_pages_and_api_need_credentials(app, client):
    problems = []
    for rule in rules(app, "GET"):
        response = client.get(concrete(rule))
        if rule.rule.startswith("/api/"):
            ok = response.status_code == 401
        else:
            ok = response.status_code == 302 and "/login" in response.headers.get("Location", "")
        if not ok:
            problems.append(f"GET {rule.rule} ({rule.endpoint}) → {response.status_code}")
    token = f.csrf_token(client)
    for rule in rules(app, "POST"):
        if rule.rule.startswith("/api/"):
            response = client.post(concrete(rule), json={})
            ok = response.status_code == 401
        else:
            response = client.post(concrete(rule), data={"csrf_token": token})
            ok = response.status_code == 302 and "/login" in response.headers.get("Location", "")
        if not ok:
            problems.append(f"POST {rule.rule} ({rule.endpoint}) → {response.status_code}")
    assert problems == []


def test_portal_forms_refuse_a_post_without_csrf_token(app, client, db):
    f.login(client, f.platform_admin("boss"))
    problems = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith("/api/"):
            response = client.post(concrete(rule), data={})
            if response.status_code != 400:
                problems.append(f"POST {rule.rule} ({rule.endpoint}) → {response.status_code}")
    assert problems == []


@pytest.mark.parametrize("role", ["platform_admin", "unit_admin", "merchant", "volunteer"])
def test_no_page_answers_500_to_any_role(app, client, db, role):
    """Every GET route, with the demo data loaded (so lists and detail pages have rows)."""
    from app import demo
    from app.services.bulletins.snapshots import generate_bulletins
    demo.load()
    generate_bulletins()
    db.session.commit()
    username, password = next((u, p) for r, u, p in demo.LOGINS if r == role)
    f.login(client, username, password)
    headers = f.api_token(client, username, password)
    problems = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "logout" in rule.endpoint:
            continue
        response = client.get(concrete(rule), headers=headers if rule.rule.startswith("/api/") else {})
        if response.status_code >= 500:
            problems.append(f"GET {rule.rule} ({rule.endpoint}) → {response.status_code}")
    assert problems == []


def test_volunteers_and_merchants_are_kept_out_of_admin_pages(app, client, db):
    unit = f.unit()
    for user in (f.volunteer(unit).user, f.merchant_user()):
        f.login(client, user)
        problems = []
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/admin") and "GET" in rule.methods:
                status = client.get(concrete(rule)).status_code
                if status not in (403, 404):
                    problems.append(f"{user.role}: GET {rule.rule} → {status}")
        assert problems == []
        client.post("/logout", data={"csrf_token": f.csrf_token(client, "/privacy")})
