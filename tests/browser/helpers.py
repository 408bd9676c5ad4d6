"""Page checks for browser tests: screenshots, axe-core, phone width, touch targets."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from app.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = ROOT / "tests" / "vendor" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def settle() -> None:
    """Forget what the test's session loaded (it sees what the server committed since), and
    end its transaction so that the server is never kept waiting."""
    db.session.commit()
    db.session.expire_all()


IMMEDIATE = threading.local()


@contextmanager
def writing() -> Iterator[None]:
    """A test's write while the server runs. The test's transactions begin deferred (reads never
    block the server), but a deferred read-then-write fails at once with "database is locked"
    when the server committed in between (SQLite's busy snapshot, which no busy timeout waits
    out). Inside this block the test's transaction takes the write lock at BEGIN instead, like
    the app's, and commits at the end."""
    settle()
    IMMEDIATE.active = True
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        IMMEDIATE.active = False


def read(statement):
    """One scalar, fresh from the database, without keeping a transaction open."""
    settle()
    value = db.session.scalar(statement)
    db.session.commit()
    return value


def refresh(*objects):
    """Reload objects from the database, without keeping a transaction open."""
    for obj in objects:
        db.session.refresh(obj)
    db.session.commit()
    return objects[0] if len(objects) == 1 else objects


def shot(page, name: str, full_page: bool = True, docs: bool = False) -> Path:
    """A screenshot under test-artifacts/screenshots/; with docs=True and
    UPDATE_DOCS_SCREENSHOTS=1 also the README's copy under docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if page.locator("canvas").count():
        page.wait_for_timeout(700)  # let charts finish their opening animation
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if docs and os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
    return path


def check_a11y(page, *, disable: tuple[str, ...] = ()) -> None:
    """axe-core on the current page: no serious or critical violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated by the test driver, not as a page <script>: the page's CSP refuses inline ones
        page.evaluate(AXE.read_text(encoding="utf-8"))
    results = page.evaluate(
        """async (disabled) => {
            const rules = {};
            for (const id of disabled) rules[id] = {enabled: false};
            const r = await axe.run(document, {resultTypes: ['violations'], rules});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(' '),
                    summary: n.failureSummary, html: n.html.slice(0, 160)}))}));
        }""", list(disable))
    bad = [v for v in results if v["impact"] in ("serious", "critical")]
    if bad:
        lines = [f"axe found {len(bad)} serious/critical violation(s) on {page.url}:"]
        for v in bad:
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']}")
            for node in v["nodes"]:
                lines.append(f"    at {node['target']}\n      {node['html']}\n      "
                             + (node["summary"] or "").replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)


def assert_fits_phone(page, width: int = 360) -> None:
    """No horizontal scrolling on a 360 px wide phone."""
    original = page.viewport_size
    page.set_viewport_size({"width": width, "height": original["height"]})
    try:
        # resize observers (charts) re-lay the page out after the resize: give them time on a
        # busy machine; a page that really overflows still fails when the wait runs out
        with suppress(PlaywrightTimeoutError):
            page.wait_for_function("(w) => document.documentElement.scrollWidth <= w", arg=width, timeout=3000)
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if scroll_width > width:
            wide = page.evaluate(
                """(w) => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > w)
                    .slice(0, 8).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                        + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '')
                        + ' right=' + Math.round(e.getBoundingClientRect().right))""", width)
            pytest.fail(f"{page.url} scrolls sideways at {width}px (scrollWidth {scroll_width}); "
                        f"too wide: {wide}", pytrace=False)
    finally:
        page.set_viewport_size(original)


def assert_touch_target(locator, min_height: int = 44) -> None:
    box = locator.bounding_box()
    assert box and box["height"] >= min_height and box["width"] >= min_height, \
        f"touch target too small: {box}"
