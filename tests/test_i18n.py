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
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None,
            "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2), "_lp": ((1, "c"), 2)}


def extracted() -> set[tuple[str, str | None]]:
    """(msgid, msgctxt) of every string the code and templates show."""
    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"app/templates/**.html": {}}):
        found.add((message if isinstance(message, str) else message[0], context))
    return found


def test_every_shown_string_has_an_english_translation():
    catalog = read_po(PO.open("rb"))
    translated = {(m.id if isinstance(m.id, str) else m.id[0], m.context): m.string for m in catalog if m.id}
    missing = sorted((s for s in extracted() if not translated.get(s)), key=str)
    assert missing == [], f"run `make translations` and translate: {missing[:20]}"


def test_translations_keep_their_placeholders():
    catalog = read_po(PO.open("rb"))
    wrong = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string
             and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong == []


def test_compiled_catalog_is_newer_than_its_source():
    mo = PO.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= PO.stat().st_mtime - 1


TRANSLATORS = {"_", "_l", "_lp", "gettext", "lazy_gettext", "ngettext", "pgettext", "lazy_pgettext"}
# how many leading arguments are message text (the rest are values)
TEXT_ARGS = {"ngettext": 2, "pgettext": 2, "lazy_pgettext": 2, "_lp": 2}


def test_translation_calls_take_literal_text_only():
    """A label passed through _() as a variable is never extracted into the catalog (or is
    matched to the wrong entry): translate it where it is defined, with _l() or _lp()."""
    import ast
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in TRANSLATORS:
                continue
            text = node.args[:TEXT_ARGS.get(name, 1)]
            if not text or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in text):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)[:80]}")
    for path in sorted((ROOT / "app" / "templates").rglob("*.html")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for match in re.finditer(r"(?<![\w.])(?:_|gettext)\(\s*([^\s)])", line):
                if match.group(1) not in "'\"":
                    offenders.append(f"{path.relative_to(ROOT)}:{lineno} {match.group(0)}")
    assert offenders == []
