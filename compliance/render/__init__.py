"""Outputs: all are views of the same findings.

File formats have ``render(result, out_dir) -> list[Path]``; stream formats (``STREAMS``) have
``text(result) -> str``, printed on standard output.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from types import ModuleType


class _Formats(Mapping[str, ModuleType]):
    """Format name → its module, imported when first asked for: a check that writes findings.json alone imports
    neither openpyxl nor jinja2."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = modules

    def __getitem__(self, name: str) -> ModuleType:
        return importlib.import_module(f"{__name__}.{self._modules[name]}")

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


FORMATS: Mapping[str, ModuleType] = _Formats({
    "json": "findings_json", "html": "html", "xlsx": "xlsx", "junit": "junit", "sarif": "sarif",
    "markdown": "markdown", "github": "github", "text": "text",
})
STREAMS = frozenset({"github", "text"})
