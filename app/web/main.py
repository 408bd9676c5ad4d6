"""Landing, privacy notice, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import text

from app.auth_state import home_url
from app.extensions import db
from app.web.forms import safe_back

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated and home_url() != url_for("main.index"):
        return redirect(home_url())
    return render_template("main/index.html")


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/lang/<code>")
def set_language(code: str):
    from flask import current_app

    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_back(url_for("main.index")))


@bp.get("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
