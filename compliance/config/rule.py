"""What every rule in rules.yaml has, whatever its kind: id, Chinese title, what it applies to, the activity types
it counts, severity and source. Each kind's own model (``engine/kinds/<kind>.py``) extends ``RuleBase``.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

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
        return "、".join(self.leaders)


class RuleBase(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    applies_to: AppliesTo
    types: tuple[str, ...] = Field(min_length=1)
    severity: Severity = Severity.ERROR
    source: tuple[SourceRef, ...] = Field(min_length=1)
    description: str | None = None

    SUBJECTS: ClassVar[tuple[str, ...]] = ("org",)  # which applies_to subjects the kind supports

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
