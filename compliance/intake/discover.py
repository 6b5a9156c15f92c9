"""Finding the ledger files under the paths given: folders searched recursively, each file named as users see it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from compliance.errors import InputError

LEDGER_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")


def discover(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Every ledger file under ``paths`` (files or folders, searched recursively), with the name shown for it.

    Folder members are named relative to the folder; a file given directly by its name. Lock files (``~$``) and
    hidden files are left out. Order is deterministic.
    """
    found: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            members = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in LEDGER_SUFFIXES and not _hidden(p.relative_to(path))
            )
            found.extend((p, p.relative_to(path).as_posix()) for p in members)
        elif path.is_file():
            found.append((path, path.name))
        else:
            raise InputError("文件或文件夹不存在", source=str(given))
    counts: dict[str, int] = {}
    for _, shown in found:
        counts[shown] = counts.get(shown, 0) + 1
    return [(p, shown if counts[shown] == 1 else p.as_posix()) for p, shown in found]


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in relative.parts)
