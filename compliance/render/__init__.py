"""Outputs: all are views of the same findings.

File formats have ``render(result, out_dir) -> list[Path]``; stream formats (``STREAMS``) have
``text(result) -> str``, printed on standard output.
"""

from __future__ import annotations

from types import ModuleType

from compliance.render import findings_json, github, html, junit, markdown, sarif, text, xlsx

FORMATS: dict[str, ModuleType] = {
    "json": findings_json, "html": html, "xlsx": xlsx, "junit": junit, "sarif": sarif, "markdown": markdown,
    "github": github, "text": text,
}
STREAMS = frozenset({"github", "text"})
