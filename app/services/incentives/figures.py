"""Redemption figures: per local day, per offer and per merchant, each one GROUP BY query."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Coupon, Merchant, Offer
from app.services import spreadsheets
from app.services.clock import local_today, now, start_of_day, zone

PERIODS = (7, 30, 90, 365)  # the days a figures page offers; 30 unless asked


def _local_day(column):
    """A column's calendar day in the deployment's zone, as 'YYYY-MM-DD', in SQL."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(
            func.timezone(current_app.config["TIMEZONE"], func.timezone("UTC", column)), "YYYY-MM-DD"
        )
    offset = int(now().astimezone(zone()).utcoffset().total_seconds())
    return func.strftime("%Y-%m-%d", column, f"{offset:+d} seconds")


def redemption_figures(merchant_id: int | None, first: date, last: date) -> dict:
    """Redemptions of one merchant (or all) for local days first..last: per day, per offer,
    and per merchant — each one GROUP BY query."""
    start, end = start_of_day(first), start_of_day(last + timedelta(days=1))
    where = [Coupon.status == "redeemed", Coupon.redeemed_at >= start, Coupon.redeemed_at < end]
    if merchant_id is not None:
        where.append(Coupon.merchant_id == merchant_id)
    day = _local_day(Coupon.redeemed_at).label("day")
    per_day: dict[str, int]
    per_day = dict(db.session.execute(select(day, func.count()).where(*where).group_by(day)).all())
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    by_day = [(d, int(per_day.get(d.isoformat(), 0))) for d in days]
    by_offer = [
        {"offer_id": r[0], "title": r[1], "merchant": r[2], "min_star": r[3], "redeemed": int(r[4])}
        for r in db.session.execute(
            select(Offer.id, Offer.title, Merchant.name, Offer.min_star, func.count(Coupon.id))
            .join(Coupon, and_(Coupon.offer_id == Offer.id, *where))
            .join(Merchant, Merchant.id == Offer.merchant_id)
            .group_by(Offer.id, Offer.title, Merchant.name, Offer.min_star)
            .order_by(func.count(Coupon.id).desc(), Offer.id)
        )
    ]
    by_merchant = [
        {"merchant_id": r[0], "merchant": r[1], "redeemed": int(r[2])}
        for r in db.session.execute(
            select(Merchant.id, Merchant.name, func.count(Coupon.id))
            .join(Coupon, and_(Coupon.merchant_id == Merchant.id, *where))
            .group_by(Merchant.id, Merchant.name)
            .order_by(func.count(Coupon.id).desc(), Merchant.id)
        )
    ]
    claim_where = [Coupon.claimed_at >= start, Coupon.claimed_at < end]
    if merchant_id is not None:
        claim_where.append(Coupon.merchant_id == merchant_id)
    claimed = db.session.execute(select(func.count(Coupon.id)).where(*claim_where)).scalar_one()
    return {
        "first": first,
        "last": last,
        "by_day": by_day,
        "by_offer": by_offer,
        "by_merchant": by_merchant,
        "redeemed": sum(n for _d, n in by_day),
        "claimed": int(claimed),
    }


def recent_redemptions(merchant_id: int | None, limit: int = 50) -> list[Coupon]:
    stmt = (
        select(Coupon)
        .where(Coupon.status == "redeemed")
        .options(selectinload(Coupon.offer), selectinload(Coupon.merchant), selectinload(Coupon.volunteer))
        .order_by(Coupon.redeemed_at.desc(), Coupon.id.desc())
        .limit(limit)
    )
    if merchant_id is not None:
        stmt = stmt.where(Coupon.merchant_id == merchant_id)
    return list(db.session.scalars(stmt))


def period(days: int | None) -> tuple[date, date, int]:
    """(first, last, days): the last `days` local days up to today, for one of PERIODS (30
    for anything else)."""
    days = days if days in PERIODS else 30
    last = local_today()
    return last - timedelta(days=days - 1), last, days


def redemptions_file(figures: dict, fmt: str) -> bytes:
    """Redemptions by day and by offer as XLSX (fmt 'xlsx') or CSV (UTF-8 with a BOM, so
    Excel reads the Chinese), every cell written through the spreadsheets module."""
    day_rows = [(d.isoformat(), n) for d, n in figures["by_day"]]
    offer_rows = [(o["merchant"], o["title"], o["min_star"], o["redeemed"]) for o in figures["by_offer"]]
    day_head, offer_head = [_("日期"), _("核销数")], [_("商家"), _("优惠"), _("最低星级"), _("核销数")]
    if fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = _("按日")
        offers_sheet = book.create_sheet(_("按优惠"))
        for target, rows in ((sheet, [day_head, *day_rows]), (offers_sheet, [offer_head, *offer_rows])):
            for row in rows:
                spreadsheets.append_row(target, row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()
    out = io.StringIO()
    spreadsheets.write_csv_rows(csv.writer(out), [day_head, *day_rows, [], offer_head, *offer_rows])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
