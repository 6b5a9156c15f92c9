"""The stages import one way. Every ``import`` of the package is read with ``ast`` from ``compliance/**/*.py`` —
at module level, inside ``if TYPE_CHECKING:`` (a type-only import is still a dependency a reader follows) and inside
functions (the lazy imports that keep ``compliance --help`` fast) — and each must point to its own stage or one
below it, in this order:

    shared modules → config → intake → engine → findings → pipeline → render → serve → cli

(``pipeline`` is the module that runs intake, engine and findings; ``render`` only reads what it hands on). An
order that every import follows leaves no cycle between the stages."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# lowest first; a module may import its own stage or any earlier one
STAGES = ("shared", "config", "intake", "engine", "findings", "pipeline", "render", "serve", "cli")
SHARED = frozenset({"compliance", "domain", "errors", "frames", "progress", "spelling", "text", "manual"})


def stage(module: str) -> str:
    """The stage of a module of the package, from its dotted name."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in SHARED:
        return "shared"
    if parts[1] == "__main__":
        return "cli"
    if parts[1] not in STAGES:
        raise AssertionError(f"{module}: a module of no known stage; place it in STAGES or SHARED")
    return parts[1]


def imports(root: Path) -> list[tuple[str, str, int, str]]:
    """(importing module, imported module, line, where: module | type-checking | function) for every import of
    the package ``root / "compliance"``, relative imports resolved."""
    found: list[tuple[str, str, int, str]] = []
    for path in sorted((root / "compliance").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = parts[:-1]  # what a relative import starts from (an __init__'s package is its own folder)
        _visit(ast.parse(path.read_text(encoding="utf-8")), "module", module, package, found)
    return found


def _visit(node: ast.AST, where: str, module: str, package: tuple[str, ...], found: list) -> None:
    for child in ast.iter_child_nodes(node):
        inner = where
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = "function"
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test) and where == "module":
            inner = "type-checking"
        names: list[str] = []
        if isinstance(child, ast.Import):
            names = [alias.name for alias in child.names]
        elif isinstance(child, ast.ImportFrom):
            base = ".".join(package[:len(package) - child.level + 1]) if child.level else ""
            target = ".".join(filter(None, (base, child.module)))
            # a submodule imported from its package (``from compliance.engine import kinds``) imports it too
            names = [target, *(f"{target}.{alias.name}" for alias in child.names)]
        found.extend((module, name, child.lineno, inner) for name in names
                     if name == "compliance" or name.startswith("compliance."))
        _visit(child, inner, module, package, found)


def backward(root: Path) -> list[str]:
    """Every import that points to a later stage than its own, as ``file:line  a (stage) → b (stage), where``."""
    out = []
    for module, target, line, where in imports(root):
        if target.split(".")[1:2] and not _exists(root, target):
            continue  # a name imported from a module (``from compliance.x import f``), not a submodule
        a, b = stage(module), stage(target)
        if STAGES.index(b) > STAGES.index(a):
            out.append(f"{module}:{line}  {module} ({a}) → {target} ({b}), {where}")
    return out


def _exists(root: Path, module: str) -> bool:
    path = root.joinpath(*module.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def test_every_import_of_the_package_points_to_its_own_stage_or_an_earlier_one():
    assert backward(REPO) == []


def test_the_scan_sees_imports_at_module_level_under_type_checking_and_inside_functions():
    seen = {(module, target, where) for module, target, _, where in imports(REPO)}
    assert ("compliance.pipeline", "compliance.intake.gate", "module") in seen
    assert ("compliance.engine.context", "compliance.intake.roster", "type-checking") in seen
    assert ("compliance.cli.commands", "compliance.pipeline", "function") in seen


def test_a_reach_back_up_the_stream_is_reported(tmp_path):
    """The check itself: a tree in which configuration imports the engine — at module level, under TYPE_CHECKING
    and in a function — and the intake imports nothing later, gives exactly those three imports."""
    package = tmp_path / "compliance"
    for folder in ("config", "engine", "intake"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "engine" / "kinds.py").write_text("from compliance.config import rule\n", encoding="utf-8")
    (package / "config" / "rule.py").write_text("", encoding="utf-8")
    (package / "config" / "catalogue.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from compliance.engine.kinds import KINDS\n"
        "if TYPE_CHECKING:\n"
        "    from compliance.engine import kinds\n"
        "def load():\n"
        "    from ..engine import kinds\n",
        encoding="utf-8")
    (package / "intake" / "gate.py").write_text("from compliance.config.catalogue import load\n", encoding="utf-8")
    assert backward(tmp_path) == [
        "compliance.config.catalogue:2  compliance.config.catalogue (config) → compliance.engine.kinds (engine), "
        "module",
        "compliance.config.catalogue:4  compliance.config.catalogue (config) → compliance.engine (engine), "
        "type-checking",
        "compliance.config.catalogue:4  compliance.config.catalogue (config) → compliance.engine.kinds (engine), "
        "type-checking",
        "compliance.config.catalogue:6  compliance.config.catalogue (config) → compliance.engine (engine), function",
        "compliance.config.catalogue:6  compliance.config.catalogue (config) → compliance.engine.kinds (engine), "
        "function",
    ]
