"""The data-quality gate: a great-expectations suite over the normalised ledger rows, run in an ephemeral context.

Each expectation in ``GATE`` names the column it checks (the GE column is the canonical Chinese column) and what
a row that fails it becomes:

- ``reject``: the row cannot be used (no organisation, not in the roster, no or impossible date, unknown type);
  the first failed expectation gives the reason, so each rejected row is listed once and the totals reconcile;
- ``exclude``: the row is sound but does not count in this run (dated after the as-of date); listed as a warning;
- ``warn``: the row counts, the field is suspicious or unusable (实到 above 应到, a head count that is not a
  non-negative integer, a 会前说纪 mark that is neither yes nor no); listed as a warning.

What great-expectations sees is numeric, one float column per field (NaN where the cell is blank): the
organisation's roster position (-1 when not in the roster), the date as a day number, the type's position in the
vocabulary (-1 when unknown), head counts as parsed (-1 when they could not be), 会前说纪 as 1/0 (-1 when
unreadable). Number comparisons are what its pandas engine does fast; the Chinese reasons come from the rows
themselves. It validates each column's distinct values (distinct pairs for the cross-column expectation,
``Distinct``) — tens of thousands of values for a province's million rows — asked for the failing values'
positions only, which are mapped back to the rows holding them: a row fails an expectation exactly when its value
does, so the rows, their order and the counts are what validating every row gives.

The suite is data (each expectation a great-expectations class name and its arguments); how great-expectations
runs it — in this process, or in a helper process that imported it while the ledgers were read — and how it is
imported are ``compliance.intake.expectations``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.frames import constant
from compliance.intake.attendance import group as group_attendance
from compliance.intake.attendance import rows_text
from compliance.intake.backing import UNBACKED, minutes_mask, pair
from compliance.intake.expectations import Spec, columns_of, expectation_type, submit
from compliance.intake.issues import Issue, cell_text, in_documents, issues_frame
from compliance.intake.kinds import TableKind
from compliance.intake.normalise import Candidates, SourceSummary, TableInfo, records_frame
from compliance.intake.roster import Roster
from compliance.intake.shapes import ExpectationCount
from compliance.intake.values import PLAUSIBLE
from compliance.spelling import split_list


@dataclass(frozen=True)
class Expectation:
    """One expectation of the gate: what it checks, what a failing row becomes, and why, in Chinese."""

    column: str  # canonical column; also the column of the frame great-expectations sees
    action: str  # reject | exclude | warn
    expectation: Callable[[GateContext], Spec]  # what great-expectations checks, as data
    reason: Callable  # (GateContext, row index) -> str


@dataclass
class GateContext:
    frame: pd.DataFrame  # the candidate rows
    roster: Roster
    catalogue: Catalogue
    as_of: date
    tables: list[TableInfo]  # per table index: what the table gives and, for what it cannot, why
    org_problems: dict[int, str] = field(default_factory=dict)  # per row, why its organisation was not found
    _columns: dict[str, pd.Series] = field(default_factory=dict, repr=False)

    def cell(self, column: str, i: int):
        """The candidate row ``i``'s value of ``column`` (a message's; the column looked up in the frame once)."""
        if column not in self._columns:
            self._columns[column] = self.frame[column]
        return self._columns[column].iat[i]


def _day(value: date) -> float:
    return float(np.datetime64(value, "D").astype(np.int64))


def _org_reason(ctx: GateContext, i: int) -> str:
    spelling = str(ctx.cell("org_key", i))  # (a row rejected here has one: the blank ones are rejected first)
    if ctx.roster.inferred:
        return (f"未提供名册，且无法从名称“{spelling}”判断组织类型（名称应以党支部、党总支、党委、党组或工委结尾）；"
                "请用 --roster 指定名册")
    near = ctx.roster.closest(spelling)
    return f"组织“{spelling}”不在名册中" + (f"，最接近的有：{'、'.join(near)}" if near else "")


def _missing(ctx: GateContext, i: int, column: str) -> str | None:
    """Why the row's whole table cannot give ``column`` (None when it has the column)."""
    why = ctx.tables[int(ctx.cell("table", i))].missing.get(column)
    return f"{why}（可在格式文件 --layout 中{_HINTS[column]}）" if why else None


_HINTS = {"组织": "用 org 指定", "类型": "用 type 指定", "日期": "用 columns 说明哪一列是活动日期"}


def _no_org(ctx: GateContext, i: int) -> str:
    return ctx.org_problems.get(i) or _missing(ctx, i, "组织") or "组织为空"


def _unusable(label: str) -> Callable:
    def reason(ctx: GateContext, i: int) -> str:
        return f"{ctx.cell(f'{label}_problem', i)}，按未填写处理"

    return reason


def _expect(name: str, **kwargs) -> Callable[[GateContext], Spec]:
    """An expectation as data: its great-expectations class and arguments (``compliance.intake.expectations``)."""
    return lambda ctx: (name, kwargs)


GATE: tuple[Expectation, ...] = (
    Expectation("组织", "reject", _expect("ExpectColumnValuesToNotBeNull", column="组织"), _no_org),
    Expectation("组织", "reject", _expect("ExpectColumnValuesToBeBetween", column="组织", min_value=0), _org_reason),
    Expectation("日期", "reject", _expect("ExpectColumnValuesToNotBeNull", column="日期"),
          lambda c, i: _missing(c, i, "日期") or c.cell("date_problem", i) or "日期为空"),
    Expectation("日期", "reject",
          _expect("ExpectColumnValuesToBeBetween", column="日期", min_value=_day(PLAUSIBLE[0]),
                  max_value=_day(PLAUSIBLE[1])),
          lambda c, i: f"日期“{pd.Timestamp(c.cell('date', i)).date()}”不在合理范围"
                       f"（{PLAUSIBLE[0]} 至 {PLAUSIBLE[1]}），可能填写有误"),
    Expectation("类型", "reject", _expect("ExpectColumnValuesToNotBeNull", column="类型"),
          lambda c, i: _missing(c, i, "类型") or "活动类型为空，且无法从工作表名或文件名确定"),
    Expectation("类型", "reject", _expect("ExpectColumnValuesToBeBetween", column="类型", min_value=0),
          lambda c, i: f"未知的活动类型“{c.cell('type', i)}”"),
    Expectation("日期", "exclude",
          lambda c: ("ExpectColumnValuesToBeBetween", {"column": "日期", "max_value": _day(c.as_of)}),
          lambda c, i: f"日期晚于检查日 {c.as_of}，不计入本次检查"),
    Expectation("应到", "warn", _expect("ExpectColumnValuesToBeBetween", column="应到", min_value=0),
          _unusable("expected")),
    Expectation("实到", "warn", _expect("ExpectColumnValuesToBeBetween", column="实到", min_value=0),
          _unusable("present")),
    Expectation("实到", "warn",
          _expect("ExpectColumnPairValuesAToBeGreaterThanB", column_A="应到人数", column_B="实到人数", or_equal=True,
                  ignore_row_if="either_value_is_missing"),
          lambda c, i: f"实到人数多于应到人数（应到 {int(c.cell('expected', i))}）"),
    Expectation("会前说纪", "warn", _expect("ExpectColumnValuesToBeInSet", column="会前说纪", value_set=[0, 1]),
          _unusable("discipline")),
)
_RAW = {"组织": "raw_org", "日期": "raw_date", "类型": "raw_type", "应到": "raw_expected", "实到": "raw_present",
        "会前说纪": "raw_discipline"}


@dataclass
class GateResult:
    records: pd.DataFrame  # RECORD_FIELDS and ``backed`` (it has minutes: ``compliance.intake.backing``), accepted
    # rows (including those dated after the as-of date)
    counted: np.ndarray  # bool per record: counts in this run (not after the as-of date)
    rejected: pd.DataFrame  # ISSUE_COLUMNS (``compliance.intake.issues``)
    warnings: pd.DataFrame  # ISSUE_COLUMNS, header warnings included
    expectations: list[ExpectationCount]  # per expectation: type, column, action, unexpected count
    notes: list[str] = field(default_factory=list)  # sheets that repeat another sheet, said once each
    twins: np.ndarray = field(default_factory=lambda: np.empty((0, 2), dtype=np.int64))  # (ledger record, its
    # minutes) per meeting both give: the minutes do not count again (``compliance.intake.backing``)
    per_source: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))  # (accepted,
    # rejected) rows per file, in the order of the candidates' sources (``count_sources`` writes them down)


def gate(candidates: Candidates, roster: Roster, catalogue: Catalogue, as_of: date) -> GateResult:
    """Run the suite over the candidate rows; split them into records, rejected rows and warnings. The candidates
    are left as they are: each file's accepted and rejected rows are counted in the result (``per_source``)."""
    frame = candidates.rows
    columns, org = _suite_columns(candidates, roster, catalogue)
    ctx = GateContext(frame, roster, catalogue, as_of, candidates.tables, candidates.org_problems)
    specs = [check.expectation(ctx) for check in GATE]
    answer = _submit(Distinct(columns, [columns_of(spec) for spec in specs]), specs)
    # while great-expectations validates (in the helper process, when one runs), what does not depend on its
    # verdict: the names of leaders the rows give (of the rows it accepts, asked after), and the roster's names
    # closest to each spelling it does not hold (the messages of those rows, which the verdict rejects)
    doubts = _leader_doubts(frame, org, roster)
    _closest_ahead(frame, org, roster)
    verdict = _verdict(answer(), ctx)
    accepted = ~verdict.rejected
    names = np.array([*roster.names, None], dtype=object)
    more_types = frame["more_types"].to_numpy(dtype=object)
    several = pd.notna(more_types)  # rows naming several types (a few, if any)
    rejected, warning_rows = _row_issues(candidates, ctx, verdict, accepted, org, names, doubts, several)

    keep = np.flatnonzero(accepted)
    records = records_frame(frame, keep, org, columns["类型"].values[columns["类型"].codes], _given_codes(candidates))
    counted_kept = verdict.counted[keep]
    more = more_types[keep] if several.any() else constant(len(keep), None)
    attendees = frame["attendees"].to_numpy(dtype=object)
    if pd.notna(attendees).any() or any(t.kind.kind is TableKind.ATTENDANCE and t.kind.read
                                        for t in candidates.tables):
        lists = attendees[keep]
        records, counted_kept, more, disagree = _attendance(
            records, counted_kept, more, lists, candidates.tables,
            np.bincount(frame["table"].to_numpy()[keep], minlength=len(candidates.tables)))
        warning_rows.extend(issue._replace(org=names[records["org"].iat[k]]) for k, issue in disagree)
    if several.any():
        records, counted_kept = _each_type(records, counted_kept, more, catalogue.activity_types)
    counted_kept, copies, twins, repeated = _one_meeting_once(records, counted_kept, candidates.tables, names,
                                                              catalogue)
    warning_rows.extend(repeated)
    warnings = in_documents(issues_frame(warning_rows), candidates.tables)
    if len(warnings):
        warnings = issues_frame(
            warnings.sort_values(["source", "sheet", "row"], na_position="first", kind="stable")
        )

    table_info = candidates.tables
    notes = [f"文件 {table_info[a].source}：工作表“{table_info[a].sheet}”的 {rows} 行与“{table_info[b].sheet}”重复，"
             "只计一次" for (a, b), rows in copies.items()]
    source_of = frame["source_index"].to_numpy()
    n_sources = len(candidates.sources)
    rejected_per_source = np.bincount(source_of[verdict.rejected], minlength=n_sources)
    per_source = np.stack([np.bincount(source_of, minlength=n_sources) - rejected_per_source, rejected_per_source],
                          axis=1)
    return GateResult(records, counted_kept, rejected, warnings, verdict.summary, notes, twins, per_source)


def _closest_ahead(frame: pd.DataFrame, org: np.ndarray, roster: Roster) -> None:
    """Ask the roster for the names closest to each spelling of an organisation it does not hold, as ``_org_reason``
    will for each of their rows (the roster keeps the answers): every such row fails the gate's second
    expectation, if not its first. The roster's index of names is built here, and only when a spelling is unknown."""
    if roster.inferred:
        return
    spellings = frame["org_key"].to_numpy(dtype=object)[np.flatnonzero(org < 0)]
    for spelling in dict.fromkeys(spellings[pd.notna(spellings)].tolist()):
        roster.closest(str(spelling))


def count_sources(sources: list[SourceSummary], result: GateResult) -> None:
    """Write each file's accepted and rejected rows, as the gate counted them, into its summary."""
    for source, (accepted, rejected) in zip(sources, result.per_source.tolist(), strict=True):
        source.accepted, source.rejected = accepted, rejected


@dataclass(frozen=True)
class Coded:
    """A column of what great-expectations sees, per distinct value: each row's code and the values, so that a
    column of a million rows is never built only to be factorised again."""

    codes: np.ndarray  # int per row, from 0
    values: np.ndarray  # float64 per code


def _suite_columns(candidates: Candidates, roster: Roster, catalogue: Catalogue
                   ) -> tuple[dict[str, Coded], np.ndarray]:
    """What great-expectations sees (see the module docstring), each column coded per distinct value: from the codes
    normalise kept of the cells it parsed (``Candidates.coded``), or, for a column it did not keep, from the
    candidate column factorised here. Organisations' spellings are each resolved once (also the rows' roster
    indices, returned too); days, types; the head counts and 会前说纪 as parsed."""
    frame, given = candidates.rows, _given_codes(candidates)
    org, org_rows = _organisations(given.get("org_key") or _factorised(frame["org_key"]), roster)
    if "date" in given:
        days = _day_numbers(*given["date"])
    else:
        days = _day_numbers(*_factorised(frame["date"].to_numpy("datetime64[D]")))
    types = (_positions(*given["type"], catalogue.activity_types) if "type" in given
             else positions(frame["type"], catalogue.activity_types))
    counts = {name: _parsed_count(given[name], given[f"{name}_problem"]) if name in given
              else _count(frame[name], frame[f"{name}_problem"]) for name in ("expected", "present")}
    mark = (_parsed_mark(given["discipline"], given["discipline_problem"]) if "discipline" in given
            else _mark(frame["discipline"], frame["discipline_problem"]))
    return {
        "组织": org,
        "日期": days,
        "类型": types,
        "应到": counts["expected"][0],
        "实到": counts["present"][0],
        "应到人数": counts["expected"][1],
        "实到人数": counts["present"][1],
        "会前说纪": mark,
    }, org_rows


def _given_codes(candidates: Candidates) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The codes normalise kept (``Candidates.coded``), those that still fit the candidate rows."""
    rows = len(candidates.rows)
    return {name: pair for name, pair in candidates.coded.items() if len(pair[0]) == rows}


def _factorised(column) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, value per code) of a column, a blank one value like any other."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, np.asarray(uniques)


def _organisations(coded: tuple[np.ndarray, np.ndarray], roster: Roster) -> tuple[Coded, np.ndarray]:
    """The organisations as great-expectations sees them (the roster position, -1 when not in it, NaN when blank),
    each distinct spelling resolved once; and each row's roster index (-1 when blank or not in the roster)."""
    codes, spellings = coded
    blank = pd.isna(spellings)
    index = np.array([-1 if missing or (found := roster.resolve(spelling)) is None else found
                      for spelling, missing in zip(spellings.tolist(), blank.tolist(), strict=True)], dtype=np.int64)
    return Coded(codes, np.where(blank, np.nan, index.astype(np.float64))), index[codes]


def _day_numbers(codes: np.ndarray, days: np.ndarray) -> Coded:
    """Day numbers (days since 1970-01-01) per distinct date, NaN where there is none."""
    days = np.asarray(days).astype("datetime64[D]")
    return Coded(codes, np.where(np.isnat(days), np.nan, days.astype(np.int64).astype(np.float64)))


def _positions(codes: np.ndarray, values: np.ndarray, vocabulary: tuple[str, ...]) -> Coded:
    """``positions`` of types normalise parsed per distinct cell."""
    where = {name: float(i) for i, name in enumerate(vocabulary)}
    return Coded(codes, np.array([np.nan if pd.isna(value) else where.get(value, -1.0) for value in values.tolist()],
                                 dtype=np.float64))


def _parsed_count(count: tuple[np.ndarray, np.ndarray], problem: tuple[np.ndarray, np.ndarray]
                  ) -> tuple[Coded, Coded]:
    """``_count`` of a head count normalise parsed per distinct cell: its numbers (None where blank or not
    parsed) and problems per code."""
    codes, values = count
    number = np.array([np.nan if pd.isna(value) else float(value) for value in values.tolist()], dtype=np.float64)
    unparsed = pd.notna(problem[1])
    return Coded(codes, np.where(unparsed, -1.0, number)), Coded(codes, number)


def _parsed_mark(mark: tuple[np.ndarray, np.ndarray], problem: tuple[np.ndarray, np.ndarray]) -> Coded:
    """``_mark`` of a 会前说纪 mark normalise parsed per distinct cell."""
    codes, marks = mark
    values = _MARKS[np.where(marks == True, 0, np.where(marks == False, 1, 2))]  # noqa: E712 (elementwise)
    return Coded(codes, np.where(pd.notna(problem[1]), -1.0, values))


def _count(parsed: pd.Series, problem: pd.Series) -> tuple[Coded, Coded]:
    """A head count as its own expectation sees it (-1 where it could not be parsed, NaN blank) and as the pair
    expectation sees it (NaN where blank or not parsed): one factorisation for both, the rows that could not be
    parsed given a code of their own."""
    number = _coded(parsed.to_numpy(dtype="float64", na_value=np.nan))
    unparsed = problem.notna().to_numpy()
    return Coded(np.where(unparsed, len(number.values), number.codes), np.append(number.values, -1.0)), number


_MARKS = np.array([1.0, 0.0, np.nan, -1.0])  # yes, no, blank, could not be read


def _mark(parsed: pd.Series, problem: pd.Series) -> Coded:
    """A yes/no mark (True, False or None as parsed): 1/0, NaN blank, -1 where it could not be read."""
    marks = parsed.to_numpy(dtype=object)
    codes = np.where(marks == True, 0, np.where(marks == False, 1, 2))  # noqa: E712 (elementwise)
    codes[problem.notna().to_numpy()] = 3
    return Coded(codes, _MARKS)


def _coded(values: np.ndarray) -> Coded:
    codes, uniques = pd.factorize(values, use_na_sentinel=False)  # (NaN a value like any other)
    return Coded(codes, np.asarray(uniques, dtype=np.float64))


@dataclass
class _Verdict:
    """What the suite's outcomes make of each candidate row."""

    rejected: np.ndarray  # bool per row: it failed a reject expectation
    reject_reason: np.ndarray  # per row: why it is rejected (the first failed reject expectation), None if not
    reject_column: np.ndarray  # per row: the column of that expectation
    counted: np.ndarray  # bool per row: counts in this run (not excluded)
    warned: list[tuple[int, int]]  # (position in GATE, row) per exclude or warn expectation a row fails
    summary: list[ExpectationCount]  # per expectation: type, column, action, unexpected count


def _verdict(outcomes: list[tuple[str, np.ndarray]], ctx: GateContext) -> _Verdict:
    n = len(ctx.frame)
    rejected = np.zeros(n, dtype=bool)
    reject_reason = np.full(n, None, dtype=object)
    reject_column = np.full(n, None, dtype=object)
    counted = np.ones(n, dtype=bool)
    warned: list[tuple[int, int]] = []  # (check position, row)
    summary: list[ExpectationCount] = []
    for position, (check, (kind, failed)) in enumerate(zip(GATE, outcomes, strict=True)):
        summary.append({"expectation": kind, "column": check.column, "action": check.action,
                        "unexpected": len(failed)})
        if check.action == "reject":
            fresh = failed[~rejected[failed]]
            rejected[fresh] = True
            reject_reason[fresh] = [check.reason(ctx, i) for i in fresh]
            reject_column[fresh] = check.column
        else:
            if check.action == "exclude":
                counted[failed] = False
            warned.extend((position, i) for i in failed)
    return _Verdict(rejected, reject_reason, reject_column, counted, warned, summary)


def _row_issues(candidates: Candidates, ctx: GateContext, verdict: _Verdict, accepted: np.ndarray,
                org: np.ndarray, names: np.ndarray, doubts: list[tuple[int, str]], several: np.ndarray
                ) -> tuple[pd.DataFrame, list[Issue]]:
    """The rejected rows, and the warnings about single rows (after the header warnings normalise gave): failed
    exclude and warn expectations, doubtful leaders' names (``doubts``: those of accepted rows), several types in
    one row (``several``)."""
    frame, table_info = ctx.frame, candidates.tables
    reject_reason, reject_column = verdict.reject_reason, verdict.reject_column
    rows = frame["row"].to_numpy()
    tables = frame["table"].to_numpy()
    rejected_at = np.flatnonzero(~accepted)
    rejected = in_documents(issues_frame(
        Issue.at(table_info[tables[i]], int(rows[i]), reject_reason[i], column=reject_column[i],
                 value=cell_text(ctx.cell(_RAW[reject_column[i]], i)), org=names[org[i]])
        for i in rejected_at.tolist()
    ), table_info)
    warning_rows: list[Issue] = list(candidates.warnings)
    for position, i in sorted(verdict.warned, key=lambda pair: (pair[1], pair[0])):
        if not accepted[i]:
            continue
        check = GATE[position]
        warning_rows.append(
            Issue.at(table_info[tables[i]], int(rows[i]), check.reason(ctx, i), column=check.column,
                     value=cell_text(ctx.cell(_RAW[check.column], i)), org=names[org[i]])
        )
    for i, reason in doubts:
        if not accepted[i]:
            continue
        warning_rows.append(
            Issue.at(table_info[tables[i]], int(rows[i]), reason, column="主讲人",
                     value=cell_text(ctx.cell("person", i)), org=names[org[i]])
        )
    more = frame["more_types"].to_numpy(dtype=object)
    for at in np.flatnonzero(accepted & several):
        i = int(at)
        named = "、".join((str(ctx.cell("type", i)), *more[i]))
        warning_rows.append(
            Issue.at(table_info[tables[i]], int(rows[i]), f"一行写了几种活动（{named}），每种各计一次", column="类型",
                     value=cell_text(ctx.cell("raw_type", i)), org=names[org[i]])
        )
    list_problems = frame["attendees_problem"].to_numpy(dtype=object)
    for i in np.flatnonzero(accepted & pd.notna(list_problems)).tolist():
        warning_rows.append(
            Issue.at(table_info[tables[i]], int(rows[i]), f"{list_problems[i]}，按未填写处理", column="参会人员",
                     org=names[org[i]])
        )
    return rejected, warning_rows


def _one_meeting_once(records: pd.DataFrame, counted_kept: np.ndarray, table_info: list[TableInfo],
                      names: np.ndarray, catalogue: Catalogue
                      ) -> tuple[np.ndarray, dict[tuple[int, int], int], np.ndarray, list[Issue]]:
    """Each meeting counted once: a record repeating an earlier one (warned about row by row, or said once for a
    sheet repeating another: ``copies``) and the minutes of a meeting the ledger records too (``twins``) do not
    count; a ledger row of an organisation that keeps minutes, with none of its meeting, is warned about. Returns
    (counted, copies, twins, warnings)."""
    counted_kept = counted_kept.copy()
    warning_rows: list[Issue] = []
    # repeats among the records (a row naming two types is two records: each may repeat another, or not)
    r_table, r_row, r_org = records["table"].to_numpy(), records["row"].to_numpy(), records["org"].to_numpy()
    said = set()
    repeats = _repeats(records)
    is_minutes = minutes_mask(records, table_info)
    repeats = [(k, first) for k, first in repeats if is_minutes[k] == is_minutes[first]]  # (a ledger row and its
    # minutes are one meeting: paired below)
    copies = _copied_tables(repeats, r_table, r_row, table_info)
    for k, first in repeats:
        counted_kept[k] = False
        if (r_table[k], r_table[first]) in copies or (r_table[first], r_table[k]) in copies:
            continue  # a sheet repeating another: one note, not a warning per row
        where = _place(table_info[r_table[first]], int(r_row[first]))
        if (r_table[k], r_row[k], where) in said:
            continue
        said.add((r_table[k], r_row[k], where))
        warning_rows.append(
            Issue.at(table_info[r_table[k]], int(r_row[k]),
                     f"疑似重复记录：与{where}相同（组织、日期、类型、主题、主讲人），只计一次",
                     org=names[r_org[k]])
        )
    expected = np.isin(np.array(catalogue.activity_types, dtype=object), list(catalogue.minutes_types))
    backing = pair(records, counted_kept, table_info, expected)
    counted_kept[backing.twins[:, 1]] = False
    records["backed"] = backing.backed
    warning_rows.extend(
        Issue.at(table_info[r_table[k]], int(r_row[k]), UNBACKED, org=names[r_org[k]])
        for k in backing.unbacked
    )
    return counted_kept, copies, backing.twins, warning_rows


def _attendance(records: pd.DataFrame, counted: np.ndarray, more: np.ndarray, lists: np.ndarray,
                tables: list[TableInfo], accepted_rows: np.ndarray):
    """The records after counting attendance lists (``compliance.intake.attendance``): a member list's rows that
    make one activity become its one record, every list's people its 实到 (and 应到); each member list's table
    learns its activities and rows. Also a warning where an 实到 column disagrees with its list ((record, issue)
    pairs)."""
    merged = np.array([t.kind.kind is TableKind.ATTENDANCE and t.kind.read for t in tables], dtype=bool)
    rolls = np.array([t.roll for t in tables], dtype=bool)
    grouped = group_attendance(records, lists, merged, rolls)
    records = records.iloc[grouped.keep].reset_index(drop=True)
    records["present"] = grouped.present
    records["expected"] = grouped.expected
    for t, members in grouped.members.items():
        tables[t].members = members
    made = np.bincount(records["table"].to_numpy(), minlength=len(tables))
    for t in np.flatnonzero(merged).tolist():
        tables[t].activities, tables[t].accepted = int(made[t]), int(accepted_rows[t])
    warnings = []
    r_table, r_row = records["table"].to_numpy(), records["row"].to_numpy()
    for k, written, listed in grouped.disagree:
        info = tables[r_table[k]]
        row = int(r_row[k])
        rows = info.members.get(row)
        warnings.append((k, Issue.at(info, row, f"实到人数 {written} 与参会人员名单中出席的 {listed} 人"
                                     + (f"（第 {rows_text(rows)} 行）" if rows else "") + "不一致，按实到人数计",
                                     column="实到", value=str(written))))
    return records, counted[grouped.keep], more[grouped.keep], warnings


def _each_type(records: pd.DataFrame, counted: np.ndarray, more: np.ndarray, vocabulary: tuple[str, ...]):
    """A row naming several types (主题党日暨党课) is a record of each: a copy per further type, right after it."""
    several = np.flatnonzero(~pd.isna(more))
    if not len(several):
        return records, counted
    copies = [(k, vocabulary.index(t)) for k in several for t in more[k]]
    at = np.array([k for k, _ in copies], dtype=np.int64)
    extra = records.iloc[at].copy()
    extra["type"] = np.array([t for _, t in copies], dtype=np.int64)
    order = np.argsort(np.concatenate([np.arange(len(records)), at]), kind="stable")
    combined = pd.concat([records, extra], ignore_index=True).iloc[order].reset_index(drop=True)
    return combined, np.concatenate([counted, counted[at]])[order]


def _repeats(records: pd.DataFrame) -> list[tuple[int, int]]:
    """(record, the first record like it) for every record that repeats an earlier one: the same organisation,
    date, type, topic and person (a 党委 summary sheet repeating its branches' rows, a row pasted twice). Two
    meetings on one day with another topic or person are not repeats."""
    if not len(records):
        return []
    # first the integer part of the key (organisation, day, type): records alone in theirs cannot repeat anything,
    # and in a ledger of a million rows nearly all are; only the few that share one are compared in full
    days = records["date"].to_numpy("datetime64[D]").astype(np.int64)
    coarse = ((records["org"].to_numpy().astype(np.int64) << 40) | ((days - days.min()) << 8)
              | records["type"].to_numpy().astype(np.int64))
    at = _shared(coarse)
    if not len(at):
        return []
    keys = pd.DataFrame({
        "coarse": coarse[at], "topic": records["topic"].to_numpy(dtype=object)[at],
        "person": records["person"].to_numpy(dtype=object)[at],
    }).fillna({"topic": "", "person": ""})
    group = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    repeated = pd.Series(group).duplicated().to_numpy()
    if not repeated.any():
        return []
    first = np.full(group.max() + 1, -1, dtype=np.int64)
    first[group[::-1]] = at[::-1]  # the earliest record of each group wins (written last)
    return [(int(at[k]), int(first[group[k]])) for k in np.flatnonzero(repeated)]


def _shared(keys: np.ndarray) -> np.ndarray:
    """The positions (ascending) of the keys that another key equals. By a stable sort, which puts equal keys side
    by side: a ledger's rows come mostly in the order of organisation and date, and a stable sort of keys nearly in
    order is about linear (a fifth of the time of hashing a million keys, ``duplicated``)."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    same = ordered[1:] == ordered[:-1]  # a key and the one after it in sorted order
    shared = np.zeros(len(keys), dtype=bool)
    shared[1:] |= same
    shared[:-1] |= same
    return np.sort(order[shared])


def _copied_tables(repeats: list[tuple[int, int]], table: np.ndarray, row: np.ndarray,
                   tables: list[TableInfo]) -> dict[tuple[int, int], int]:
    """(table, the table it repeats) → its rows, for every table all of whose records repeat records of one other
    table of the same file (an export's 支委会 and 党员大会 sheets repeating its 会议记录明细): said once, not row
    by row. Either may come first in the workbook."""
    if not repeats:
        return {}
    involved: dict[tuple[int, int], set[int]] = {}
    for k, first in repeats:
        a, b = int(table[k]), int(table[first])
        if a != b and tables[a].source == tables[b].source:
            involved.setdefault((a, b), set()).add(int(row[k]))
            involved.setdefault((b, a), set()).add(int(row[first]))
    if not involved:
        return {}
    rows = pd.DataFrame({"table": table, "row": row}).drop_duplicates().groupby("table")["row"].size()
    out: dict[tuple[int, int], int] = {}
    for (a, b), found in sorted(involved.items()):
        if len(found) == rows[a] and a not in {x for x, _ in out} and (b, a) not in out:
            out[(a, b)] = len(found)
    return out


def _leader_doubts(frame: pd.DataFrame, org: np.ndarray, roster: Roster) -> list[tuple[int, str]]:
    """(row, reason) about the people a row names, against the leaders of its organisation and the units
    above it: a name that is no leader's but one character away from one (李明明 for 李明, 王方 for 王芳) —
    never silently uncredited; and a name two leaders of different units there share — credited to both. Each
    distinct (organisation, names) is looked at once."""
    if not len(roster.leader_org):
        return []
    leaders = set(roster.leader_names)
    persons = frame["person"].to_numpy(dtype=object)
    at = np.flatnonzero(pd.notna(persons) & (org >= 0))  # (whether the row is accepted or not: asked after)
    if not len(at):
        return []
    keys = pd.DataFrame({"org": org[at], "person": persons[at]})
    codes = keys.groupby(["org", "person"], sort=False).ngroup().to_numpy()
    first = np.full(codes.max() + 1, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(at))[::-1]
    order = np.argsort(codes, kind="stable")  # the rows of each group, found once
    starts = np.searchsorted(codes[order], np.arange(len(first) + 1))
    # each unit's leaders (in the roster's order), found by one sort of the leaders by unit
    by_unit = np.argsort(roster.leader_org, kind="stable")
    bounds = np.searchsorted(roster.leader_org[by_unit], np.arange(len(roster.names) + 1)).tolist()
    leader_names = roster.leader_names.tolist()
    units_held = Counter(name for name, _ in set(zip(leader_names, roster.leader_org.tolist(), strict=True)))
    in_several = {name for name, units in units_held.items() if units > 1}  # only these can be shared in a chain
    names_of: dict[int, frozenset[str]] = {}
    chains: dict[int, list[int]] = {}
    names_up: dict[int, list[str]] = {}

    def chain(unit: int) -> list[int]:
        """``unit`` and the units above it, each with its leaders' names (``names_of``)."""
        if unit not in chains:
            units, above = [], unit
            while above >= 0:
                if above not in names_of:
                    names_of[above] = frozenset(leader_names[k] for k in by_unit[bounds[above]:bounds[above + 1]])
                units.append(above)
                above = int(roster.parent[above])
            chains[unit] = units
        return chains[unit]

    def holders(name: str, units: list[int]) -> list[str]:
        """The names (sorted, each once) of the units of ``units`` that have a leader called ``name``."""
        return sorted({roster.names[u] for u in units if name in names_of[u]})

    def everyone(unit: int) -> list[str]:
        """Every leader's name of ``unit`` and the units above it, sorted (asked only for a name no leader has)."""
        if unit not in names_up:
            names_up[unit] = sorted(set().union(*(names_of[u] for u in chain(unit))))
        return names_up[unit]

    out: list[tuple[int, str]] = []
    # a group whose cell is one leader's name, held in one unit only, has nothing to say: looked at all at once (a
    # leader's name as ledgers are read holds 、 only when the roster's cell named several: those are looked at)
    plain = {name for name in leaders - in_several if "、" not in name}
    alone = pd.Series(persons[at[first]], dtype=object).isin(plain).to_numpy()
    for code, k in enumerate(first.tolist()):
        if alone[code]:
            continue
        unit = int(org[at[k]])
        units = chain(unit)
        reasons = []
        for name in split_list(persons[at[k]]):
            shared = holders(name, units) if name in in_several else []
            if len(shared) > 1:
                reasons.append(f"“{name}”是本单位及上级单位的 {len(shared)} 位同名领导干部（{'、'.join(shared)}），"
                               "已计入每一位；如只是其中一位，请在台账中注明")
            if name not in leaders:
                reasons.extend(f"“{name}”与本单位领导干部“{leader}”只差一个字，未计为其本人；如是同一人，请更正台账或名册"
                               for leader in everyone(unit) if _one_apart(name, leader))
        if reasons:
            rows = at[order[starts[code]:starts[code + 1]]]
            out.extend((int(i), reason) for i in rows for reason in reasons[:3])
    return sorted(out)


def _one_apart(a: str, b: str) -> bool:
    """One character added or left out (both at least two characters long), or one changed in names of three or
    more (two two-character names one apart are only a shared surname: 王强 and 王芳 are two people)."""
    if min(len(a), len(b)) < 2 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return len(a) >= 3 and sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:k] + long_[k + 1:] == short for k in range(len(long_)))


def _place(table: TableInfo, row: int) -> str:
    return f"文件 {table.source}" + (f"，工作表“{table.sheet}”" if table.sheet else "") + f"，第 {row} 行"


def positions(column: pd.Series, vocabulary: tuple[str, ...]) -> Coded:
    """Each value's position in ``vocabulary`` (-1 when not in it), NaN where blank; one lookup per distinct value."""
    return _positions(*_factorised(column), vocabulary)


def _numbered(numbers: np.ndarray, below: int) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, the distinct numbers) of non-negative integers below ``below``: by marking each one seen when
    there are no more possible numbers than rows (a head count pair: a few dozen), which is linear and hashes
    nothing; else ``pd.factorize``. The codes follow the numbers' order in the first case, their appearance in the
    second: either numbers the same distinct values."""
    if below > len(numbers):
        return pd.factorize(numbers)
    seen = np.zeros(below, dtype=bool)
    seen[numbers] = True
    return (np.cumsum(seen) - 1)[numbers], np.flatnonzero(seen)


def _submit(distinct: Distinct, specs: list[Spec]) -> Callable[[], list[tuple[str, np.ndarray]]]:
    """Per spec: its great-expectations type and the rows failing it, great-expectations validating ``distinct``
    (in a helper process or here: ``compliance.intake.expectations``), begun: the function returned waits for the
    answer. No rows, no validation."""
    if not distinct.rows_count:
        return lambda: [(expectation_type(spec), np.zeros(0, dtype=np.int64)) for spec in specs]
    answer = submit(distinct.frame, specs)
    return lambda: [(kind, distinct.rows(columns_of(spec), positions))
                    for spec, (kind, positions) in zip(specs, answer(), strict=True)]


class Distinct:
    """What great-expectations validates: for each group of columns an expectation reads (one column, or the two
    of a cross-column expectation), its distinct values (distinct pairs), so that a province's million rows are
    tens of thousands of values — every expectation of the gate judges a row by those values alone. The groups
    have different numbers of distinct values; each is repeated cyclically to the longest (``np.resize``), so the
    frame is rectangular and a value at position k is the group's distinct value k mod its count: repeats fail
    or pass with it. ``rows`` maps the failing positions back to the rows holding those values. Built from the
    columns coded per distinct value (``Coded``; a value may be there twice, which only validates it twice), or
    from a frame of full columns (``of_frame``)."""

    def __init__(self, columns: dict[str, Coded], groups: list[tuple[str, ...]]):
        self.codes: dict[tuple[str, ...], np.ndarray] = {}  # per group: each row's distinct value's number
        self.count: dict[tuple[str, ...], int] = {}
        self.rows_count = len(next(iter(columns.values())).codes) if columns else 0
        values: dict[tuple[str, ...], list[np.ndarray]] = {}
        for group in dict.fromkeys(groups):
            if len(group) == 1:
                column = columns[group[0]]
                codes, values[group] = column.codes, [column.values]
            else:
                parts = [columns[name] for name in group]
                combined = np.zeros(self.rows_count, dtype=np.int64)  # one number per tuple of the parts' codes
                for part in parts:
                    combined = combined * len(part.values) + part.codes
                codes, tuples = _numbered(combined, int(np.prod([len(part.values) for part in parts])))
                arrays = []
                for part in reversed(parts):  # the tuples' parts back, last first
                    tuples, number = np.divmod(tuples, len(part.values))
                    arrays.append(part.values[number])
                values[group] = arrays[::-1]
            self.codes[group] = codes
            self.count[group] = len(values[group][0])
        longest = max(self.count.values())
        frame: dict[str, np.ndarray] = {}
        for group, arrays in values.items():
            for name, array in zip(group, arrays, strict=True):
                if name in frame:
                    raise ValueError(f"column {name} is in two groups of the gate")
                frame[name] = np.resize(array, longest)
        self.frame = pd.DataFrame(frame)

    @classmethod
    def of_frame(cls, frame: pd.DataFrame, groups: list[tuple[str, ...]]) -> Distinct:
        """From full columns: each factorised (a blank, NaN, one more value)."""
        names = dict.fromkeys(name for group in groups for name in group)
        return cls({name: _coded(frame[name].to_numpy(dtype=np.float64)) for name in names}, groups)

    def rows(self, group: tuple[str, ...], positions) -> np.ndarray:
        """The rows (sorted) whose values of ``group`` are at the failing ``positions`` of the frame."""
        if not len(positions):
            return np.zeros(0, dtype=np.int64)
        failing = np.zeros(self.count[group], dtype=bool)
        failing[np.asarray(positions, dtype=np.int64) % self.count[group]] = True
        return np.flatnonzero(failing[self.codes[group]])

