"""The rule kinds: one module each, ending in ``KIND = Kind(name, model, check, ...)`` (``base.Kind``).

The catalogue (rules.yaml) names a kind per rule; this registry maps the name to its kind (``kind_of``), and the
catalogue's schema is the union of the kinds' models (``RulesFile``), so an unknown kind is refused when the rules
file is loaded (``load_catalogue``). Configuration stands below the engine: it never imports the kinds, the
registry hands them to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field

from compliance.config.catalogue import Catalogue, CatalogueModel, read_catalogue
from compliance.config.rule import RuleBase
from compliance.engine.kinds import deadline, frequency, minutes, per_person, precedence, record, regularity, rolling
from compliance.engine.kinds.base import Kind

KINDS: dict[str, Kind[Any]] = {
    module.KIND.name: module.KIND
    for module in (frequency, per_person, record, rolling, precedence, regularity, deadline, minutes)
}

if TYPE_CHECKING:
    Rule = RuleBase  # what every kind's model is; the union below is built from the registry at import
else:
    Rule = Annotated[Union[tuple(kind.config for kind in KINDS.values())], Field(discriminator="kind")]  # noqa: UP007


class RulesFile(CatalogueModel):
    """rules.yaml with each rule validated by its kind's model (a discriminated union on ``kind``)."""

    rules: tuple[Rule, ...] = Field(min_length=1)  # narrowed to the union of the kinds' models


def kind_of(rule: RuleBase) -> Kind[Any]:
    """The kind of a rule: what the engine, waivers, baseline and renderers may ask of it."""
    return KINDS[rule.kind]


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a rules file against these kinds (the packaged default when ``path`` is None)."""
    return read_catalogue(path, RulesFile)


__all__ = ["KINDS", "Kind", "RulesFile", "kind_of", "load_catalogue"]
