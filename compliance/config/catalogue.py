"""The rule catalogue (rules.yaml): loaded once, validated once, before any ledger is read.

Every rule is data: a ``kind`` (one module under ``compliance/engine/kinds/``, whose model says what else the rule
may write) and its parameters. The kinds' models form a pydantic discriminated union on ``kind`` with
``extra="forbid"``; any problem becomes one ``CatalogueError`` that names the file, the rule id and the key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import Field, ValidationError

from compliance.config.rule import Document, RuleBase, Strict
from compliance.config.yamlfile import explain, parse_mapping, read_file
from compliance.domain import COLUMNS
from compliance.engine.kinds import KINDS, Kind
from compliance.errors import CatalogueError
from compliance.spelling import normalise_name

if TYPE_CHECKING:
    Rule = RuleBase  # what every kind's model is; the union below is built from the registry at import
else:
    Rule = Annotated[Union[tuple(kind.config for kind in KINDS.values())], Field(discriminator="kind")]  # noqa: UP007


class CatalogueModel(Strict):
    version: Literal[1]
    documents: dict[str, Document]
    activity_types: dict[str, tuple[str, ...]]
    columns: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Catalogue:
    """A validated catalogue plus the lookups derived from it."""

    path: str
    sha256: str
    model: CatalogueModel
    type_of: dict[str, str]  # any normalised spelling of an activity type → its canonical name
    column_of: dict[str, str]  # any normalised header → canonical column name (组织, 日期, …)

    @property
    def rules(self) -> tuple[RuleBase, ...]:
        return self.model.rules

    @property
    def activity_types(self) -> tuple[str, ...]:
        return tuple(self.model.activity_types)

    def kind(self, rule: RuleBase) -> Kind:
        """The kind of a rule: what the engine, waivers, baseline and renderers may ask of it."""
        return KINDS[rule.kind]

    def rule(self, rule_id: str) -> RuleBase:
        for rule in self.rules:
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


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a rules file (the packaged default when ``path`` is None)."""
    if path is None:
        return parse_catalogue(resources.files("compliance").joinpath(PACKAGED_RULES).read_bytes(),
                               "（内置）rules.yaml")
    return parse_catalogue(read_file(path, CatalogueError, "规则文件"), str(path))


def parse_catalogue(raw_bytes: bytes, display: str) -> Catalogue:
    """Validate the bytes of a rules file; ``display`` names it in messages and in findings.json."""
    raw = parse_mapping(raw_bytes, display, CatalogueError, "规则文件", "version、documents、activity_types、rules……")
    try:
        model = CatalogueModel.model_validate(raw)
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

    column_of: dict[str, str] = {normalise_name(name): name for name in COLUMNS}
    for canonical, synonyms in model.columns.items():
        if canonical not in COLUMNS:
            raise fail(f"columns：未知的规范列名“{canonical}”，应为 {'、'.join(COLUMNS)} 之一")
        for spelling in synonyms:
            key = normalise_name(spelling)
            if column_of.get(key, canonical) != canonical:
                raise fail(f"columns：列名“{spelling}”同时属于“{column_of[key]}”和“{canonical}”")
            column_of[key] = canonical

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
