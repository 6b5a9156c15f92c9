"""The rule kinds: one module each, ending in ``KIND = Kind(name, model, check, ...)`` (``base.Kind``).

The catalogue (rules.yaml) names a kind per rule; this registry maps the name to its kind, and the catalogue's
schema is the union of the kinds' models, so an unknown kind is refused when the rules file is loaded.
"""

from __future__ import annotations

from typing import Any

from compliance.engine.kinds import deadline, frequency, per_person, precedence, record, regularity, rolling
from compliance.engine.kinds.base import Kind

KINDS: dict[str, Kind[Any]] = {
    module.KIND.name: module.KIND
    for module in (frequency, per_person, record, rolling, precedence, regularity, deadline)
}

__all__ = ["KINDS", "Kind"]
