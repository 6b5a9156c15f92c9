"""Which column is which: a table's headers read for their meaning, several candidates for one field ranked, the
cells consulted where the headers leave a tie or a gap, and every column not used listed with the reason.

The order of evidence, strongest first: a ``--layout`` file; what the header says (``compliance.intake.meaning``,
with the rules.yaml synonyms as a tie-breaker); what a sample of the cells holds — mostly dates, names the roster
resolves, activity types, leaders' names. Cells decide only a tie between equally good headers or a field no
header names; they never override a clear header, and a header that rules itself out (计划日期, 记录人) stays out.

The organisation may come from several columns at once: a parent unit's column beside the branch's
(所属党委 | 所在党支部, the branch blank on the unit's own meetings). They are all used, most specific first, and
each row takes the most specific cell that is filled in (see ``compliance.intake.normalise``).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.intake.issues import cell_text
from compliance.intake.meaning import DATE, ORG, PERSON, TOPIC, TYPE, HeaderReader, Reading
from compliance.intake.roster import Roster, is_organisation
from compliance.intake.sheets import Table
from compliance.intake.values import PLAUSIBLE, ValueProblem, is_blank, parse_date
from compliance.spelling import normalise_name, organisation_key, person_key, split_list

SAMPLE = 50  # cells per column looked at when cells decide
CONTENT_SHARE = 0.8  # of the sampled cells, this share must look like the field for the cells to fill a gap
CONTENT_FIELDS = (ORG, DATE, TYPE, PERSON)  # fields whose cells can be recognised (a topic can be any text)
WEAK = 4  # a header reading scored this or less (活动形式 as the type) needs its cells to confirm it …
CONFIRM_SHARE = 0.5  # … this share of them looking like the field
CHECKED = (TYPE, DATE)  # the fields whose cells can be checked without a roster


@dataclass(frozen=True)
class Understanding:
    """A table's columns: what each used column means, the organisation's columns in order, and the rest."""

    columns: dict[int, str]  # column position → canonical column (组织 may appear more than once)
    org_order: tuple[int, ...]  # the organisation's columns, most specific first
    unused: tuple[tuple[int, str], ...]  # (column position, why it is not used), in column order
    by_content: frozenset[int]  # positions whose meaning came from their cells, not their header
    unknown: frozenset[int]  # unused positions holding data with no header, or under a repeated one

    def header_map(self, headers: list[str]) -> dict[str, str]:
        """Header as written → canonical column, in column order (what inputs[].tables[].columns shows)."""
        return {headers[p] or f"第{p + 1}列": c for p, c in sorted(self.columns.items())}


class ColumnSample:
    """The sampled cells of a table's columns, and how much of each looks like a field (computed when asked)."""

    def __init__(self, table: Table, catalogue: Catalogue, roster: Roster | None) -> None:
        self.table, self.catalogue, self.roster = table, catalogue, roster
        self._shares: dict[tuple[int, str], float] = {}
        self.leaders = set(roster.leader_names) if roster is not None else set()

    def sample(self, position: int) -> list[object]:
        column = self.table.cells[position] if position in self.table.cells else pd.Series([], dtype=object)
        values = []
        for value in column.iloc[:SAMPLE * 40].to_numpy(dtype=object):  # a sample, never a whole column
            if not is_blank(value):
                values.append(value)
                if len(values) == SAMPLE:
                    break
        return values

    def share(self, position: int, field: str) -> float:
        """The share of a column's sampled cells that look like ``field`` (0 with fewer than 2 cells)."""
        key = (position, field)
        if key not in self._shares:
            values = self.sample(position)
            looks = getattr(self, f"_looks_{_NAMES[field]}")
            self._shares[key] = sum(map(looks, values)) / len(values) if len(values) >= 2 else 0.0
        return self._shares[key]

    def depth(self, position: int) -> float | None:
        """Mean depth in the roster's tree of the organisations a column names, None when it names none."""
        if self.roster is None or self.roster.inferred:
            return None
        found = [i for v in self.sample(position) if (i := self.roster.resolve(organisation_key(str(v)))) is not None]
        if not found:
            return None
        depths = [0] * len(found)
        for n, index in enumerate(found):
            while (index := int(self.roster.parent[index])) >= 0:
                depths[n] += 1
        return float(np.mean(depths))

    def _looks_date(self, value: object) -> bool:
        try:
            day = parse_date(value)
        except ValueProblem:
            return False
        return PLAUSIBLE[0] <= day <= PLAUSIBLE[1]

    def _looks_time(self, value: object) -> bool:
        if isinstance(value, datetime.time):
            return True
        return isinstance(value, str) and _TIME.fullmatch(unicodedata.normalize("NFKC", value).strip()) is not None

    def _looks_org(self, value: object) -> bool:
        return not isinstance(value, int | float) and is_organisation(organisation_key(str(value)), self.roster)

    def _looks_type(self, value: object) -> bool:
        return isinstance(value, str) and normalise_name(value) in self.catalogue.type_of

    def _looks_person(self, value: object) -> bool:
        names = split_list(person_key(value)) if isinstance(value, str) else []
        return bool(names) and all(n in self.leaders for n in names)


TIME = "时刻"  # not a column: what the cells of a 会议时间 column beside a 会议日期 column hold
_NAMES = {ORG: "org", DATE: "date", TYPE: "type", PERSON: "person", TIME: "time"}
_CLOCK = r"(?:上午|下午|晚上|中午)?\s*\d{1,2}\s*[:：时点]\s*(?:\d{1,2}\s*分?)?"
_TIME = re.compile(_CLOCK + r"(?:\s*(?:-|~|～|—|–|至|到|－)+\s*" + _CLOCK + ")?")


def understand(
    table: Table, reader: HeaderReader, catalogue: Catalogue, roster: Roster | None
) -> Understanding:
    """What each column of ``table`` means (see the module docstring for the order of evidence), in four steps:
    the headers read, one column chosen per field the headers name, the fields no header names found by their
    cells, and every column left over listed with why."""
    cells = ColumnSample(table, catalogue, roster)
    readings = _read_headers(table, reader)
    draft = _Draft()
    _choose_by_header(draft, table, readings, cells)
    _fill_by_content(draft, table, readings, cells)
    _list_the_rest(draft, table, readings)
    orgs = [p for p, c in draft.columns.items() if c == ORG]
    return Understanding(
        dict(sorted(draft.columns.items())),
        _org_order(orgs, readings, cells),
        tuple(sorted(draft.unused.items())),
        frozenset(draft.by_content),
        frozenset(draft.unknown),
    )


@dataclass
class _Draft:
    """An understanding while it is worked out: each step adds to it."""

    columns: dict[int, str] = dataclasses.field(default_factory=dict)  # position → canonical column
    unused: dict[int, str] = dataclasses.field(default_factory=dict)  # position → why it is not used
    by_content: set[int] = dataclasses.field(default_factory=set)  # positions whose meaning came from their cells
    unknown: set[int] = dataclasses.field(default_factory=set)  # unused positions holding data no header explains


def _read_headers(table: Table, reader: HeaderReader) -> dict[int, Reading]:
    """What each named header says (a ``--layout`` file's word for it first)."""
    override = table.override.columns if table.override else {}
    readings: dict[int, Reading] = {}
    for position, header in enumerate(table.headers):
        if not header:
            continue
        key = normalise_name(header)
        if key in override:
            chosen = override[key]
            readings[position] = (Reading(chosen, 100, "格式文件", level=reader.read(header).level) if chosen
                                  else Reading(None, 0, "格式文件说明不使用本列", never=True))
        else:
            readings[position] = reader.read(header)
    return readings


def _choose_by_header(draft: _Draft, table: Table, readings: dict[int, Reading], cells: ColumnSample) -> None:
    """For each field some header names, the column that gives it (every organisation column); a weak header
    its cells do not bear out, a date column of times and the losers of a tie are set aside, with why."""
    columns, unused, unknown = draft.columns, draft.unused, draft.unknown
    for field in dict.fromkeys(r.column for r in readings.values() if r.usable and r.column is not None):
        candidates = [p for p, r in readings.items() if r.usable and r.column == field]
        if field == ORG:
            columns.update(dict.fromkeys(candidates, ORG))
            continue
        # a weak header (活动形式, 学习形式) counts only when its cells bear it out: mostly activity types
        confirmed = [p for p in candidates if readings[p].score > WEAK or field not in CHECKED
                     or cells.share(p, field) >= CONFIRM_SHARE]
        for p in candidates:
            if p not in confirmed:
                unused[p] = _unconfirmed(readings[p], field, cells.sample(p))
        if field == DATE:  # a column of times or time spans (14:30 - 16:00) is not a date, whatever its header
            timed = [p for p in confirmed if cells.share(p, TIME) >= CONFIRM_SHARE]
            confirmed = [p for p in confirmed if p not in timed]
        if not confirmed:
            if field == DATE:
                unused.update((p, _timed(readings[p], cells.sample(p), None)) for p in timed)
            continue
        candidates = confirmed
        winner = _best(candidates, field, readings, cells)
        columns[winner] = field
        if field == DATE:
            unused.update((p, _timed(readings[p], cells.sample(p), table.headers[winner])) for p in timed)
        for loser in candidates:
            if loser != winner:
                unused[loser] = _lost(readings[loser], readings[winner], table.headers, winner, loser)
                if unused[loser].startswith("列名重复"):
                    unknown.add(loser)


def _fill_by_content(draft: _Draft, table: Table, readings: dict[int, Reading], cells: ColumnSample) -> None:
    """A field no header names: the open column whose cells mostly are such values; then the type written where
    the name is (活动名称: 支部党员大会)."""
    columns = draft.columns
    for field in CONTENT_FIELDS:
        if field in columns.values():
            continue
        open_ = [p for p in range(table.cells.shape[1]) if p not in columns and not _ruled_out(readings.get(p))
                 and not _empty(table, p)]
        scored = [(cells.share(p, field), -p) for p in open_]
        best = max(scored, default=(0.0, 0))
        if best[0] >= CONTENT_SHARE:
            columns[-best[1]] = field
            draft.by_content.add(-best[1])

    if TYPE not in columns.values():
        _type_from_topic(columns, draft.unused, readings, cells, draft.by_content, table.headers)


def _list_the_rest(draft: _Draft, table: Table, readings: dict[int, Reading]) -> None:
    """Every column neither used nor set aside yet, with why: a header that rules itself out, one that means
    nothing known, a column of data without a header."""
    columns, unused = draft.columns, draft.unused
    for position, reading in readings.items():
        if position in columns or position in unused:
            continue
        if reading.never and reading.about in columns.values():
            used = next(p for p, c in sorted(columns.items()) if c == reading.about)
            unused[position] = f"{reading.why}，已用“{table.headers[used]}”"
        else:
            unused[position] = reading.why if reading.never else _unknown(reading)
    for position in range(table.cells.shape[1]):
        if position not in columns and position not in unused and not table.headers[position] \
                and not _empty(table, position):
            unused[position] = "无列名的列，已忽略"
            draft.unknown.add(position)


def _type_from_topic(columns: dict[int, str], unused: dict[int, str], readings: dict[int, Reading], cells: ColumnSample,
                     by_content: set[int], headers: list[str]) -> None:
    """When no column is the type: a name or topic column whose cells mostly are activity types gives it (owip's
    主题党日活动录入样表 has no 类型 column; its 活动名称 says 支部党员大会). The topic then comes from the next best
    topic column, if any."""
    named = [p for p, r in readings.items() if r.usable and r.column == TOPIC]
    found = max(((cells.share(p, TYPE), -p) for p in named), default=(0.0, 0))
    if found[0] < CONTENT_SHARE:
        return
    position = -found[1]
    was_topic = columns.get(position) == TOPIC
    columns[position] = TYPE
    by_content.add(position)
    unused.pop(position, None)
    if was_topic and (others := [p for p in named if p != position]):
        topic = max(others, key=lambda p: (readings[p].score, -p))
        columns[topic] = TOPIC
        unused.pop(topic, None)


def _best(candidates: list[int], field: str, readings: dict[int, Reading], cells: ColumnSample) -> int:
    """The best of several columns for one field: the higher score; on a tie, the cells; then the leftmost."""
    top = max(readings[p].score for p in candidates)
    tied = [p for p in candidates if readings[p].score == top]
    if len(tied) == 1 or field not in CONTENT_FIELDS:
        return min(tied)
    return max(tied, key=lambda p: (cells.share(p, field), -p))


def _lost(loser: Reading, winner: Reading, headers: list[str], won: int, lost: int) -> str:
    if headers[won] and normalise_name(headers[won]) == normalise_name(headers[lost]):
        return f"列名重复（已使用前面的“{headers[won]}”列），本列已忽略"
    if loser.score == winner.score:
        return (f"也可作{winner.column}（{loser.why}），与“{headers[won]}”同样合适，"
                f"已用“{headers[won]}”（内容更像，或位置靠左）")
    return f"也可作{winner.column}（{loser.why}），已用更确切的“{headers[won]}”"


def _unconfirmed(reading: Reading, field: str, sample: list[object]) -> str:
    shown = "、".join(dict.fromkeys(str(v).strip() for v in sample[:3]))
    return f"{reading.why}，但内容大多不是{field}（如“{shown}”），已忽略"


def _timed(reading: Reading, sample: list[object], date_header: str | None) -> str:
    shown = "、".join(dict.fromkeys(cell_text(v) or "" for v in sample[:2]))
    with_date = f"，与“{date_header}”合起来是活动的时间，日期取自“{date_header}”" if date_header else "，已忽略"
    return f"{reading.why}，但内容是时刻或时段（如“{shown}”），不是日期{with_date}"


def _ruled_out(reading: Reading | None) -> bool:
    return reading is not None and (reading.never or reading.usable)


def _empty(table: Table, position: int) -> bool:
    return bool(table.empty_columns.iat[position]) if len(table.cells) else True


def _unknown(reading: Reading) -> str:
    return f"{reading.why}，已忽略（可在格式文件 --layout 中说明它的含义）"


def _org_order(orgs: list[int], readings: dict[int, Reading], cells: ColumnSample) -> tuple[int, ...]:
    """The organisation's columns, most specific first: by the depth in the roster of the names they hold when
    every one of them holds some, else by what their headers say (支部 before 党委 before 上级)."""
    if len(orgs) < 2:
        return tuple(orgs)
    depths = {p: d for p in orgs if (d := cells.depth(p)) is not None}
    if len(depths) == len(orgs):
        return tuple(sorted(orgs, key=lambda p: (-depths[p], p)))
    rank = {p: {0: 1.5}.get(readings[p].level, readings[p].level) if p in readings else 1.5 for p in orgs}
    return tuple(sorted(orgs, key=lambda p: (-rank[p], p)))
