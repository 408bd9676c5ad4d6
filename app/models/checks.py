"""CHECK constraints on one column, named after the column (the naming convention makes them
ck_<table>_<column>), built from the values the code uses."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def column_check(column: str, condition: str, *, nullable: bool = False) -> CheckConstraint:
    """A CHECK constraint on one column, named after it; a nullable column may also be NULL."""
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=column)


def one_of(column: str, values: Iterable[str], *, nullable: bool = False) -> CheckConstraint:
    """The column holds one of the values: one_of("status", ("open", "closed")) checks
    status IN ('open','closed')."""
    allowed = ",".join(f"'{value}'" for value in values)
    return column_check(column, f"{column} IN ({allowed})", nullable=nullable)


def positive(column: str, *, nullable: bool = False) -> CheckConstraint:
    """The column (a quota, a capacity, a limit…) is above zero."""
    return column_check(column, f"{column} > 0", nullable=nullable)


def not_negative(column: str, *, nullable: bool = False) -> CheckConstraint:
    """The column (a count, a total…) is zero or more."""
    return column_check(column, f"{column} >= 0", nullable=nullable)
