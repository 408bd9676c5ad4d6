"""English is complete: every string the code and templates show has a translation with the
same placeholders, and the compiled catalog is current."""
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sdf]")
METHOD_MAP = [("app/**.py", "python"), ("app/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def extracted() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"app/templates/**.html": {}}):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_shown_string_has_an_english_translation():
    catalog = read_po(PO.open("rb"))
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    missing = sorted(s for s in extracted() if not translated.get(s))
    assert missing == [], f"run `make translations` and translate: {missing[:20]}"


def test_translations_keep_their_placeholders():
    catalog = read_po(PO.open("rb"))
    wrong = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong == []


def test_compiled_catalog_is_newer_than_its_source():
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= PO.stat().st_mtime - 1
