"""Outputs: one module per format, each with ``render(result, out_dir) -> list[Path]``; all are views of the
same findings."""

from __future__ import annotations

from types import ModuleType

from compliance.render import html, json

FORMATS: dict[str, ModuleType] = {"json": json, "html": html}
DEFAULT_FORMATS = ("json", "html")
