"""findings.json: the machine-readable contract (documented in README.md, "findings.json")."""

from __future__ import annotations

import json as _json
from pathlib import Path

import numpy as np
import pandas as pd

from compliance import __version__
from compliance.domain import status_counts
from compliance.findings.stats import OPTIONAL
from compliance.findings.view import EVIDENCE_FIELDS, FIELDS, evidence_columns, evidence_pairs, waiver_dict
from compliance.pipeline import CheckResult
from compliance.render.common import inputs, issue_list

FILENAME = "findings.json"


def document(result: CheckResult) -> dict:
    """findings.json as a dict; its findings as ``FindingLines`` (``pieces`` writes them; ``result.findings()``
    are the same findings as dicts)."""
    findings = FindingLines(result)
    table = result.judgements
    counts = status_counts(table["status"][table.reported].tolist())
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
            "organisations": len(result.roster.orgs),
            "leaders": len(result.roster.leaders),
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


def dumps(result: CheckResult) -> str:
    """The document indented, except that each finding, rejected row and warning is one line: a province's
    findings.json is read by diff and grep as much as by programs, and one compact line per item is written by
    the json module's C encoder (an indented dump goes through its pure-Python one, ten times slower)."""
    return "".join(pieces(document(result)))


def pieces(document: dict):
    """The text of findings.json, piece by piece (written to the file as they come: a province's findings and
    statistics are never one string in memory). The findings may be given as ``FindingLines``: each finding's line
    already encoded, column by column, with the same bytes the json module gives its dict."""
    encode = _ENCODE
    yield "{\n"
    for number, (key, value) in enumerate(document.items()):
        yield f"{',' if number else ''}\n  {encode(key)}: " if number else f"  {encode(key)}: "
        if isinstance(value, FindingLines):
            yield from value.pieces("    ", "  ")
        elif key in ONE_PER_LINE and value:
            yield from _items(value, encode, "    ", "  ")
        elif key == "stats":  # lists of statistics, one item per line too (given as lists or as columns)
            yield "{\n"
            for position, (name, items) in enumerate(value.items()):
                yield f"{',' if position else ''}\n    {encode(name)}: " if position else f"    {encode(name)}: "
                if isinstance(items, dict):
                    yield from _column_items(items, "      ", "    ")
                else:
                    yield from _items(items, encode, "      ", "    ") if items else ["[]"]
            yield "\n  }"
        else:  # JSON text never holds a raw newline inside a string: every newline is layout
            yield _json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
    yield "\n}\n"


def _column_items(columns: dict, inner: str, outer: str, block: int = 20_000):
    """A list of dicts given as columns (``compliance.findings.stats.statistic_columns``), one item per line, the
    bytes ``_items`` gives their dicts: each distinct value encoded once, lines made a block at a time. A negative
    number in the last column, when it is optional, leaves the key out."""
    names = list(columns)
    length = len(columns[names[0]]) if names else 0
    if not length:
        yield "[]"
        return
    optional = names[-1] in OPTIONAL
    encoded = [_encoded(columns[name]) for name in names]
    if optional:  # a negative number: the key left out
        absent = (np.asarray(columns[names[-1]]) < 0).tolist()
        encoded[-1] = ["" if gone else text for gone, text in zip(absent, encoded[-1], strict=True)]
    full = "{" + ", ".join(f"{_ENCODE(name)}: %s" for name in names) + "}"
    short = "{" + ", ".join(f"{_ENCODE(name)}: %s" for name in names[:-1]) + "}"
    between = ",\n" + inner
    yield "[\n" + inner
    for begin in range(0, length, block):
        values = zip(*(column[begin:begin + block] for column in encoded), strict=True)
        lines = [short % v[:-1] if optional and not v[-1] else full % v for v in values]
        yield (between if begin else "") + between.join(lines)
    yield "\n" + outer + "]"


def _items(items: list, encode, inner: str, outer: str):
    yield "[\n" + inner
    for position, item in enumerate(items):
        yield (",\n" + inner if position else "") + encode(item)
    yield "\n" + outer + "]"


class FindingLines:
    """The findings of findings.json, one line of JSON each, built column by column rather than from a dict per
    finding: every distinct value of a column (a rule id, an organisation, a message, a record behind findings) is
    encoded once, and each line is joined from the encoded values. The bytes are those the json module gives the
    finding's dict (``compliance.findings.view.finding_dicts``); lines are made a block at a time, so the findings
    are never all in memory as text."""

    BLOCK = 20_000

    def __init__(self, result: CheckResult):
        self.result = result
        self.rows = result.judgements.reported

    def __len__(self) -> int:
        return len(self.rows)

    def pieces(self, inner: str, outer: str):
        if not len(self.rows):
            yield "[]"
            return
        between = ",\n" + inner
        yield "[\n" + inner
        for number, lines in enumerate(self.blocks()):
            yield (between if number else "") + between.join(lines)
        yield "\n" + outer + "]"

    def blocks(self):
        result, rows = self.result, self.rows
        judgements = result.judgements
        columns = [_encoded(_at(judgements[name], rows)) for name in FIELDS]
        columns.append(self._waivers())
        columns.append(_encoded(_at(judgements["baseline"], rows)))
        evidence = self._evidence()
        template = "{" + ", ".join(f'"{name}": %s' for name in (*FIELDS, "waiver", "baseline", "evidence")) + "}"
        for begin in range(0, len(rows), self.BLOCK):
            end = begin + self.BLOCK
            yield [template % values
                   for values in zip(*(c[begin:end] for c in columns), evidence(begin, end), strict=True)]

    def _waivers(self) -> list[str]:
        judgements, rows = self.result.judgements, self.rows
        number = judgements["waiver"][rows]
        out = np.full(len(rows), "null", dtype=object)
        waived = np.flatnonzero(number >= 0)
        if len(waived):
            items = self.result.waivers.items if self.result.waivers is not None else ()
            done: dict = {}
            for k, n, was in zip(waived.tolist(), number[waived].tolist(), judgements["was"][rows[waived]].tolist(),
                                 strict=True):
                if (n, was) not in done:
                    done[(n, was)] = _ENCODE(waiver_dict(items[n], was))
                out[k] = done[(n, was)]
        return out.tolist()

    def _evidence(self):
        """A function giving the evidence lists of findings ``begin`` to ``end`` as JSON text; each record behind
        findings encoded once."""
        result, rows = self.result, self.rows
        judgement, record = evidence_pairs(result.judgements, rows, result.records, result.tables)
        distinct, back = np.unique(record, return_inverse=True)
        fields = evidence_columns(result.records, result.tables, result.catalogue, distinct)
        encoded = [_encoded(fields[name]) for name in EVIDENCE_FIELDS]
        template = "{" + ", ".join(f'"{name}": %s' for name in EVIDENCE_FIELDS) + "}"
        texts = np.array([template % values for values in zip(*encoded, strict=True)], dtype=object)
        per_pair = texts[back].tolist()
        starts = np.searchsorted(judgement, rows, side="left").tolist()
        ends = np.searchsorted(judgement, rows, side="right").tolist()

        def lists(begin: int, end: int) -> list[str]:
            return ["[" + ", ".join(per_pair[s:e]) + "]" for s, e in zip(starts[begin:end], ends[begin:end],
                                                                           strict=True)]

        return lists


def _compact_encoder():
    """``json.JSONEncoder(ensure_ascii=False).encode`` with the same bytes, its C encoder made once rather than
    once per item (which is most of the time it takes for a small dict); the plain encoder where there is no C
    one."""
    make = getattr(_json.encoder, "c_make_encoder", None)
    if make is None:
        return _json.JSONEncoder(ensure_ascii=False).encode
    encoder = _json.JSONEncoder(ensure_ascii=False)
    iterencode = make(None, encoder.default, _json.encoder.encode_basestring, None, ": ", ", ", False, False, True)

    def encode(value) -> str:
        if isinstance(value, str):
            return _json.encoder.encode_basestring(value)
        return "".join(iterencode(value, 0))

    return encode


_ENCODE = _compact_encoder()


def _at(column, rows: np.ndarray) -> np.ndarray:
    """A table column's values at ``rows`` as an object array (nullable integers: int or None)."""
    if isinstance(column, pd.arrays.IntegerArray):
        return column[rows].to_numpy(object, na_value=None)  # type: ignore[arg-type]  # (pandas-stubs: no None)
    return np.asarray(column[rows], dtype=object)


def _encoded(values) -> list[str]:
    """Each value's JSON text, each distinct value encoded once (None as null)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":  # numbers: as the json module writes them
        if values.dtype.kind == "f" and (np.signbit(values) & (values == 0)).any():
            return [*map(_ENCODE, values.tolist())]  # -0.0, which np.unique would take for 0.0
        distinct, codes = np.unique(values, return_inverse=True)
        encode = _ENCODE if values.dtype.kind == "f" else repr  # NaN and Infinity as the json module spells them
        return np.array([*map(encode, distinct.tolist())], dtype=object)[codes.reshape(-1)].tolist()
    codes, found = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=True)
    uniques = list(found)
    kinds = {u.__class__ for u in uniques}
    if all(issubclass(kind, str) for kind in kinds):  # names, ids, labels, messages: the C string encoder alone
        texts = [*map(_json.encoder.encode_basestring, uniques), "null"]
    elif kinds <= {int, float}:  # what the json module writes for a number: its repr
        texts = [*map(repr, uniques), "null"]
    else:
        texts = [*map(_ENCODE, uniques), "null"]
    return np.array(texts, dtype=object)[codes].tolist()


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    path = out_dir / FILENAME
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(pieces(document(result)))
    return [path]
