"""The steps of the records import page, as a unit admin walks them: upload, then confirm
(or correct) the column mapping."""
from __future__ import annotations

import io
import re

from tests import factories as f


def upload(client, data: bytes, name: str = "records.xlsx"):
    return f.post_form(client, "/admin/records/import", {"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", token_from="/admin/records/import")


def token_of(page: str) -> str:
    match = re.search(r'id="token" name="token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="token" type="hidden" value="([^"]+)"', page)
    assert match, "no upload token on the mapping page"
    return match.group(1)


def proposed(page: str) -> list[str]:
    """The field chosen in each column's select, '' for 不导入."""
    selects = re.findall(r'<select[^>]*name="col"[^>]*>(.*?)</select>', page, re.S)
    return [(re.search(r'<option value="([^"]*)" selected', s) or re.match("()", "")).group(1) for s in selects]


def confirm(client, page: str, mapping: list[str] | None = None, *, preview: bool = False):
    data = {"token": token_of(page), "col": mapping if mapping is not None else proposed(page),
            "csrf_token": f.csrf_token(client, "/admin/records/import")}
    data["preview" if preview else "submit"] = "1"
    return client.post("/admin/records/import/map", data=data)


def import_file(client, data: bytes, name: str = "records.xlsx", mapping: list[str] | None = None):
    page = upload(client, data, name).get_data(as_text=True)
    return confirm(client, page, mapping)
