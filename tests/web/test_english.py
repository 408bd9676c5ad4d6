"""English everywhere: every page, as every role, and every PDF, rendered in English, shows no
Chinese outside names and data (units, posts, people, merchants, offers, notes)."""
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import String, Text, select

from app import demo
from app.extensions import db as _db
from app.models import (
    Activity,
    Bulletin,
    InsuranceCover,
    OfficeTask,
    Post,
    PracticePlace,
    Project,
    Rectification,
    RectificationFile,
    ServiceRecord,
    Team,
    User,
    Volunteer,
)
from app.services import certificates, guardians, posts, qr, records_export
from app.services.bulletins.snapshots import generate_bulletins
from app.services.clock import local_today
from app.services.incentives.coupons import claim_coupon, coupon_code
from app.services.incentives.offers import offers_for_volunteer
from app.services.months import Month
from tests import factories as f

CJK = re.compile(r"[\u3400-\u9fff]+")
# a language's own name stays in its language on the switcher
NATIVE = ["中文"]
MASKED = re.compile(r"[\u3400-\u9fff]\*+[\u3400-\u9fff]?")
PASSWORDS = {"admin": "admin-star-2026", "unit1": "unit12345", "unit2": "unit12345",
             "13800000001": "volunteer-star-2026", "merchant": "merchant123"}


@pytest.fixture
def world(db):
    """The demo data, plus a month's bulletins, a certificate, a coupon and a minor."""
    demo.load()
    _db.session.commit()
    generate_bulletins(Month.current().previous())
    volunteer = _db.session.scalar(select(Volunteer).where(Volunteer.phone == "13800000001"))
    certificate = certificates.issue(volunteer, by=volunteer.user)
    offer = next(view.offer for view in offers_for_volunteer(volunteer) if view.state == "claimable")
    coupon = claim_coupon(volunteer, offer)
    minor = f.volunteer(volunteer.unit, name="李小龙", birth=local_today().replace(year=local_today().year - 16, day=1),
                        guardian_name="李大龙", guardian_phone="13912345678")
    guardian_link = guardians.send_consent_link(minor, by=None, at=minor.guardian_token_sent_at
                                                + timedelta(minutes=5))
    _db.session.commit()
    post = _db.session.scalar(select(Post).where(Post.unit_id == volunteer.unit_id).order_by(Post.id))
    activity = _db.session.scalar(select(Activity).where(Activity.unit_id == volunteer.unit_id).order_by(Activity.id))
    record = _db.session.scalar(select(ServiceRecord).where(ServiceRecord.volunteer_id == volunteer.id))
    unit_bulletin = _db.session.scalar(select(Bulletin).where(Bulletin.unit_id == volunteer.unit_id))
    city_bulletin = _db.session.scalar(select(Bulletin).where(Bulletin.unit_id.is_(None)))
    unit_admin = _db.session.scalar(select(User).where(User.username == "unit1"))
    merchant_user = _db.session.scalar(select(User).where(User.username == "merchant"))
    from app.services import needs
    need, _code = needs.submit_need(needs.NeedInput(category_id=1, text="帮忙买菜", place="幸福小区", name="王阿姨",
                                                    phone="13812345678", wished_date=local_today(),
                                                    unit_id=unit_admin.unit_id))
    needs.dispatch(need, "accept", by=unit_admin)
    needs.publish(need, 2, by=unit_admin)
    needs.sign_up(volunteer, need)
    export = records_export.request_export(records_export.ExportRequest(
        local_today() - timedelta(days=30), local_today()), by=unit_admin)
    item = _db.session.scalar(select(Rectification).where(Rectification.unit_id == volunteer.unit_id))
    item_file = RectificationFile(item=item, filename="report.pdf", content_type="application/pdf", size=9,
                                  data=b"%PDF-1.4\n")
    _db.session.add(item_file)
    task = _db.session.scalar(select(OfficeTask))
    _db.session.commit()
    return {
        "ids": {"unit_id": volunteer.unit_id, "post_id": post.id, "volunteer_id": volunteer.id,
                "record_id": record.id, "merchant_id": merchant_user.merchant_id, "offer_id": offer.id,
                "coupon_id": coupon.id, "bulletin_id": unit_bulletin.id, "cert_id": certificate.id, "activity_id": activity.id,
                "user_id": unit_admin.id, "category_id": 1, "need_id": need.id, "job_id": export.id,
                "cover_id": _db.session.scalar(select(InsuranceCover.id)),
                "team_id": _db.session.scalar(select(Team.id).where(Team.name == "扶老助残第1小队")),
                "member_id": 1,
                "project_id": _db.session.scalar(select(Project.id).order_by(Project.id)),
                "place_id": _db.session.scalar(select(PracticePlace.id).where(PracticePlace.name == "和平村新时代文明实践站")),
                "item_id": item.id, "task_id": task.id, "file_id": item_file.id, "entry_id": 1},
        "tokens": {"scan.post_code": posts.scan_url(post), "merchant.coupon_code": coupon_code(coupon)[0],
                   "merchant.card_code": qr.make_url("card", {"v": volunteer.id})[0],
                   "certificates.check": certificates.check_url(certificate), "guardian.consent": guardian_link},
        "pdfs": [f"/bulletins/{unit_bulletin.id}.pdf", f"/bulletins/{city_bulletin.id}.pdf",
                 f"/certificates/{certificate.id}.pdf", "/me/certificate.pdf",
                 f"/admin/posts/{post.id}/poster.pdf", "/admin/posts/sheet.pdf", "/bulletins/quarter.pdf"],
        "minor": minor,
    }


def data_values() -> list[str]:
    """Every text stored in the database: names of units, posts, people, merchants, offers…"""
    values = set()
    for table in _db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text))]
        if columns:
            for row in _db.session.execute(select(*columns)):
                values.update(v for v in row if isinstance(v, str) and CJK.search(v))
    return sorted(values, key=len, reverse=True)


def foreign_text(text: str, data: list[str]) -> list[str]:
    for value in data + NATIVE:
        text = text.replace(value, " ")
    text = MASKED.sub(" ", text)
    return sorted(set(CJK.findall(text)))


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<script\b.*?</script>|<style\b.*?</style>", " ", html)
    html = re.sub(r'(?s)<(?:option|input|textarea)\b[^>]*\bvalue="[^"]*"', " ", html)  # submitted values
    html = re.sub(r"(?s)<textarea\b[^>]*>.*?</textarea>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def english_client(app, username=None):
    client = app.test_client()
    client.get("/lang/en")
    if username:
        f.login(client, username, PASSWORDS.get(username, f.PASSWORD))
    return client


def concrete(rule, world) -> str | None:
    if rule.endpoint in world["tokens"]:
        return world["tokens"][rule.endpoint].replace("http://vs.test", "")

    def fill(match):
        name = match.group(1)
        if name == "fmt":
            return "csv"
        if name not in world["ids"]:
            raise KeyError(name)
        return str(world["ids"][name])
    try:
        return re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)
    except KeyError:
        return None


def test_every_page_reads_in_english_for_every_role(app, world):
    data = data_values()
    # pages only: files (PDF, PNG, XLSX, CSV, JSON) are checked below or are not text
    rules = [r for r in app.url_map.iter_rules() if "GET" in r.methods and not r.rule.startswith(("/api", "/static"))
             and r.endpoint not in ("main.set_language", "main.healthz")
             and not r.rule.endswith((".pdf", ".png", ".jpg", ".xlsx", ".json", ".<fmt>", "/logo"))]
    problems, seen = [], 0
    for username in (None, *PASSWORDS, world["minor"].user.username):
        client = english_client(app, username)
        refused_once = False
        for rule in rules:
            path = concrete(rule, world)
            assert path is not None, f"no value for the arguments of {rule.rule}"
            response = client.get(path)
            if response.status_code in (301, 302) or "text/html" not in response.content_type:
                continue
            if response.status_code == 403:  # one refusal page per role is enough: they are all alike
                if refused_once:
                    continue
                refused_once = True
            seen += 1
            chinese = foreign_text(visible_text(response.get_data(as_text=True)), data)
            if chinese:
                problems.append(f"{username or 'anonymous'} {path} ({response.status_code}): {chinese[:8]}")
        missing = client.get("/no-such-page")
        chinese = foreign_text(visible_text(missing.get_data(as_text=True)), data)
        if chinese:
            problems.append(f"{username or 'anonymous'} 404 page: {chinese[:8]}")
    assert seen > 50
    assert problems == [], "\n".join(problems)
    # the check itself works: the same page in Chinese is caught
    client = app.test_client()
    client.get("/lang/zh_CN")
    f.login(client, "unit1", PASSWORDS["unit1"])
    page = client.get(f"/bulletins/{world['ids']['bulletin_id']}").get_data(as_text=True)
    assert "注册志愿者" in foreign_text(visible_text(page), data_values())
    english = english_client(app, "unit1").get(f"/bulletins/{world['ids']['bulletin_id']}").get_data(as_text=True)
    assert "Registered volunteers" in english and "Register as a volunteer" not in visible_text(english).split(
        "Registered volunteers", 1)[1].split("</main>", 1)[0]


def test_every_pdf_and_the_certificate_check_read_in_english(app, world):
    data = data_values()
    problems = []
    for username, paths in (("unit1", world["pdfs"][0:1] + world["pdfs"][4:]), ("admin", world["pdfs"][1:3]),
                            ("13800000001", world["pdfs"][3:4])):
        client = english_client(app, username)
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200 and response.mimetype == "application/pdf", path
            text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages)
            assert text.strip(), path
            chinese = foreign_text(text, data)
            if chinese:
                problems.append(f"{path}: {chinese[:10]}")
    assert problems == [], "\n".join(problems)
    # the public check page speaks of one volunteer and a plain period
    check = world["tokens"]["certificates.check"].replace("http://vs.test", "")
    page = visible_text(english_client(app).get(check).get_data(as_text=True))
    words = " ".join(page.split())
    assert "Volunteer " in words and "Volunteers" not in words
    # one natural wording with two dates (an open period ends on the day of issue)
    from babel.dates import format_date
    issued = format_date(local_today(), "long", locale="en")
    assert "From – Issued on" not in words and "date of issue" not in words
    assert "Service period" in words and f" to {issued}" in words
    volunteer = _db.session.get(Volunteer, world["ids"]["volunteer_id"])
    dated = certificates.issue(volunteer, date_from=local_today().replace(day=1), by=volunteer.user)
    _db.session.commit()
    words = " ".join(visible_text(english_client(app).get(certificates.check_url(dated).replace(
        "http://vs.test", "")).get_data(as_text=True)).split())
    assert f"{format_date(local_today().replace(day=1), 'long', locale='en')} to {issued}" in words
