"""What the package sets for the process it runs in, before numpy and pyarrow are imported
(``compliance/__init__.py``): their transparent-huge-page advice off unless the user asked for it, in a fresh
interpreter as the command line starts."""

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


# mimalloc (pyarrow's allocator on Linux) lists its options on stderr when asked to be verbose, as it starts
ARROW_SCRIPT = """
import compliance
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


def _mimalloc_thp(environment: dict[str, str]) -> str | None:
    done = subprocess.run([sys.executable, "-c", ARROW_SCRIPT], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**environment, "MIMALLOC_VERBOSE": "1"})
    assert done.returncode == 0, done.stderr
    if done.stdout.strip() != "mimalloc":
        return None
    return next(line.split(":")[1].strip() for line in done.stderr.splitlines() if "option 'allow_thp'" in line)


@pytest.mark.skipif(sys.platform != "linux", reason="transparent huge pages are Linux's")
def test_pyarrow_allocator_asks_for_no_huge_pages_in_a_check_process_unless_the_user_set_it():
    environment = {k: v for k, v in os.environ.items() if k != "MIMALLOC_ALLOW_THP"}
    setting = _mimalloc_thp(environment)
    if setting is None:
        pytest.skip("pyarrow's memory pool is not mimalloc here")
    assert setting == "0"
    assert _mimalloc_thp({**environment, "MIMALLOC_ALLOW_THP": "1"}) == "1"
