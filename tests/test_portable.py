"""The package imports and a check runs where POSIX-only modules do not exist (Windows): ``resource``, ``fcntl``,
``pwd``, ``grp`` and ``termios`` hidden from a fresh interpreter — every module of the package, not only the ones a
check happens to import."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
for name in ("resource", "fcntl", "pwd", "grp", "termios"):
    sys.modules[name] = None  # importing it now raises ImportError, as on Windows
import compliance.cli, compliance.pipeline, compliance.render.html, compliance.serve.app
from compliance.progress import peak_rss
from click.testing import CliRunner
result = CliRunner().invoke(compliance.cli.main, ["check", "fixtures/demo/ledgers", "--roster", "fixtures/demo/roster",
                                                  "--as-of", "2024-12-31", "--format", "json", "--out", sys.argv[1],
                                                  "--fail-on", "none"])
print(result.exit_code, peak_rss())
print(result.output)
"""

EVERY_MODULE = """
import importlib, pkgutil, sys
for name in ("resource", "fcntl", "pwd", "grp", "termios"):
    sys.modules[name] = None
import compliance
names = sorted(m.name for m in pkgutil.walk_packages(compliance.__path__, "compliance.")
               if m.name != "compliance.__main__")  # (that one runs the command line)
for name in names:
    importlib.import_module(name)
hidden = [n for n in ("resource", "fcntl", "pwd", "grp", "termios") if sys.modules.get(n) is not None]
print(len(names), hidden)
"""


def test_every_module_of_the_package_imports_without_posix_only_modules():
    done = subprocess.run([sys.executable, "-c", EVERY_MODULE], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    count, hidden = done.stdout.split(" ", 1)
    # every .py file of the package's packages but __main__, and but compliance/__init__.py (imported before the
    # walk); not the district store's Alembic scripts, which Alembic loads by path (their folder is no package)
    expected = sum(1 for p in (REPO / "compliance").rglob("*.py")
                   if p.name != "__main__.py" and (p.parent / "__init__.py").exists()) - 1
    assert (int(count), hidden.strip()) == (expected, "[]")


def test_the_package_imports_and_checks_without_posix_only_modules(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    first, *rest = done.stdout.splitlines()
    assert first == "0 0"  # the check ran; no memory figure without resource (and not on Windows)
    assert "内存峰值 0 MB" in "\n".join(rest) and (tmp_path / "findings.json").exists()
