"""The service-category catalogue (服务类别), kept by the platform admin; posts, activities,
projects and needs choose from it. The rules are the catalogues' (app.services.catalogues):
these are the names the rest of the code calls them by."""

from __future__ import annotations

from app.services.catalogues import CATEGORIES

list_categories = CATEGORIES.entries
check_choice = CATEGORIES.check_choice
choices = CATEGORIES.choices
create_category = CATEGORIES.create
rename_category = CATEGORIES.rename
set_active = CATEGORIES.set_active
in_use = CATEGORIES.in_use
remove_category = CATEGORIES.remove
