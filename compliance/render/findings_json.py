"""findings.json: the machine-readable contract (documented in README.md, "findings.json")."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd

from compliance import __version__
from compliance.domain import status_counts
from compliance.engine.evaluate import Taken
from compliance.findings.result import CheckResult
from compliance.findings.stats import OPTIONAL
from compliance.findings.table import Judgements
from compliance.findings.view import (
    EVIDENCE_FIELDS,
    FIELDS,
    distinct_records,
    evidence_columns,
    evidence_pairs,
    waiver_dict,
)
from compliance.progress import collector_paused
from compliance.render.common import inputs, issue_list

FILENAME = "findings.json"


def document(result: CheckResult) -> dict:
    """findings.json as a dict; its findings as ``FindingLines`` (``pieces`` writes them; ``result.findings()``
    are the same findings as dicts)."""
    findings = FindingLines(result)
    table = result.judgements
    codes, statuses = table.codes("status")
    per_code = np.bincount(codes[table.reported], minlength=len(statuses))  # the findings of each distinct status
    counts = {status: int(per_code[statuses == status].sum()) for status in status_counts([])}
    return {
        "tool": {"name": "compliance", "version": __version__},
        "as_of": result.as_of.isoformat(),
        "period": {"start": result.audit.start.isoformat(), "end": result.audit.end.isoformat(),
                   "label": result.audit.label},
        "scope": list(result.scope) or None,
        "rules": {"source": result.catalogue.path, "sha256": result.catalogue.sha256,
                  "ids": [rule.id for rule in result.catalogue.rules],
                  "effective": {rule.id: {"from": _iso(rule.effective.start), "to": _iso(rule.effective.end)}
                                for rule in result.catalogue.rules if rule.effective is not None},
                  "match": {rule.id: rule.match.describe() for rule in result.catalogue.rules
                            if rule.match is not None}},
        "summary": {
            "findings": len(findings),
            **counts,
            "rejected": len(result.rejected),
            "warnings": len(result.warnings),
            "organisations": len(result.roster.names),
            "leaders": len(result.roster.leader_org),
        },
        "notes": result.notes,
        "waivers": None if result.waivers is None else {
            "source": result.waivers.path, "sha256": result.waivers.sha256, "items": result.waiver_report
        },
        "baseline": baseline_summary(result),
        "findings": findings,
        "stats": result.stat_columns,
        "rejected": issue_list(result.rejected),
        "warnings": issue_list(result.warnings),
        "inputs": inputs(result.sources, result.tables),
        "quality_gate": result.expectations,
    }


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def baseline_summary(result: CheckResult) -> dict | None:
    """What findings.json's ``baseline`` says: the baseline compared against, how many findings are new and known,
    and those resolved; None without ``--baseline``."""
    if result.baseline is None:
        return None
    table = result.judgements
    marks = table["baseline"][table.reported]
    return {
        "source": result.baseline.path,
        "sha256": result.baseline.sha256,
        "as_of": result.baseline.as_of,
        "new": int(np.count_nonzero(marks == "new")),
        "known": int(np.count_nonzero(marks == "known")),
        "resolved": result.resolved,
    }


def validation_document(intake, as_of) -> dict:
    """What ``compliance validate --format json`` prints: the gate's verdict on every row, no rule findings."""
    sources = intake.sources
    return {
        "tool": {"name": "compliance", "version": __version__},
        "as_of": as_of.isoformat(),
        "scope": list(intake.scope) or None,
        "summary": {
            "read": sum(s.read for s in sources),
            "accepted": sum(s.accepted for s in sources),
            "rejected": sum(s.rejected for s in sources),
            "blank": sum(s.blank for s in sources),
            "skipped": sum(s.skipped for s in sources),
            "warnings": len(intake.warnings),
        },
        "notes": intake.notes,
        "rejected": issue_list(intake.rejected),
        "warnings": issue_list(intake.warnings),
        "inputs": inputs(sources, intake.tables),
        "quality_gate": intake.gate.expectations,
    }


ONE_PER_LINE = ("findings", "rejected", "warnings")  # long lists: one item per line


def dumps(result: CheckResult) -> bytes:
    """findings.json as bytes (``chunks`` joined)."""
    with collector_paused():
        return b"".join(chunks(document(result)))


_ENCODER = msgspec.json.Encoder()


def encode(value) -> bytes:
    """One value as compact JSON (``,`` and ``:``, keys in the order the dicts hold them — a struct's in the order
    of its fields), UTF-8 as it is: msgspec, a maintained encoder written in C."""
    return _ENCODER.encode(value)


def chunks(document: dict):
    """The bytes of findings.json, a piece at a time (written to the file as they come: a province's findings and
    statistics are never all in memory as objects or as text). Compact JSON from msgspec; the only whitespace is a
    line break before each top-level key and around each item of the long lists — each finding, rejected row,
    warning and statistic is one line, so that a province's findings diff and grep line by line. The findings may
    be given as ``FindingLines``: made a block at a time."""
    for number, (key, value) in enumerate(document.items()):
        yield (b"{\n" if not number else b",\n") + encode(key) + b":"
        if isinstance(value, FindingLines):
            yield from value.chunks()
        elif key in ONE_PER_LINE:
            yield from _lines([value])
        elif key == "stats":  # lists of statistics, one item per line too (given as lists or as columns)
            for position, (name, items) in enumerate(value.items()):
                yield (b"{\n" if not position else b",\n") + encode(name) + b":"
                yield from _lines(_column_blocks(items) if isinstance(items, dict) else [items])
            yield b"{}" if not value else b"\n}"
        else:
            yield encode(value)
    yield b"\n}\n"


def _lines(blocks):
    """A JSON list whose items come in ``blocks`` (lists of items): ``[``, one item a line, ``]``. Each block is
    one call of msgspec's ``encode_lines`` (an item and a line break each); JSON text holds no raw line break
    inside a string, so every line break it writes ends an item, and becomes the comma and line break between
    two. A block's text is copied once, by that replacement: the last comma is left off through a view."""
    first = True
    for block in blocks:
        if not block:
            continue
        yield b"[\n" if first else b",\n"
        yield memoryview(_ENCODER.encode_lines(block).replace(b"\n", b",\n"))[:-2]
        first = False
    yield b"[]" if first else b"\n]"


def _column_blocks(columns: dict, block: int = 2_000):
    """A list of objects given as columns (``compliance.findings.stats.statistic_columns``), as structs a block at
    a time, keys in column order (``compliance.findings.stats.rows`` gives the same as dicts): a column given as a
    dict of columns is an object in each item; a negative number in an optional last column leaves the key out."""
    make = _maker(columns)
    for begin in range(0, _length(columns), block):
        yield make(begin, begin + block)


def _length(columns: dict) -> int:
    first = next(iter(columns.values()), None)
    if first is None:
        return 0
    return _length(first) if isinstance(first, dict) else len(first)


def _maker(columns: dict):
    """A function making the structs of items ``begin`` to ``end`` from ``columns`` (see ``_column_blocks``)."""
    names = list(columns)
    values: list = [_maker(column) if isinstance(column, dict) else column if isinstance(column, list)
                    else np.asarray(column) for column in columns.values()]
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = [(name, Any) for name in names]
    if names and names[-1] in OPTIONAL:  # UNSET: the key left out
        fields[-1] = (names[-1], Any, msgspec.UNSET)
        optional = values[-1].astype(object)
        optional[values[-1] < 0] = msgspec.UNSET
        values[-1] = optional
    item = msgspec.defstruct("Statistic", fields, gc=False)  # (see _Finding)

    def make(begin: int, end: int) -> list:
        return list(map(item, *(v(begin, end) if callable(v) else v[begin:end] if isinstance(v, list)
                                else v[begin:end].tolist() for v in values)))

    return make


# A finding and a record behind it, as msgspec encodes them: the fields of ``compliance.findings.view``'s dicts, in
# their order (a struct is made and encoded several times faster than a dict). Not tracked by the cyclic collector
# (gc=False: cheaper to make and to free): they hold strings, numbers, and lists of records that hold no cycle
_Finding = msgspec.defstruct("Finding", [(name, Any) for name in (*FIELDS, "waiver", "baseline", "evidence")],
                             gc=False)
_Evidence = msgspec.defstruct("Evidence", [(name, Any) for name in EVIDENCE_FIELDS], gc=False)


class FindingLines:
    """The findings of findings.json, made a block at a time from the table's columns, with the same keys and
    values as ``compliance.findings.view.finding_dicts``' dicts: a waiver's dict and a record's evidence are made
    once and shared by every finding they belong to, and a province's findings are never all objects at once."""

    BLOCK = 2_000

    def __init__(self, result: CheckResult):
        self.result = result
        self.rows = result.judgements.reported

    def __len__(self) -> int:
        return len(self.rows)

    def chunks(self):
        """The findings array's bytes, block by block: one finding a line."""
        return _lines(self.blocks())

    def blocks(self):
        """The findings' lines, ``BLOCK`` findings at a time, each line joined from its columns' encoded values."""
        result, rows = self.result, self.rows
        judgements = result.judgements
        columns = [_coded(judgements, name, rows) if name in _CODED else _python(judgements.take(name, rows))
                   for name in FIELDS]
        columns.append(self._waivers())
        columns.append(_plain(judgements["baseline"], rows))
        evidence = self._evidence()
        for begin in range(0, len(rows), self.BLOCK):
            end = begin + self.BLOCK
            yield list(map(_Finding, *(c[begin:end] for c in columns), evidence(begin, end)))

    def _waivers(self) -> list:
        judgements, rows = self.result.judgements, self.rows
        number = judgements["waiver"][rows]
        out = [None] * len(rows)
        waived = np.flatnonzero(number >= 0)
        if len(waived):
            items = self.result.waivers.items if self.result.waivers is not None else ()
            done: dict = {}
            for k, n, was in zip(waived.tolist(), number[waived].tolist(), judgements["was"][rows[waived]].tolist(),
                                 strict=True):
                if (n, was) not in done:
                    done[(n, was)] = waiver_dict(items[n], was)
                out[k] = done[(n, was)]
        return out

    def _evidence(self):
        """A function giving the evidence lists of findings ``begin`` to ``end``; each record's made once."""
        result, rows = self.result, self.rows
        judgement, record = evidence_pairs(result.judgements, rows, result.records, result.tables)
        distinct, back = distinct_records(record, len(result.records))
        fields = evidence_columns(result.records, result.tables, result.catalogue, distinct)
        plain = [fields[name] for name in EVIDENCE_FIELDS]
        items: list[msgspec.Struct | dict[str, Any]] = [_Evidence(*values) for values in zip(*plain, strict=True)]
        # an attendance list's activity adds its rows; a count-table cell its count and how it reads (README)
        counts = fields.get("count") or [None] * len(items)
        for k, (several, n) in enumerate(zip(fields["rows"], counts, strict=True)):
            if several is None and n is None:
                continue
            item = {name: column[k] for name, column in zip(EVIDENCE_FIELDS, plain, strict=True)}
            if several is not None:
                item["rows"] = several
            if n is not None:
                item.update(count=n, text=fields["text"][k])
            items[k] = item
        per_pair = [items[k] for k in back.tolist()]
        # every pair belongs to a finding and they come in the findings' order: a finding's records end where the
        # next one's begin
        bounds = np.searchsorted(judgement, rows, side="left")
        starts, ends = bounds.tolist(), [*bounds[1:].tolist(), len(judgement)]

        none: list = []  # one empty list for every finding without records (a province's unverifiable ones)

        def lists(begin: int, end: int) -> list[list]:
            return [per_pair[s:e] if s < e else none for s, e in zip(starts[begin:end], ends[begin:end], strict=True)]

        return lists


_CODED = frozenset({"rule", "severity", "status", "org", "person", "period"})  # a few distinct values each


def _coded(judgements: Judgements, name: str, rows: np.ndarray) -> list:
    """A column of labels at ``rows``: taken from its values (the engine's), each value made plain once (an enum
    member the string it stands for: an encoder asks Python for a member's value every time it meets one), then
    gathered; a column given whole, as ``_plain`` does."""
    column = judgements.columns[name]
    if not isinstance(column, Taken):
        return _plain(judgements[name], rows)
    plain = np.array([v.value if isinstance(v, Enum) else v for v in column.values.tolist()], dtype=object)
    return plain[column.at[rows]].tolist()


def _python(column) -> list:
    """A column (some rows of one) as Python objects; nullable integers as int or None."""
    if isinstance(column, pd.arrays.IntegerArray):
        return column.to_numpy(object, na_value=None).tolist()  # type: ignore[arg-type]  # (pandas-stubs: no None)
    return column.tolist()


def _plain(column: np.ndarray, rows: np.ndarray) -> list:
    """A column of enum members (baseline marks; None where there is none) at ``rows`` as the strings they stand
    for, each member looked up once."""
    codes, uniques = pd.factorize(column[rows], use_na_sentinel=True)
    plain = np.array([u.value if isinstance(u, Enum) else u for u in uniques] + [None], dtype=object)
    return plain[codes].tolist()


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    """Write findings.json into ``out_dir``, streamed piece by piece; the file written."""
    path = out_dir / FILENAME
    with path.open("wb") as handle, collector_paused():
        handle.writelines(chunks(document(result)))
    return [path]
