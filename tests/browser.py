"""Debian's Chromium driven by Playwright, for the tests that look at pages as a person does.

.ci/run installs chromium and a CJK font and sets COMPLIANCE_REQUIRE_BROWSER=1, so there a missing browser — no
Chromium, or no Playwright to drive it — fails the tests; elsewhere a module that imports this is skipped with the
reason.
"""

import os
import shutil
from pathlib import Path

import pytest

from compliance.manual import IMAGES

CHROMIUM = os.environ.get("COMPLIANCE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
RED, YELLOW, GREEN = "rgb(217, 48, 37)", "rgb(244, 180, 0)", "rgb(24, 128, 56)"
REQUIRED = bool(os.environ.get("COMPLIANCE_REQUIRE_BROWSER"))

if not Path(CHROMIUM).exists():
    if REQUIRED:
        raise RuntimeError(f"COMPLIANCE_REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)

try:
    from playwright import sync_api
except ImportError as exc:
    if REQUIRED:
        raise RuntimeError(f"COMPLIANCE_REQUIRE_BROWSER is set but Playwright cannot be imported ({exc}); "
                           "install the test extra: pip install -c requirements/lock.txt -e \".[test]\"") from exc
    pytest.skip(f"Playwright cannot be imported ({exc}); install the test extra", allow_module_level=True)


def manual_screenshot(target, name: str, **options) -> bytes:
    """A screenshot of ``target`` (a page: its viewport; a locator: that element) for the user manual, written to
    compliance/manual/images/NAME — so the manual shows the page as the tests last saw it. The file is rewritten
    only when the picture differs, so an unchanged page leaves the work tree clean and a changed one shows in git.
    ``options`` go to Playwright's screenshot (``clip=…`` for a part of the page)."""
    shot = target.screenshot(animations="disabled", caret="hide", **options)
    assert len(shot) > 5_000, name
    path = IMAGES / name
    if not path.exists() or path.read_bytes() != shot:
        # whole or not at all: under pytest-xdist another worker may be reading the manual's images
        partial = path.with_name(f".{name}.{os.getpid()}.tmp")
        partial.write_bytes(shot)
        os.replace(partial, path)
    return shot


def chromium():
    """A Chromium for a module's fixture: ``yield from chromium()``."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield browser
        browser.close()


def watched(page):
    """The page, with a list of the console errors and warnings (a refused inline script is one) it gives."""
    problems = []
    page.on("console", lambda message: problems.append(message) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(error))
    page.problems = problems
    return page


def background(locator) -> str:
    return locator.evaluate("node => getComputedStyle(node).backgroundColor")


def matrix_row(page, org: str):
    return page.locator(f'#matrix tbody tr[data-name="{org}"]')
