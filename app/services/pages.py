"""Long lists a page at a time: one count and one page of rows, whatever the list."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def paginate(
    stmt: Select, *, page: int, per_page: int, order_by: tuple[Any, ...], load: tuple[Any, ...] = ()
) -> Page:
    """Page `page` (from 1) of the rows of `stmt` in `order_by`, with `load` options for what
    each row shows, and the count of all of them."""
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    page = max(1, page)
    items = list(
        db.session.scalars(
            stmt.options(*load).order_by(*order_by).limit(per_page).offset((page - 1) * per_page)
        )
    )
    return Page(items, total, page, per_page)


def in_status(stmt: Select, column: Any, status: str | None, statuses: Container[str]) -> Select:
    """The rows of `stmt` whose `column` is `status` when that is one of the list's `statuses`
    (a tab of the list); all of them otherwise."""
    return stmt.where(column == status) if status in statuses else stmt
