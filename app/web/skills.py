"""The platform admin keeps the professional-skill catalogue: add, rename, retire, remove."""

from __future__ import annotations

from app.services.catalogues import SKILLS
from app.web.catalogue_pages import catalogue_blueprint

bp = catalogue_blueprint("skills", "/admin/skills", SKILLS)
