"""An uploaded spreadsheet kept between the steps of an import (map the columns, preview,
import): stored under the instance folder and named by a signed token that only its
uploader can use, for a few hours."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.models import User
from app.services.errors import NotFound, ValidationFailed

KEEP_SECONDS = 4 * 3600
ALLOWED = (".xlsx", ".csv")


def private_folder(name: str) -> Path:
    """A folder under instance/ that only the owner may enter (files hold personal data)."""
    from config import make_private_dir

    folder = Path(current_app.instance_path) / name
    make_private_dir(folder)
    return folder


def _folder() -> Path:
    return private_folder("uploads")


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="import-upload")


def _prune(folder: Path) -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except OSError:
            continue


def extension(filename: str) -> str:
    ext = os.path.splitext(filename or "")[1].lower()
    if ext not in ALLOWED:
        raise ValidationFailed(
            _("请上传 .xlsx 或 .csv 文件"), fields={"file": [_("请上传 .xlsx 或 .csv 文件")]}
        )
    return ext


def keep(data: bytes, filename: str, by: User) -> str:
    """Store the file; the token names it for its uploader only."""
    ext = extension(filename)
    folder = _folder()
    _prune(folder)
    name = secrets.token_hex(16) + ext
    (folder / name).write_bytes(data)
    return _signer().dumps({"f": name, "u": by.id})


def load(token: str, by: User) -> tuple[bytes, str]:
    """The stored bytes and their file name; a token of another user, a forged or an expired
    one answers like a missing file."""
    missing = NotFound(_("上传的文件已过期，请重新上传"))
    try:
        data = _signer().loads(token, max_age=KEEP_SECONDS)
    except BadSignature:
        raise missing from None
    if not isinstance(data, dict) or data.get("u") != by.id:
        raise missing
    path = _folder() / str(data.get("f"))
    if not path.is_file():
        raise missing
    return path.read_bytes(), path.name


def keep_report(token: str, report: bytes) -> None:
    """An error report beside its upload."""
    data = _signer().loads(token)
    (_folder() / (str(data["f"]) + ".errors.xlsx")).write_bytes(report)


def load_report(token: str, by: User) -> bytes:
    _bytes, name = load(token, by)
    path = _folder() / (name + ".errors.xlsx")
    if not path.is_file():
        raise NotFound(_("没有错误报告"))
    return path.read_bytes()
