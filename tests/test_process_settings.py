"""What the package sets for the process it runs in, before numpy is imported (``compliance/__init__.py``): numpy's
transparent-huge-page advice off unless the user asked for it, in a fresh interpreter as the command line starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# numpy keeps the setting it read at import; its getter is private (numpy._core in 2.x, numpy.core in 1.x)
SCRIPT = """
import compliance
try:
    from numpy._core.multiarray import _get_madvise_hugepage
except ImportError:
    from numpy.core.multiarray import _get_madvise_hugepage
print(_get_madvise_hugepage())
"""


def _huge_pages(environment: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=environment)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(sys.platform != "linux", reason="numpy gives the advice on Linux only")
def test_numpy_gives_no_huge_page_advice_in_a_check_process_unless_the_user_set_it():
    environment = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    assert _huge_pages(environment) == "False"
    assert _huge_pages({**environment, "NUMPY_MADVISE_HUGEPAGE": "1"}) == "True"
