"""The public pages of the demo, swept without login: no page shows an ID number, a phone
number, or a volunteer's name the volunteer did not agree to show."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select

from app import demo
from app.models import ColumnItem, Nominee, Volunteer
from app.services import identity

START = ["/", "/column/", "/column/feed.atom", "/honours/", "/projects/", "/coupons/merchants", "/needs/new",
         "/privacy"]
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SKIP = re.compile(r"^/(login|register|logout|lang|static|photos|me|admin|office|api|forgot|password)")


def _crawl(client, limit=200) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = list(START)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype not in ("text/html", "application/atom+xml"):
            seen[path] = ""
            continue
        body = response.get_data(as_text=True)
        seen[path] = body
        for href in re.findall(r'href="([^"#]+)"', body):
            parts = urlsplit(urljoin("http://vs.test" + path, href.replace("&amp;", "&")))
            if parts.netloc not in ("vs.test", "localhost") or SKIP.match(parts.path):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and target not in queue:
                queue.append(target)
    return seen


def test_public_pages_show_no_id_number_phone_or_unconsented_name(client, db):
    demo.load()
    db.session.commit()
    pages = _crawl(client)
    assert {"/column/", "/honours/"} <= set(pages) and any(p.startswith("/column/") and p[8:].isdigit() for p in pages)
    assert any(p.startswith("/honours/") and p[9:].isdigit() for p in pages)

    people = db.session.scalars(select(Volunteer).order_by(Volunteer.id)).all()
    consented = {item.volunteer_id for item in db.session.scalars(
        select(ColumnItem).where(ColumnItem.consent == "given", ColumnItem.status == "published"))}
    consented |= {n.volunteer_id for n in db.session.scalars(select(Nominee).where(Nominee.consent == "given"))}
    secrets = {p.id: (identity.decrypt(p.id_number_encrypted), p.phone, p.name) for p in people}
    problems = []
    for path, body in pages.items():
        for match in ID_NUMBER.findall(body) + PHONE.findall(body):
            problems.append(f"{path}: {match}")
        for volunteer_id, (id_number, phone, name) in secrets.items():
            if id_number in body or (phone and phone in body):
                problems.append(f"{path}: volunteer {volunteer_id}'s ID number or phone")
            if volunteer_id not in consented and name in body:
                problems.append(f"{path}: {name} without consent")
    assert problems == []
    # the sweep would see them: a consented name is there, an unconsented one is masked
    assert any("王芳" in body for body in pages.values())
    assert any(people[3].masked_name in body for body in pages.values())


def test_the_demo_has_the_public_face(db):
    from app.models import Commendation, ProblemReport
    from app.services import column
    demo.load()
    assert column.public_page().total == 3
    assert db.session.scalar(select(Commendation.status)) == "posted"
    [report] = db.session.scalars(select(ProblemReport)).all()
    assert report.status == "routed" and report.unit_id is not None
