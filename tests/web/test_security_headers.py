"""Response headers: a Content-Security-Policy whose inline scripts carry the request's nonce,
no caching of anything personal, HSTS only in production."""
import re

from app import create_app
from config import ProductionConfig
from tests import factories as f
from tests.conftest import SECRETS


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_csp_allows_only_own_and_nonced_scripts_and_no_inline_styles(client, db):
    volunteer = f.volunteer()
    f.give_hours(volunteer, 3)
    f.login(client, volunteer.user)
    response = client.get("/me/")
    assert response.status_code == 200
    policy = _policy(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy["script-src"]).group(1)
    assert policy["style-src"] == "style-src 'self'"
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the home page has an inline chart script"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert " style=" not in html and "onclick=" not in html
    # a new nonce on every request
    assert _policy(client.get("/me/"))["script-src"] != policy["script-src"]


def test_no_template_has_an_un_nonced_inline_script_or_inline_handler(app):
    import pathlib
    root = pathlib.Path(app.root_path) / "templates"
    problems = []
    for path in root.rglob("*.html"):
        text = path.read_text()
        for attrs in re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", text):
            if "csp_nonce()" not in attrs:
                problems.append(f"{path.name}: <script{attrs}>")
        if re.search(r"\s(on[a-z]+|style)=\"", text) or "javascript:" in text:
            problems.append(f"{path.name}: inline handler or style")
    assert problems == []


def test_authenticated_pages_and_every_api_answer_are_not_cached(client, db):
    admin = f.platform_admin("boss")
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    f.login(client, admin)
    assert client.get("/admin/").headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"  # 401 too
    headers = f.api_token(client, "boss")
    assert client.get("/api/v1/me", headers=headers).headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_only_in_production(client, database_url, db):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    prod = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=database_url, SCHEDULER="off", **SECRETS)
    with prod.app_context():
        response = prod.test_client().get("/healthz")
        hsts = response.headers["Strict-Transport-Security"]
        db.session.remove()
    assert re.match(r"max-age=\d{7,}", hsts)
