"""The benchmarks import the package inside their functions (each stage in a fresh process), where no test runs
them: a name moved in the package would stop a benchmark only when someone next measures. Every ``from compliance…
import name`` in benchmarks/, at any depth, must name something the package has."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def imports_of_the_package(source: str) -> list[tuple[str, str]]:
    return [(node.module, alias.name) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
            and node.module.split(".")[0] == "compliance" for alias in node.names]


def missing(pairs: list[tuple[str, str]]) -> list[str]:
    gone = []
    for module, name in pairs:
        try:
            found = importlib.import_module(module)
        except ImportError:
            gone.append(module)
            continue
        if not hasattr(found, name):
            try:
                importlib.import_module(f"{module}.{name}")  # a submodule: from compliance.intake import gate
            except ImportError:
                gone.append(f"{module}.{name}")
    return gone


def test_every_name_a_benchmark_imports_from_the_package_exists():
    pairs = [pair for script in sorted(BENCHMARKS.glob("*.py")) for pair in imports_of_the_package(script.read_text())]
    assert len(pairs) > 20  # the benchmarks do import the package: the check below has something to look at
    assert missing(pairs) == []


def test_a_moved_name_is_caught():
    source = "def stages():\n    from compliance.intake.gate import _gxe\n    from compliance.intake import gate\n"
    assert missing(imports_of_the_package(source)) == ["compliance.intake.gate._gxe"]
