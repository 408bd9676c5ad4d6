"""Evidence files (PDF or image) attached to a rectification reply or a recorded contribution:
the type read from the content, never from the name; size and number limits; a safe name."""

from __future__ import annotations

import io
from dataclasses import dataclass

from flask_babel import gettext as _

from app.services.errors import ValidationFailed
from app.services.inputs import Upload, safe_name

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


@dataclass(frozen=True)
class Checked:
    filename: str
    content_type: str
    data: bytes


def sniff(upload: Upload) -> tuple[str, str]:
    """The file's type from its content, never from its name: PDF, PNG or JPEG."""
    for magic, content_type, extension in _SIGNATURES:
        if upload.data.startswith(magic):
            if content_type != "application/pdf":
                from PIL import Image

                try:
                    with Image.open(io.BytesIO(upload.data)) as image:
                        image.verify()
                except Exception:
                    break
            return content_type, extension
    raise ValidationFailed(
        fields={"files": [_("附件“%(n)s”不是PDF或图片（PNG、JPEG）", n=safe_name(upload.filename))]}
    )


def check(
    uploads: list[Upload], *, already: int = 0, max_files: int = MAX_FILES, message: str = ""
) -> list[Checked]:
    """The non-empty uploads, each checked; `already` files are kept with the same subject."""
    uploads = [u for u in uploads if u.data]
    if already + len(uploads) > max_files:
        raise ValidationFailed(fields={"files": [message or _("最多%(n)d个附件", n=max_files)]})
    kept = []
    for upload in uploads:
        if len(upload.data) > MAX_BYTES:
            raise ValidationFailed(
                fields={
                    "files": [
                        _(
                            "附件“%(n)s”超过%(mb)dMB",
                            n=safe_name(upload.filename),
                            mb=MAX_BYTES // (1024 * 1024),
                        )
                    ]
                }
            )
        content_type, extension = sniff(upload)
        name = safe_name(upload.filename)
        if not name.lower().endswith(extension) and not (
            extension == ".jpg" and name.lower().endswith(".jpeg")
        ):
            name = name[:96] + extension
        kept.append(Checked(name, content_type, upload.data))
    return kept
