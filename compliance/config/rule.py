"""What every rule in rules.yaml has, whatever its kind: id, Chinese title, what it applies to, the activity types
it counts, severity and source. Each kind's own model (``engine/kinds/<kind>.py``) extends ``RuleBase``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from compliance.domain import OrgType, Severity

_CJK = re.compile(r"[\u4e00-\u9fff]")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(Strict):
    title: str = Field(min_length=1)
    seed: str | None = None


class SourceRef(Strict):
    doc: str = Field(min_length=1)
    clause: str | None = None


class AppliesTo(Strict):
    """Either organisations (by type, optionally filtered on roster columns) or leaders (by post, or all)."""

    org_types: tuple[OrgType, ...] | None = None
    where: dict[str, str] = Field(default_factory=dict)
    leaders: Literal["all"] | tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> AppliesTo:
        if (self.org_types is None) == (self.leaders is None):
            raise ValueError("applies_to 须且只能写 org_types（组织类型）或 leaders（领导干部职务）之一")
        if self.leaders is not None and self.where:
            raise ValueError("where 只能与 org_types 一起使用")
        return self

    @property
    def subject(self) -> Literal["org", "leader"]:
        return "org" if self.org_types is not None else "leader"

    def describe(self) -> str:
        if self.org_types is not None:
            text = "、".join(self.org_types)
            if self.where:
                text += "（" + "，".join(f"{k}={v}" for k, v in self.where.items()) + "）"
            return text
        if self.leaders == "all":
            return "全部党员领导干部"
        return "、".join(self.leaders or ())


class Effective(Strict):
    """A rule's time in force, both ends inclusive and optional: ``{from: 2010-06-10, to: 2012-12-31}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Effective:
        if self.start is None and self.end is None:
            raise ValueError("effective 须至少写 from 或 to 之一")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"effective 的结束日期 {self.end} 早于开始日期 {self.start}")
        return self

    def covers(self, first: date, last: date) -> bool:
        """Does the rule's time in force hold the whole of ``first``..``last``?"""
        return (self.start is None or self.start <= first) and (self.end is None or last <= self.end)

    def describe(self) -> str:
        if self.start and self.end:
            return f"{self.start} 至 {self.end}"
        return f"{self.start} 起" if self.start else f"至 {self.end}"


TEXT_FIELDS = ("主题", "主讲人")  # the canonical columns that hold free text


class Match(Strict):
    """A condition the records a rule counts must also meet, on one canonical column — data, never an expression:
    ``{field: 主题, contains: [世博, 世博先锋]}`` (any of the words, after the usual simplified/full-width
    normalisation) or ``{field: 主讲人, nonempty: true}``."""

    field: str
    contains: tuple[str, ...] | None = Field(None, min_length=1)
    nonempty: Literal[True] | None = None

    @field_validator("field")
    @classmethod
    def _canonical(cls, value: str) -> str:
        if value not in TEXT_FIELDS:  # the others are codes, dates, counts or marks: a word test means nothing
            raise ValueError(f"field “{value}”不能用于 match，应为 {'、'.join(TEXT_FIELDS)} 之一")
        return value

    @model_validator(mode="after")
    def _one_test(self) -> Match:
        if (self.contains is None) == (self.nonempty is None):
            raise ValueError("match 须且只能写 contains（包含的词）或 nonempty: true（不为空）之一")
        if self.contains is not None and not all(word.strip() for word in self.contains):
            raise ValueError("contains 中的词不能为空")
        return self

    def describe(self) -> str:
        if self.contains is not None:
            return f"只计{self.field}含“{'”或“'.join(self.contains)}”的记录"
        return f"只计{self.field}已填写的记录"


class RuleBase(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    applies_to: AppliesTo
    types: tuple[str, ...] = Field(min_length=1)
    severity: Severity = Severity.ERROR
    source: tuple[SourceRef, ...] = Field(min_length=1)
    description: str | None = None
    effective: Effective | None = None  # judged only for periods wholly inside (None: always in force)
    match: Match | None = None  # the records counted must also meet this
    enabled: bool = True  # false: in the catalogue (listed, its types known) but not judged — an opt-in rule

    SUBJECTS: ClassVar[tuple[str, ...]] = ("org",)  # which applies_to subjects the kind supports
    # its types are the meetings minutes (会议记录) are expected for, enabled or not: the intake lists a ledger row of
    # those types without minutes (``Catalogue.minutes_types``)
    EXPECTS_MINUTES: ClassVar[bool] = False
    if TYPE_CHECKING:
        kind: str  # each kind's model declares it as its Literal name (the union's discriminator), not this base

    @field_validator("title")
    @classmethod
    def _chinese_title(cls, value: str) -> str:
        if not _CJK.search(value):
            raise ValueError("标题须为中文")
        return value

    @model_validator(mode="after")
    def _subject_supported(self) -> RuleBase:
        if self.applies_to.subject not in self.SUBJECTS:
            wanted = "org_types" if self.applies_to.subject == "leader" else "leaders"
            raise ValueError(f"{self.kind} 类规则的 applies_to 应写 {wanted}")
        return self

    def period_text(self) -> str:
        raise NotImplementedError
