"""One check, end to end: catalogue → roster → ledgers → normalise → validate → evaluate.

The CLI and the tests call ``run_check``; renderers take its ``CheckResult`` (``compliance.findings.result``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from compliance.config.catalogue import Catalogue
from compliance.config.layout import load_layout
from compliance.config.limits import Limits
from compliance.engine.context import Context
from compliance.engine.evaluate import evaluate
from compliance.engine.kinds import kind_of, load_catalogue
from compliance.engine.periods import AuditRange, Granularity
from compliance.errors import InputError
from compliance.findings.baseline import load_baseline
from compliance.findings.result import CheckResult
from compliance.findings.table import Judgements
from compliance.findings.waivers import apply_waivers, load_waivers
from compliance.intake.attendance import list_notes, rows_behind
from compliance.intake.counts import settle
from compliance.intake.discover import LEDGER_SUFFIXES, discover
from compliance.intake.gate import count_sources, gate
from compliance.intake.issues import Issue, in_documents, issues_frame
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import TableInfo, normalise
from compliance.intake.result import Intake
from compliance.intake.roster import Roster, read_roster
from compliance.intake.scope import Scope
from compliance.intake.sheets import read_sources
from compliance.progress import Progress

NO_ROSTER = (
    "未提供名册（--roster）：组织取自台账本身，组织类型按名称判断；没有任何记录的组织无法被发现，"
    "成立日期和上下级关系不详，领导干部相关规则未检查。请在正式检查时提供名册。"
)


def take_in(
    paths: Sequence[str | Path],
    roster: str | Path | Roster | None,
    catalogue: Catalogue,
    as_of: date,
    layout: str | Path | None = None,
    progress: Progress | None = None,
    limits: Limits | None = None,
    scope: Sequence[str] = (),
    scope_of_ledgers: bool = False,
) -> Intake:
    """Read the roster (unless one already read is given) and every ledger (each within ``limits``), normalise, and
    run the data-quality gate; with ``scope`` (``--org``), keep only those organisations and what is below them;
    with ``scope_of_ledgers`` (the page, on the server's roster), those the ledgers name."""
    progress = progress or Progress()
    the_layout = load_layout(layout, catalogue)
    with progress.stage("读取", unit="个文件") as tick:
        the_roster = roster if isinstance(roster, Roster) or roster is None else read_roster(roster, limits)
        reader = HeaderReader(catalogue.column_of, catalogue.type_of)
        sources, found_notes = read_sources(discover(paths), reader, the_layout, tick, limits)
        if not sources:
            raise InputError(f"没有找到台账文件（支持 {'、'.join(LEDGER_SUFFIXES)}、Word 会议记录 .docx，"
                             "以及内容是表格的其他文件）" + "".join(f"；{n}" for n in found_notes),
                             source=", ".join(map(str, paths)))
    default_org = None
    if len(scope) == 1:  # one organisation checked: a table naming none is its own (a branch's own export)
        from compliance.intake.scope import resolve

        default_org = resolve(tuple(scope), the_roster).names[0] if the_roster is not None else scope[0]
    with progress.stage("规范化"):
        candidates = normalise(sources, catalogue, the_roster, reader, default_org)
    if not any(t.kind.read for t in candidates.tables):
        raise _no_ledger(sources, candidates)
    notes = [*found_notes, *candidates.notes]
    if the_roster is None:
        the_roster = Roster.from_ledgers(candidates.org_spellings())
        notes.append(NO_ROSTER)
    if the_layout is not None:
        notes.extend(f"格式文件 {the_layout.path}：{text}" for text in the_layout.unused())
    with progress.stage("数据校验"):
        result = gate(candidates, the_roster, catalogue, as_of)
        count_sources(candidates.sources, result)
        # the count tables: after the gate, which gave the dated records they are held against
        settled = settle(candidates.counts, the_roster, catalogue.activity_types, result.records, result.counted,
                         candidates.tables, candidates.sources, as_of)
        result = replace(result, rejected=_joined(result.rejected, settled.rejected),
                         warnings=_joined(result.warnings, settled.warnings))
    notes.extend(result.notes)
    intake = Intake(catalogue, the_roster, candidates.tables, candidates.sources, result, notes, counts=settled.counts)
    if scope:
        from compliance.intake.scope import resolve

        intake = restrict(intake, resolve(tuple(scope), the_roster))
    elif scope_of_ledgers and not the_roster.inferred:
        from compliance.intake.scope import named_by

        intake = restrict(intake, named_by(result.records, the_roster))
    intake.notes.extend(list_notes(intake.tables, intake.sources))  # (the rows of the organisations checked)
    return intake


def _joined(issues: pd.DataFrame, more: list[Issue]) -> pd.DataFrame:
    """Rejected rows or warnings with the count tables' own, in the one order (file, sheet, row)."""
    if not more:
        return issues
    both = pd.concat([issues, issues_frame(more)], ignore_index=True) if len(issues) else issues_frame(more)
    return issues_frame(both.sort_values(["source", "sheet", "row"], na_position="first", kind="stable")
                        .reset_index(drop=True))


def restrict(intake: Intake, the_scope: Scope) -> Intake:
    """The intake of the organisations of ``the_scope``: the roster cut to them, the records, rejected rows and
    warnings of the others set aside — counted per file as skipped, and in one note that names none of them."""
    from compliance.intake.scope import cut_roster, outside_issues

    roster, new_index = cut_roster(intake.roster, the_scope)
    records = intake.gate.records
    codes = records["org"].to_numpy()
    keep = the_scope.inside[codes]
    kept = records[keep].reset_index(drop=True)
    kept["org"] = new_index[codes[keep]]
    rejected_out = outside_issues(intake.gate.rejected, intake.roster, the_scope)
    warnings_out = outside_issues(intake.gate.warnings, intake.roster, the_scope)
    sources = {s.source: s for s in intake.sources}
    tables = intake.tables
    counts = intake.counts
    inside_counts = the_scope.inside[counts["org"].to_numpy(np.int64)] if len(counts) else np.zeros(0, dtype=bool)
    kept_counts = counts[inside_counts].reset_index(drop=True)
    kept_counts["org"] = new_index[kept_counts["org"].to_numpy(np.int64)] if len(kept_counts) else kept_counts["org"]
    out_rejected = intake.gate.rejected[rejected_out]
    # (a count table's row with a refused cell is a rejected row, however many of its cells were refused)
    refused_at = set(zip(out_rejected["source"], out_rejected["sheet"].fillna(""), out_rejected["row"], strict=True))
    out_counts = counts.loc[~inside_counts, ["table", "row"]].drop_duplicates()
    out_counts = out_counts[[(tables[t].source, tables[t].sheet or "", r) not in refused_at
                             for t, r in zip(out_counts["table"], out_counts["row"], strict=True)]]
    # rows, not records: a row naming two activities is two records, an attendance list's activity many rows, a
    # count table's row several cells
    out_records = records.loc[~keep, ["table", "row"]].drop_duplicates()
    out_records = pd.concat(
        [out_records.assign(n=rows_behind(tables, out_records["table"].to_numpy(), out_records["row"].to_numpy())),
         out_counts.assign(n=1)], ignore_index=True).drop_duplicates(["table", "row"])
    for table, n in out_records.groupby("table")["n"].sum().items():
        summary = sources[tables[int(table)].source]
        summary.accepted -= int(n)
        summary.skipped += int(n)
    out_rejected = out_rejected.drop_duplicates(["source", "sheet", "row"])
    for source, n in out_rejected["source"].value_counts().items():
        sources[str(source)].rejected -= n
        sources[str(source)].skipped += n
    set_aside = int(out_records["n"].sum()) + len(out_rejected)
    # a table or a file holding only other organisations' rows is not listed: its sheet or file name may be theirs
    kept_rejected = intake.gate.rejected[~rejected_out]
    rejected_at = set(zip(kept_rejected["source"], kept_rejected["sheet"].fillna(""), strict=True))
    inside_tables = set(kept["table"].tolist()) | set(kept_counts["table"].tolist()) | {
        t for t, table in enumerate(tables) if (table.source, table.sheet or "") in rejected_at}
    outside_tables = set(out_records["table"].tolist()) - inside_tables
    listed, hidden_files, hidden_rows = [], 0, 0
    for summary in intake.sources:
        summary.tables = [t for t in summary.tables if t not in outside_tables]
        if not summary.tables and summary.skipped and not summary.accepted and not summary.rejected:
            hidden_files += 1
            hidden_rows += summary.read
        else:
            listed.append(summary)
    notes = [*intake.notes]
    if not the_scope.names:
        notes.append("台账中没有名册里的组织，没有可以检查的组织：请选择检查范围（组织）")
    if set_aside:
        files = f"；其中 {hidden_files} 个文件（共 {hidden_rows} 行）只有这些组织的记录，未列出" if hidden_files else ""
        notes.append(f"检查范围为{'、'.join(the_scope.names)}及其下级组织：另有 {set_aside} 行属于检查范围以外的组织，"
                     f"未检查{files}")
    for t, table in enumerate(tables):  # an attendance list: the activities and rows of the organisations checked
        if table.activities is not None:
            rows = kept.loc[kept["table"].to_numpy() == t, "row"].drop_duplicates().to_numpy()
            table.activities = len(rows)
            table.accepted = int(rows_behind(tables, np.full(len(rows), t), rows).sum())
    twins = intake.gate.twins[keep[intake.gate.twins[:, 0]]]  # (a meeting and its minutes: one organisation's)
    gated = replace(intake.gate, records=kept, counted=intake.gate.counted[keep],
                    twins=(np.cumsum(keep) - 1)[twins].reshape(-1, 2),
                    rejected=kept_rejected.reset_index(drop=True),
                    warnings=intake.gate.warnings[~warnings_out].reset_index(drop=True))
    return replace(intake, roster=roster, gate=gated, notes=notes, scope=the_scope.names, sources=listed,
                   counts=kept_counts)


def _no_ledger(sources, candidates) -> InputError:
    """Nothing read is an activity ledger: for a single sheet without a header, the row most like one and what a
    header should say; else what each table was taken to be."""
    unread = [u for s in sources for u in s.unread]
    if len(candidates.tables) == 1 and unread:
        return InputError(unread[0].closest, source=unread[0].source, sheet=unread[0].sheet)
    if len(sources) == 1:
        what = "；".join(n.split("：", 1)[1] for n in candidates.notes if n.startswith(f"文件 {sources[0].source}："))
        return InputError(f"没有找到活动台账：{what}", source=sources[0].source)
    return InputError(f"没有找到活动台账：{'；'.join(dict.fromkeys(candidates.notes))}")


_UNITS = {Granularity.MONTH: "月", Granularity.QUARTER: "季度", Granularity.HALF: "半年", Granularity.YEAR: "年度"}


def period_notes(catalogue: Catalogue, audit: AuditRange, as_of: date) -> list[str]:
    """What the audited range leaves out: rules judged per a period of which the range holds no whole one (a school
    year 2023-09..2024-08 holds no calendar year), and an as-of date long after the range."""
    unjudged: dict[Granularity, list[str]] = {}
    for rule in catalogue.rules:
        granularity = getattr(rule, "period", None)  # rules judged per period; rolling and record rules are not
        if isinstance(granularity, Granularity) and not len(audit.codes(granularity)):
            unjudged.setdefault(granularity, []).append(rule.id)
    notes = [f"检查期间 {audit.label} 不含完整的{_UNITS[g]}，以下按{_UNITS[g]}判断的规则本次未评判：{'、'.join(ids)}"
             for g, ids in sorted(unjudged.items(), key=lambda item: item[0].months)]
    if as_of > audit.end + timedelta(days=366):
        notes.append(f"检查日 {as_of} 比检查期间 {audit.label} 的结束晚一年以上；检查近期情况请用 --period 指定期间")
    return notes


def _with_outside(warnings: pd.DataFrame, records: pd.DataFrame, tables: list[TableInfo], roster: Roster,
                  catalogue: Catalogue, audit: AuditRange) -> pd.DataFrame:
    """The warnings, and one for each record dated before the audited range that no rule looks back to (a
    2023-12-05 主题党日 in a 2024 check, often a slip for 2024-12-05): not silently ignored. Records of types a
    rule looks back to (换届选举, trainings) are evidence whatever their date, and are not warned about."""
    behind = {t for rule in catalogue.rules if getattr(rule, "period", None) is None
              and not kind_of(rule).per_record for t in rule.types}
    # compared as the records' type codes (positions in the vocabulary), not as a million names
    behind_codes = [code for code, name in enumerate(catalogue.activity_types) if name in behind]
    days = records["date"].to_numpy("datetime64[D]")
    # before the range only: rows after it (≤ the as-of date) are there because a shorter --period was chosen
    outside = (days < np.datetime64(audit.start, "D")) & ~np.isin(records["type"].to_numpy(), behind_codes)
    if not outside.any():
        return warnings
    names = roster.names
    # the row tuples' fields as pandas-stubs types them (any scalar) are the columns' ints, Timestamps and codes
    dated = cast("Iterable[Any]", records[outside].drop_duplicates(["table", "row"]).itertuples(index=False))
    issues = [Issue.at(tables[r.table], int(r.row), f"日期在检查期间 {audit.label} 之前，本次检查不计入", column="日期",
                       value=str(r.date)[:10], org=names[r.org])
              for r in dated]  # a row, once
    rows = in_documents(issues_frame(issues), tables)
    both = pd.concat([warnings, rows], ignore_index=True) if len(warnings) else rows
    return issues_frame(both.sort_values(["source", "sheet", "row"], na_position="first", kind="stable"))


def run_check(
    paths: Sequence[str | Path],
    roster: str | Path | Roster | None,
    *,
    rules: str | Path | Catalogue | None = None,
    as_of: date | None = None,
    audit: AuditRange | None = None,
    layout: str | Path | None = None,
    waivers: str | Path | None = None,
    baseline: str | Path | None = None,
    progress: Progress | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    limits: Limits | None = None,
    scope: Sequence[str] = (),
    scope_of_ledgers: bool = False,
) -> CheckResult:
    """The whole check. ``engine`` "dask" runs the rules per partition on a dask.distributed cluster (the
    scheduler at ``scheduler``, or a local one); the findings are the same. A long-lived caller (``compliance
    serve``) passes the catalogue and roster it loaded once instead of their paths."""
    # a broken rules file fails before anything else is read
    catalogue = rules if isinstance(rules, Catalogue) else load_catalogue(rules)
    as_of = as_of or date.today()
    audit = audit or AuditRange.year_of(as_of)
    if audit.start > as_of:
        raise InputError(f"检查期间 {audit.label} 在检查日 {as_of} 之后，没有可以判断的期间", column="--period")
    the_waivers = load_waivers(waivers, catalogue)  # like the rules: refused before any ledger is read
    the_baseline = load_baseline(baseline, catalogue, audit)
    progress = progress or Progress()
    intake = take_in(paths, roster, catalogue, as_of, layout, progress, limits, scope, scope_of_ledgers)
    gated = intake.gate
    # the records the rules see: no copy when all count (a copy of a province's records is ~100 MB held to the end)
    records = (gated.records if gated.counted.all() else gated.records[gated.counted]).reset_index(drop=True)
    ctx = Context(records, intake.tables, intake.roster, np.datetime64(as_of, "D"), audit, catalogue.activity_types,
                  counts=intake.counts if len(intake.counts) else None)
    rule_seconds: dict[str, float] = {}
    begun = time.perf_counter()
    if engine == "dask":
        from compliance.engine.distributed import evaluate_dask

        with progress.stage("评估", unit="个分区") as tick:
            evaluation = evaluate_dask(catalogue, ctx, scheduler, tick)
    else:
        with progress.stage("评估", total=len(catalogue.rules), unit="条规则") as tick:
            evaluation = evaluate(catalogue, ctx, _clocked(tick, catalogue, rule_seconds))
    evaluate_seconds = time.perf_counter() - begun
    judgements = Judgements.from_evaluation(evaluation)
    records = with_count_rows(records, intake.counts)
    seen = len(records)
    records, judgements = _with_minutes(records, judgements, gated)
    report: list[dict] = []
    resolved: list[dict] = []
    notes = [*intake.notes, *period_notes(catalogue, audit, as_of)]
    warnings = _with_outside(intake.warnings, records, intake.tables, intake.roster, catalogue, audit)
    if the_waivers is not None:
        applied = apply_waivers(judgements, the_waivers, catalogue, intake.roster, as_of)
        judgements, report = applied.judgements, applied.report
        notes.extend(applied.notes)
    if the_baseline is not None:
        judgements, resolved = the_baseline.mark(judgements)
    return CheckResult(
        as_of=as_of,
        audit=audit,
        catalogue=catalogue,
        roster=intake.roster,
        records=records,
        tables=intake.tables,
        judgements=judgements,
        rejected=intake.rejected,
        warnings=warnings,
        sources=intake.sources,
        notes=notes,
        expectations=intake.gate.expectations,
        waivers=the_waivers,
        waiver_report=report,
        baseline=the_baseline,
        resolved=resolved,
        rule_seconds=rule_seconds,
        evaluate_seconds=evaluate_seconds,
        scope=intake.scope,
        twinned=len(records) - seen,
        counts=intake.counts,
    )


def with_count_rows(records: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The records the rules saw, then one row per count-table cell (the evidence the engine numbered after them):
    dated the first day of its month, with its ``count`` and what it counts as its header says (``counted``: 支委会)
    — a month's count, never a dated record (``count`` is missing on those)."""
    if not len(counts):
        return records
    months = counts["month"].to_numpy(np.int64).astype("datetime64[M]").astype("datetime64[D]")
    added = pd.DataFrame({"org": counts["org"].to_numpy(np.int64), "date": months,
                          "type": counts["type"].to_numpy(np.int64), "table": counts["table"].to_numpy(np.int64),
                          "row": counts["row"].to_numpy(np.int64),
                          "count": pd.array(counts["n"].to_numpy(np.int64), dtype="Int64"),
                          "counted": counts["counted"].to_numpy(object)})
    dated = records.assign(count=pd.array([None] * len(records), dtype="Int64"),
                           counted=np.full(len(records), None, dtype=object))
    return pd.concat([dated, added], ignore_index=True)


def _with_minutes(records: pd.DataFrame, judgements: Judgements, gated) -> tuple[pd.DataFrame, Judgements]:
    """The records the rules saw, then the minutes of the meetings the ledger records too (not counted again),
    each named in the evidence beside its ledger row."""
    if not len(gated.twins):
        return records, judgements
    position = np.cumsum(gated.counted) - 1  # a counted record's row among those the rules saw
    ledger, minutes = position[gated.twins[:, 0]], gated.twins[:, 1]
    added = len(records) + np.arange(len(minutes))
    records = pd.concat([records, gated.records.iloc[minutes]], ignore_index=True)
    twin = np.full(len(records), -1, dtype=np.int64)
    twin[ledger] = added
    partner = twin[judgements.evidence_record]
    extra = partner >= 0
    judgement = np.concatenate([judgements.evidence_judgement, judgements.evidence_judgement[extra]])
    record = np.concatenate([judgements.evidence_record, partner[extra]])
    order = np.argsort(judgement, kind="stable")
    return records, Judgements(dict(judgements.columns), judgement[order], record[order])


def _clocked(tick, catalogue: Catalogue, seconds: dict[str, float]):
    """``tick``, also noting how long each rule took (the engine ticks once per rule, in catalogue order)."""
    last = [time.perf_counter()]

    def clocked(n: int = 1) -> None:
        now = time.perf_counter()
        seconds[catalogue.rules[len(seconds)].id] = now - last[0]
        last[0] = now
        tick(n)

    return clocked
