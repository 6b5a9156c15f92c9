"""Waivers (``--waivers``): accepted exceptions, written down with a reason and who approved them.

::

    waivers:
      - rule: theme-day-monthly          # an id, or a list of ids
        orgs: [第一中学第一党支部]          # exact names (aliases too), or prefixes ending in * (第一中学*)
        from: 2024-08                    # months, inclusive
        to: 2024-08
        reason: 暑期教师集中培训，经党委批准顺延
        approved_by: 第一中学党委
        expires: 2025-06-30              # optional; judged against the as-of date

A finding is covered when its rule and organisation match and its period lies within ``from``..``to`` (a finding
labelled with one day — a record, an appointment, a rolling rule's as-of date — by that day). A covered finding
keeps its place with status ``waived``; the first waiver in file order that covers it is named. A waiver whose
``expires`` is before the as-of date applies to nothing and is reported, as is one that covers nothing. The file
is checked before any ledger is read.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from compliance.config.catalogue import Catalogue
from compliance.config.yamlfile import explain_entries, parse_mapping, read_file
from compliance.domain import Status
from compliance.engine.kinds import kind_of
from compliance.errors import InputError
from compliance.findings.table import Judgements
from compliance.intake.roster import Roster
from compliance.spelling import normalise_name

_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


class WaiverError(InputError):
    """The waivers file is unreadable or invalid; raised before any ledger is read."""


def _month(value: object) -> str:
    match = _MONTH.fullmatch(str(value).strip()) if isinstance(value, str | int) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"应写作年-月，如 2024-08（实际为 {value!r}）")
    return f"{match.group(1)}-{int(match.group(2)):02d}"


class WaiverModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    rule: list[str] = Field(min_length=1)
    orgs: list[str] = Field(min_length=1)
    start: str = Field(alias="from")
    end: str = Field(alias="to")
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    expires: date | None = None

    @field_validator("rule", "orgs", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("rule", "orgs")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        value = [v.strip() for v in value]
        if any(not v or v == "*" for v in value):
            raise ValueError("不能有空项（“*”也不行：豁免须写明组织）")
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _months(cls, value: object) -> str:
        return _month(value)

    @field_validator("reason", "approved_by", mode="before")
    @classmethod
    def _text(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[WaiverModel] = Field(min_length=1)


@dataclass(frozen=True)
class Waiver:
    number: int  # 1-based position in the file, as messages and reports name it
    rules: tuple[str, ...]
    orgs: tuple[str, ...]  # as written
    start: date  # first day of ``from``
    end: date  # last day of ``to``
    months: str  # "2024-08" or "2024-07..2024-08"
    reason: str
    approved_by: str
    expires: date | None

    def describe(self) -> str:
        return f"第 {self.number} 项（规则 {'、'.join(self.rules)}，组织 {'、'.join(self.orgs)}，{self.months}）"

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "rules": list(self.rules),
            "orgs": list(self.orgs),
            "months": self.months,
            "reason": self.reason,
            "approved_by": self.approved_by,
            "expires": self.expires.isoformat() if self.expires else None,
        }


@dataclass(frozen=True)
class Waivers:
    path: str
    sha256: str
    items: tuple[Waiver, ...]


def load_waivers(path: str | Path | None, catalogue: Catalogue) -> Waivers | None:
    if path is None:
        return None
    shown = str(path)
    raw_bytes = read_file(path, WaiverError, "豁免文件")
    raw = parse_mapping(raw_bytes, shown, WaiverError, "豁免文件", "waivers 列表")
    try:
        model = WaiverFile.model_validate(raw)
    except ValidationError as exc:
        raise WaiverError(explain_entries(exc, raw, "豁免文件无效。", "waivers"), source=shown) from None
    known = [rule.id for rule in catalogue.model.rules]  # a switched-off rule too: its waiver covers nothing
    items = []
    for number, entry in enumerate(model.waivers, start=1):
        for rule_id in entry.rule:
            if rule_id not in known:
                close = difflib.get_close_matches(rule_id, known, n=1)
                hint = f"，是否为“{close[0]}”？" if close else "；compliance rules 列出全部规则"
                raise WaiverError(f"豁免文件无效。\n第 {number} 项的键“rule”：规则目录中没有“{rule_id}”{hint}",
                                  source=shown)
        if entry.start > entry.end:
            raise WaiverError(f"豁免文件无效。\n第 {number} 项：from {entry.start} 晚于 to {entry.end}", source=shown)
        start = np.datetime64(entry.start, "M")
        end = (np.datetime64(entry.end, "M") + 1).astype("datetime64[D]") - 1
        items.append(
            Waiver(
                number=number,
                rules=tuple(entry.rule),
                orgs=tuple(entry.orgs),
                start=start.astype("datetime64[D]").item(),
                end=end.item(),
                months=entry.start if entry.start == entry.end else f"{entry.start}..{entry.end}",
                reason=entry.reason,
                approved_by=entry.approved_by,
                expires=entry.expires,
            )
        )
    return Waivers(shown, hashlib.sha256(raw_bytes).hexdigest(), tuple(items))


@dataclass
class Applied:
    """What the waivers did: the judgements marked, and per waiver what became of it."""

    judgements: Judgements  # status waived where a waiver covers a finding, with the waiver and the status it had
    report: list[dict]  # per waiver: as_dict() plus state (applied | expired | unused) and the findings it covers
    notes: list[str]


def apply_waivers(judgements: Judgements, waivers: Waivers, catalogue: Catalogue, roster: Roster,
                  as_of: date) -> Applied:
    """Mark the findings the waivers cover (a marked copy: ``judgements`` is not changed)."""
    n = len(judgements)
    status = judgements["status"]
    open_finding = status != Status.MET
    rule = judgements["rule"]
    org = judgements["org"]
    start = judgements["start"].astype("datetime64[D]")
    end = judgements["end"].astype("datetime64[D]")
    # a judgement made at the as-of date (rolling rules) is covered by that day, not by the years it looks back on
    at_as_of = np.isin(rule, [r.id for r in catalogue.rules if kind_of(r).at_as_of])
    first = np.where(at_as_of, end, start)
    chosen = np.full(n, -1, dtype=np.int64)
    report, notes = [], []
    for index, waiver in enumerate(waivers.items):
        covers = (
            open_finding
            & np.isin(rule, waiver.rules)
            & _org_matches(org, waiver.orgs, roster)
            & (first >= np.datetime64(waiver.start, "D"))
            & (end <= np.datetime64(waiver.end, "D"))
        )
        count = int(covers.sum())
        expired = waiver.expires is not None and waiver.expires < as_of
        if expired:
            state = "expired"
            notes.append(f"豁免{waiver.describe()}已于 {waiver.expires} 到期，不再适用"
                         + (f"（涉及 {count} 项问题，按原状态报告）" if count else ""))
        elif count == 0:
            state = "unused"
            notes.append(f"豁免{waiver.describe()}没有对应任何问题（规则、组织名称或月份是否写错？）")
        else:
            state = "applied"
            chosen[covers & (chosen < 0)] = index
        report.append({**waiver.as_dict(), "state": state, "findings": count})
    waived = chosen >= 0
    marked = judgements.marked(status=np.where(waived, Status.WAIVED, status), waiver=chosen,
                               was=np.where(waived, status, None))
    return Applied(marked, report, notes)


def _org_matches(org: np.ndarray, patterns: tuple[str, ...], roster: Roster) -> np.ndarray:
    """Exact names resolve like a ledger's spelling (aliases, traditional characters); a prefix ending in * matches
    an organisation when its name or one of its aliases starts with it."""
    wanted: set[str] = set()
    names = roster.names
    for pattern in patterns:
        if pattern.endswith("*"):
            prefix = normalise_name(pattern[:-1])
            wanted.update(names[code] for spelling, code in roster.lookup.items() if spelling.startswith(prefix))
        else:
            code = roster.resolve(pattern)
            wanted.add(names[code] if code is not None else pattern)
    return np.isin(org, sorted(wanted))
