"""The rule catalogue (rules.yaml): loaded once, validated once, before any ledger is read.

Every rule is data: a ``kind`` (one module under ``compliance/engine/kinds/``, whose model says what else the rule
may write) and its parameters. The kinds' models form a pydantic discriminated union on ``kind`` with
``extra="forbid"``; any problem becomes one ``CatalogueError`` that names the file, the rule id and the key.

The kinds are the engine's, and configuration stands below the engine: the registry hands its schema in
(``compliance.engine.kinds.RulesFile``, this ``CatalogueModel`` with ``rules`` narrowed to the union of its kinds'
models), and ``compliance.engine.kinds.load_catalogue`` is what callers use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from compliance.config.rule import Document, RuleBase, SourceRef, Strict
from compliance.config.yamlfile import explain, parse_mapping, read_file
from compliance.domain import HEADER_COLUMNS
from compliance.errors import CatalogueError
from compliance.spelling import normalise_name


class CombinedType(Strict):
    """A count table's column that counts several types at once (组织生活会民主评议党员): each counted meeting is one
    of each of ``types`` — held together, as the cited documents allow."""

    types: tuple[str, ...] = Field(min_length=2)
    source: tuple[SourceRef, ...] = Field(min_length=1)


class CatalogueModel(Strict):
    """What rules.yaml holds. ``rules`` is typed here by the base every kind's model extends; a file is validated
    against a subclass that narrows it to the union of the kinds' models (``compliance.engine.kinds.RulesFile``)."""

    version: Literal[1]
    documents: dict[str, Document]
    activity_types: dict[str, tuple[str, ...]]
    columns: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    combined_types: dict[str, CombinedType] = Field(default_factory=dict)
    rules: tuple[RuleBase, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Catalogue:
    """A validated catalogue plus the lookups derived from it."""

    path: str
    sha256: str
    model: CatalogueModel
    type_of: dict[str, str]  # any normalised spelling of an activity type → its canonical name
    column_of: dict[str, str]  # any normalised header → canonical column name (组织, 日期, …)

    @cached_property
    def rules(self) -> tuple[RuleBase, ...]:
        """The rules judged, in the file's order (each an instance of its kind's model): those not written
        ``enabled: false``."""
        return tuple(rule for rule in self.model.rules if rule.enabled)

    @property
    def disabled(self) -> tuple[RuleBase, ...]:
        """The opt-in rules a rules file holds switched off (listed by ``compliance rules``, never judged)."""
        return tuple(rule for rule in self.model.rules if not rule.enabled)

    @property
    def minutes_types(self) -> frozenset[str]:
        """The activity types a meeting's minutes are expected for: those of the rules whose kind holds the ledger
        against the minutes, enabled or not (the intake lists a ledger row of these types without minutes)."""
        return frozenset(t for rule in self.model.rules if rule.EXPECTS_MINUTES for t in rule.types)

    @property
    def activity_types(self) -> tuple[str, ...]:
        """The canonical activity types, in the file's order: a record's ``type`` is a position in it."""
        return tuple(self.model.activity_types)

    @property
    def combined_types(self) -> dict[str, tuple[str, ...]]:
        """A count table's header that counts several types at once (normalised) → the types each count is."""
        return {normalise_name(name): entry.types for name, entry in self.model.combined_types.items()}

    def rule(self, rule_id: str) -> RuleBase:
        """The rule with ``rule_id``, enabled or not (KeyError when there is none)."""
        for rule in self.model.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def source_text(self, rule: RuleBase) -> str:
        """The 依据 of a rule as one line: document titles in 《》 with their clauses."""
        parts = []
        for ref in rule.source:
            title = self.model.documents[ref.doc].title
            parts.append(f"《{title}》{ref.clause}" if ref.clause else f"《{title}》")
        return "；".join(parts)


PACKAGED_RULES = "rules.yaml"


def read_catalogue(path: str | Path | None, schema: type[CatalogueModel]) -> Catalogue:
    """Load a rules file (the packaged default when ``path`` is None) and validate it against ``schema``."""
    if path is None:
        return parse_catalogue(resources.files("compliance").joinpath(PACKAGED_RULES).read_bytes(),
                               "（内置）rules.yaml", schema)
    return parse_catalogue(read_file(path, CatalogueError, "规则文件"), str(path), schema)


def parse_catalogue(raw_bytes: bytes, display: str, schema: type[CatalogueModel]) -> Catalogue:
    """Validate the bytes of a rules file against ``schema`` (the kinds' union: ``engine.kinds.RulesFile``);
    ``display`` names it in messages and in findings.json."""
    raw = parse_mapping(raw_bytes, display, CatalogueError, "规则文件", "version、documents、activity_types、rules……")
    try:
        model = schema.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(explain(exc, raw, "规则文件无效。", "rules", _rule_name), source=display) from None
    type_of, column_of = _cross_check(model, display)
    return Catalogue(
        path=display,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        model=model,
        type_of=type_of,
        column_of=column_of,
    )


def _rule_name(index: int, entry: object) -> str:
    rule_id = entry.get("id") if isinstance(entry, dict) else None
    return f"规则“{rule_id}”" if rule_id else f"第 {index + 1} 条规则"


def _cross_check(model: CatalogueModel, shown: str) -> tuple[dict[str, str], dict[str, str]]:
    """Checks that span sections: ids unique, types and documents known, columns canonical."""

    def fail(message: str) -> CatalogueError:
        return CatalogueError("规则文件无效。\n" + message, source=shown)

    type_of: dict[str, str] = {}
    for canonical, variants in model.activity_types.items():
        for spelling in (canonical, *variants):
            key = normalise_name(spelling)
            if type_of.get(key, canonical) != canonical:
                raise fail(f"activity_types：写法“{spelling}”同时属于“{type_of[key]}”和“{canonical}”")
            type_of[key] = canonical

    column_of: dict[str, str] = {normalise_name(name): name for name in HEADER_COLUMNS}
    for canonical, synonyms in model.columns.items():
        if canonical not in HEADER_COLUMNS:
            raise fail(f"columns：未知的规范列名“{canonical}”，应为 {'、'.join(HEADER_COLUMNS)} 之一")
        for spelling in synonyms:
            key = normalise_name(spelling)
            if column_of.get(key, canonical) != canonical:
                raise fail(f"columns：列名“{spelling}”同时属于“{column_of[key]}”和“{canonical}”")
            column_of[key] = canonical

    for name, entry in model.combined_types.items():
        for activity in entry.types:
            if activity not in model.activity_types:
                raise fail(f"combined_types：“{name}”的活动类型“{activity}”未在 activity_types 中定义")
        for ref in entry.source:
            if ref.doc not in model.documents:
                raise fail(f"combined_types：“{name}”的依据文件“{ref.doc}”未在 documents 中定义")

    seen: set[str] = set()
    for rule in model.rules:
        if rule.id in seen:
            raise fail(f"规则 id“{rule.id}”重复")
        seen.add(rule.id)
        for activity in rule.types:
            if activity not in model.activity_types:
                raise fail(f"规则“{rule.id}”的键“types”：未知的活动类型“{activity}”，请先在 activity_types 中定义")
        for ref in rule.source:
            if ref.doc not in model.documents:
                raise fail(f"规则“{rule.id}”的键“source.doc”：未知的依据文件“{ref.doc}”，请先在 documents 中定义")
    return type_of, column_of
