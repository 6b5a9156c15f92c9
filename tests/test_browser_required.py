"""tests/browser.py: where the browser is required (COMPLIANCE_REQUIRE_BROWSER=1, as in .ci/run) a missing
Playwright fails the browser tests, as a missing Chromium does; elsewhere they are skipped with the reason."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# tests/browser.py imported with Playwright missing: whatever it raises, by its class and message
SCRIPT = """
import sys
sys.modules["playwright"] = None  # importing it now raises ImportError, as where it is not installed
try:
    import tests.browser
except BaseException as exc:
    print(type(exc).__name__, exc)
else:
    print("imported")
"""


def run(required: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != "COMPLIANCE_REQUIRE_BROWSER"}
    if required:
        env["COMPLIANCE_REQUIRE_BROWSER"] = "1"
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env={**env, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module")
def chromium_present():
    from shutil import which

    if not (os.environ.get("COMPLIANCE_CHROMIUM") or which("chromium") or Path("/usr/bin/chromium").exists()):
        pytest.skip("no Chromium here: the module stops at the missing browser before it looks for Playwright")


def test_a_missing_playwright_fails_where_the_browser_is_required(chromium_present):
    said = run(required=True)
    assert said.startswith("RuntimeError COMPLIANCE_REQUIRE_BROWSER is set but Playwright cannot be imported"), said


def test_a_missing_playwright_skips_the_browser_tests_elsewhere(chromium_present):
    said = run(required=False)
    assert said.startswith("Skipped Playwright cannot be imported"), said
