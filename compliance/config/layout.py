"""Per-source layout overrides (``--layout``): for a ledger whose headers the synonyms in rules.yaml do not cover.

A layout file names sources by their path as shown (relative to the ledger folder given, ``*`` and ``?`` allowed),
optionally a sheet, and says which row holds the header, what each unusual header means, and — for a ledger
that does not write them — the activity type or the organisation of every row::

    sources:
      - file: "第一中学/退休党支部活动记录.xlsx"
        sheet: "活动记录"
        header_row: 2
        columns: {所属党组织: 组织, 开展时间: 日期, 形式: 类型, 备注: ~}

A count table (统计表) says ``kind: counts`` and may say its ``year``; its ``columns`` name its organisation
columns (组织) and those not to use (~); its count columns are read by the activity types their headers name.

A column mapped to ``~`` (nothing) is not used. Headers the entry does not name are read for their meaning as
usual. ``compliance layout suggest`` writes such a file from what the tool understood, to be corrected by hand.

The first entry that matches a sheet applies to it. An entry that matches no sheet at all is reported after the
run (a misspelt file name should not go unnoticed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from compliance.config.catalogue import Catalogue
from compliance.config.yamlfile import explain_entries, parse_mapping, read_file
from compliance.domain import HEADER_COLUMNS
from compliance.errors import InputError
from compliance.spelling import normalise_name


class LayoutError(InputError):
    """The layout file is unreadable or invalid."""


class SourceLayout(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str = Field(min_length=1)
    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    columns: dict[str, str | None] = Field(default_factory=dict)
    type: str | None = None
    org: str | None = None
    kind: Literal["counts"] | None = None  # a count table (统计表): its cells are counts per organisation and month
    year: int | None = Field(default=None, ge=1990, le=2099)  # a count table's year, when no name or column gives it

    @field_validator("columns")
    @classmethod
    def _canonical(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        for header, canonical in value.items():
            if canonical is not None and canonical not in HEADER_COLUMNS:
                raise ValueError(f"“{header}”对应的“{canonical}”不是规范列名，应为 {'、'.join(HEADER_COLUMNS)} 之一，"
                                 "或留空（~）表示不使用本列")
        return value


class LayoutModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: list[SourceLayout] = Field(min_length=1)


@dataclass(frozen=True)
class Override:
    """What a layout entry says about one sheet: header row, header → canonical column, fixed type/org."""

    entry: int
    header_row: int | None = None
    columns: dict[str, str | None] = field(default_factory=dict)  # normalised header → canonical column (None: unused)
    type: str | None = None
    org: str | None = None
    kind: str | None = None  # "counts": a count table (compliance.intake.counts), not a ledger
    year: int | None = None


@dataclass
class Layout:
    path: str
    entries: list[SourceLayout]
    used: set[int] = field(default_factory=set)

    def match(self, source: str, sheet: str | None, path: str | None = None) -> Override | None:
        """The override for a sheet of a source (``sheet`` None for CSV), from the first entry that matches.

        ``file`` is matched against the source as shown, and against the end of its full path, so an entry
        written for ``第一中学/台账.xlsx`` applies whether the folder or the file itself was given."""
        for index, entry in enumerate(self.entries):
            pattern = entry.file.replace("\\", "/")
            if not (fnmatchcase(source, pattern) or (path and fnmatchcase(path, f"*/{pattern}"))):
                continue
            if entry.sheet is not None and (sheet is None or not fnmatchcase(sheet, entry.sheet)):
                continue
            self.used.add(index)
            return Override(
                index,
                entry.header_row,
                {normalise_name(header): canonical for header, canonical in entry.columns.items()},
                entry.type,
                entry.org,
                entry.kind,
                entry.year,
            )
        return None

    def unused(self) -> list[str]:
        """Entries that matched nothing, described for a warning."""
        return [
            f"第 {i + 1} 项（file: {e.file}{f'，sheet: {e.sheet}' if e.sheet else ''}）没有匹配到任何文件或工作表"
            for i, e in enumerate(self.entries)
            if i not in self.used
        ]


def load_layout(path: str | Path | None, catalogue: Catalogue) -> Layout | None:
    if path is None:
        return None
    shown = str(path)
    raw = parse_mapping(read_file(path, LayoutError, "格式文件"), shown, LayoutError, "格式文件", "sources 列表")
    try:
        model = LayoutModel.model_validate(raw)
    except ValidationError as exc:
        raise LayoutError(explain_entries(exc, raw, "格式文件无效。", "sources", "file"), source=shown) from None
    for number, entry in enumerate(model.sources, start=1):
        if entry.type is not None and normalise_name(entry.type) not in catalogue.type_of:
            raise LayoutError(f"格式文件无效。\n第 {number} 项的键“type”：未知的活动类型“{entry.type}”", source=shown)
    return Layout(shown, list(model.sources))
