"""The public column (志愿风采) for everyone, without login: paged lists, items with photos
and an Atom feed, cached (ETags and a short public max-age, and rendered pages kept per
version of the column); and the named volunteer's consent on the phone."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.auth_state import role_required
from app.services import column, photos, volunteers
from app.services.column_feed import atom_feed
from app.web.forms import BaseForm, answered_consent, signed_in_volunteer

bp = Blueprint("column", __name__)
MAX_AGE = 60
_pages: OrderedDict[tuple, bytes] = OrderedDict()
_PAGES_KEPT = 256


def _cached(mimetype: str, render: Callable[[], str | bytes]) -> Response:
    """Anonymous visitors share one rendering per page, language and version of the column;
    browsers and proxies revalidate with the ETag after MAX_AGE seconds."""
    version = column.version()
    shown = (request.full_path, str(get_locale()), version)
    etag = hashlib.sha256(repr(shown).encode()).hexdigest()[:32]  # the same from every worker
    key = (id(current_app._get_current_object()), *shown)  # type: ignore[attr-defined]
    # a page for a signed-in user, or one carrying a message for this visitor, is never shared
    anonymous = not current_user.is_authenticated and not session.get("_flashes")
    body = _pages.get(key) if anonymous else None
    if body is None:
        rendered = render()
        body = rendered.encode() if isinstance(rendered, str) else rendered
        if anonymous:
            _pages[key] = body
            while len(_pages) > _PAGES_KEPT:
                _pages.popitem(last=False)
    response = Response(body, mimetype=mimetype)
    if anonymous:
        response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
        response.vary.add("Cookie")
        response.set_etag(etag)
        response.make_conditional(request)
    return response


def _absolute(path: str) -> str:
    """Links in the feed live under BASE_URL, as every link the product hands out does."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def _byline(item) -> str:
    return item.unit.name if item.unit else _("文明办")


@bp.get("/column/", endpoint="index")
def index():
    kind = request.args.get("kind")
    page_no = max(1, min(request.args.get("page", 1, type=int) or 1, 100_000))

    def render() -> str:
        page = column.public_page(page_no, kind)
        covers = column.cover_photos([i.id for i in page.items])
        return render_template("column/index.html", page=page, kind=kind, covers=covers)

    return _cached("text/html", render)


@bp.get("/column/<int:item_id>", endpoint="show")
def show(item_id: int):
    item = column.public_item(item_id)

    def render() -> str:
        return render_template(
            "column/show.html", item=item, photos=photos.photos_of(column.SUBJECT, item.id)
        )

    return _cached("text/html", render)


@bp.get("/column/feed.atom", endpoint="feed")
def feed():
    def render() -> bytes:
        return atom_feed(
            column.latest(),
            title=_("志愿风采"),
            feed_url=_absolute(url_for(".feed")),
            site_url=_absolute(url_for(".index")),
            item_url=lambda item: _absolute(url_for(".show", item_id=item.id)),
            byline=_byline,
        )

    return _cached("application/atom+xml", render)


@bp.get("/me/column", endpoint="consents")
@role_required("volunteer")
def consents():
    me = volunteers.volunteer_of(current_user)
    return render_template("column/consents.html", items=column.consent_requests(me), form=BaseForm())


@bp.post("/me/column/<int:item_id>/consent", endpoint="consent")
@role_required("volunteer")
def consent(item_id: int):
    me = volunteers.volunteer_of(current_user)
    item = column.get_for_volunteer(me, item_id)
    answered_consent(
        lambda agree: column.answer_consent(item, me, agree=agree),
        _("已同意在志愿风采中公开您的姓名"),
        _("已拒绝公开，该稿件不会展示"),
    )
    return redirect(url_for(".consents"))


@bp.app_context_processor
def _column_helpers():
    def column_consents_pending() -> int:
        """Stories naming the signed-in volunteer that wait for their answer."""
        me = signed_in_volunteer()
        return column.pending_consents(me) if me is not None else 0

    return {
        "column_kind": column.kind_label,
        "column_status": column.status_label,
        "column_byline": _byline,
        "column_consents_pending": column_consents_pending,
    }
