"""The platform admin keeps the service-category catalogue: add, rename, retire, remove."""

from __future__ import annotations

from app.services.catalogues import CATEGORIES
from app.web.catalogue_pages import catalogue_blueprint

bp = catalogue_blueprint("categories", "/admin/categories", CATEGORIES)
