"""One version: pyproject.toml declares none of its own and reads ``compliance.__version__``."""

import importlib.metadata
import re
import tomllib
from pathlib import Path

import compliance

ROOT = Path(__file__).resolve().parents[1]


def test_pyproject_reads_the_package_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "compliance.__version__"}


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", compliance.__version__)


def test_installed_metadata_agrees():
    # The installed distribution (editable or not) was built from pyproject.toml, so it says the same version.
    assert importlib.metadata.version("compliance") == compliance.__version__
