"""The scheduler's jobs, declared in one place; each calls a service."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Start the embedded scheduler when SCHEDULER=embedded (see app.scheduler)."""
