"""Domain models: organisations, leaders, activity records, findings, and the enums that classify them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def chinese(self) -> str:
        return {"error": "错误", "warning": "警告"}[self.value]


class Status(StrEnum):
    """How one period (or record, or person) was judged. ``met`` never appears among findings."""

    MET = "met"
    VIOLATION = "violation"
    DUE = "due"
    UNVERIFIABLE = "unverifiable"
    WAIVED = "waived"

    @property
    def chinese(self) -> str:
        return {
            "met": "符合",
            "violation": "违规",
            "due": "待完成",
            "unverifiable": "无法核验",
            "waived": "已豁免",
        }[self.value]


def status_counts(statuses) -> dict[str, int]:
    """How many findings have each status (met excluded: it is never a finding)."""
    counts = {s.value: 0 for s in Status if s is not Status.MET}
    for status in statuses:
        if status in counts:
            counts[status] += 1
    return counts


class OrgType(StrEnum):
    WORK_COMMITTEE = "党工委"
    PARTY_GROUP = "党组"
    COMMITTEE = "党委"
    GENERAL_BRANCH = "党总支"
    BRANCH = "党支部"


class Organisation(BaseModel):
    """One row of the roster's 组织 sheet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    type: OrgType
    parent: str | None = None
    founded: date | None = None
    aliases: tuple[str, ...] = ()
    attributes: dict[str, str] = Field(default_factory=dict)


class Leader(BaseModel):
    """One row of the roster's 领导干部 sheet: a post held from ``start`` until (not including) ``end``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    org: str = Field(min_length=1)
    posts: tuple[str, ...]
    start: date | None = None
    end: date | None = None


# Canonical ledger columns: the Chinese header users write, and the field it becomes in the records table.
COLUMNS: dict[str, str] = {
    "组织": "org",
    "日期": "date",
    "类型": "type",
    "主题": "topic",
    "主讲人": "person",
    "应到": "expected",
    "实到": "present",
    "会前说纪": "discipline",
    "缺席": "absent",  # the names of those who did not come (缺席人员及原因: 张三,李四(出差) → 张三、李四)
}


# Columns a header may name besides the record's own: a list of the people who took part (参会人员, 参加人员名单),
# which gives 实到 and 应到 (``compliance.intake.attendance``) and is no field of the records.
LIST_COLUMNS: dict[str, str] = {"参会人员": "attendees"}
HEADER_COLUMNS: dict[str, str] = {**COLUMNS, **LIST_COLUMNS}
