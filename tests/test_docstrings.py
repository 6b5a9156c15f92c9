"""Docstrings where a reader starts: each rule kind's ``check`` (and ``terms``), and every public function and
method of each stage's main module — the modules the README's layout names as each stage's entry."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from compliance.engine.kinds import KINDS

REPO = Path(__file__).resolve().parents[1]

MAIN_MODULES = (
    "compliance.config.catalogue",  # rules.yaml
    "compliance.intake.normalise",  # ledgers → candidate rows
    "compliance.intake.gate",  # the data-quality gate
    "compliance.intake.issues",  # rejected rows and warnings
    "compliance.intake.result",  # what the intake hands on
    "compliance.engine.evaluate",  # the rules judged
    "compliance.engine.kinds",  # the kind registry
    "compliance.findings.table",  # the judgements
    "compliance.findings.view",  # findings.json's dicts
    "compliance.findings.result",  # what a check found
    "compliance.pipeline",  # the stages run
    "compliance.render.findings_json", "compliance.render.html", "compliance.render.xlsx", "compliance.render.junit",
    "compliance.render.sarif", "compliance.render.markdown", "compliance.render.github", "compliance.render.text",
    "compliance.serve.app",  # the page and the API
    "compliance.cli.commands",  # the command line
)


def undocumented(module: str) -> list[str]:
    """The public functions and methods (of public classes) of ``module`` without a docstring."""
    path = REPO / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    out = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        functions = [(node.name, node)] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else []
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            functions = [(f"{node.name}.{m.name}", m) for m in node.body
                         if isinstance(m, ast.FunctionDef | ast.AsyncFunctionDef) and not m.name.startswith("__")]
        out.extend(f"{module}.{name}" for name, function in functions
                   if not name.split(".")[-1].startswith("_") and not ast.get_docstring(function))
    return out


def test_every_kind_says_what_its_check_judges():
    for name, kind in KINDS.items():
        assert kind.check.__doc__, name
        assert kind.terms is None or kind.terms.__doc__, name


def test_the_public_functions_of_each_stage_s_main_module_have_docstrings():
    for module in MAIN_MODULES:
        importlib.import_module(module)  # a name in the list that is no module fails here
    assert [name for module in MAIN_MODULES for name in undocumented(module)] == []
