"""HTML for people: ``index.html`` for inspection teams and one page per organisation under ``orgs/``.

Pages are self-contained (inline CSS, SVG and a few lines of JavaScript that only sort and filter; no CDN, no web
font), print on A4 and work from a USB stick. Isolation: a branch's page holds only its own findings, records and
rows; a unit's page (党委, 党总支, 工委, 党组) only its own subtree. Everything that comes from a ledger is escaped by
jinja2's autoescape. No timestamps: the same inputs give the same bytes.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from compliance import __version__
from compliance.domain import Organisation, OrgType, Severity, Status, status_counts
from compliance.engine.kinds import kind_of
from compliance.findings.result import CheckResult
from compliance.findings.view import evidence_columns
from compliance.intake.roster import depths
from compliance.render.common import issue_list
from compliance.spelling import normalise_name
from compliance.text import WINDOWS_UNSAFE, windows_reserved, without_bidi

FILENAME = "index.html"
PAGES = "orgs"  # one page per organisation
# worst first: the colour of a cell holding several judgements, and of a light
RANK = {Status.VIOLATION.value: 4, Status.DUE.value: 3, Status.UNVERIFIABLE.value: 2, Status.WAIVED.value: 1,
        Status.MET.value: 0}
BY_RANK = sorted(RANK, key=RANK.__getitem__)  # the status of each rank
CHINESE = {status.value: status.chinese for status in Status}
SEVERITY_CHINESE = {severity.value: severity.chinese for severity in Severity}
LIGHTS = {"red": "红", "yellow": "黄", "green": "绿"}
NOT_JUDGED = "未检查（不在检查期间或尚未开始）"


STEM_CHARS = 50  # ≤ 200 bytes in UTF-8 even for 4-byte characters: a suffix and “.html” still fit in 255


def safe_filename(name: str, taken: set[str]) -> str:
    """A file name (no extension) for an organisation's page that stays inside its folder and is unique.

    Width and script variants are folded (NFKC, traditional → simplified, case) before comparing, because the
    file systems users copy reports to may fold them too; separators, control characters and characters Windows
    forbids become ``_``; leading and trailing dots and spaces go (so ``..`` cannot climb); reserved device names
    get a ``_`` in front; long names are cut. A name taken already — by another organisation whose name folds the
    same, or is cut the same — gets a suffix from the hash of its full name (and a counter, should even that
    collide), so two organisations never share a page."""
    stem = WINDOWS_UNSAFE.sub("_", unicodedata.normalize("NFKC", without_bidi(name))).strip(" .") or "组织"
    stem = stem[:STEM_CHARS].rstrip(" .") or "组织"
    if windows_reserved(stem):
        stem = f"_{stem}"
    candidate, counter = stem, 0
    while _folded(candidate) in taken:
        counter += 1
        digest = hashlib.sha1(f"{name}\x00{counter}".encode() if counter > 1 else name.encode()).hexdigest()[:8]
        candidate = f"{stem}-{digest}"
    taken.add(_folded(candidate))
    return candidate


def _folded(stem: str) -> str:
    return normalise_name(stem).casefold()


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("compliance.render", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates are package data: no stat() of them for every page
    )
    env.filters["status_cn"] = CHINESE.__getitem__
    env.filters["severity_cn"] = SEVERITY_CHINESE.__getitem__
    env.filters["percent"] = lambda rate: "" if rate is None else f"{rate * 100:.1f}%"
    return env


def light(counts: dict[str, int]) -> str:
    """三色预警: red with a violation, yellow with something due, else green."""
    return "red" if counts.get("violation") else ("yellow" if counts.get("due") else "green")


@dataclass(slots=True)
class GridRow:
    rule: str
    title: str
    person: str | None
    cells: Markup  # the row's <td>s, rendered by calendar.html.j2


@dataclass(frozen=True, slots=True)
class MatrixCell:
    """One organisation × rule cell of the index: the worst status, how many periods fail and how many were judged."""

    status: str
    failing: int
    judged: int


class Matrix:
    """The index's organisation × rule cells, a row at a time. Each cell's tip names its organisation, so no two
    rows share a cell's HTML; but they share everything else: each distinct cell of each rule is rendered once,
    with a stand-in where the name goes, and a row joins its cells' pieces around its own name (escaped once) —
    a province's 160,000 cells cost some hundred renderings instead of one each."""

    NAME = "\x00"  # the stand-in (no name or title holds one: it is the first one in a cell that is split at)

    def __init__(self, judged: np.ndarray, failing: np.ndarray, worst: np.ndarray, rules: Sequence,
                 cell: Callable[..., Markup]) -> None:
        """``judged``, ``failing``, ``worst``: organisations × the index's ``rules``; ``cell``: the macro that renders
        a cell from its MatrixCell (None: not applicable), the organisation's name and the rule."""
        n_orgs, n_rules = judged.shape
        column = np.tile(np.arange(n_rules), n_orgs)
        kind, first = _alike(judged.ravel(), failing.ravel(), worst.ravel(), column)
        self._kind = kind.reshape(judged.shape)
        self._pieces = [
            str(cell(MatrixCell(BY_RANK[w], f, j) if j else None, self.NAME, rules[c])).split(self.NAME, 1)
            for j, f, w, c in zip(*(a.ravel()[first].tolist() for a in (judged, failing, worst)),
                                  column[first].tolist(), strict=True)
        ]

    def __call__(self, row: OrgRow) -> Markup:
        """The cells of ``row``'s line of the index."""
        name, pieces = str(escape(row.org.name)), self._pieces
        return Markup("".join([name.join(pieces[k]) for k in self._kind[row.position].tolist()]))


@dataclass(slots=True)
class OrgRow:
    """An organisation's line in the index, and in its units' lists of organisations below them."""

    org: Organisation
    depth: int
    page: str
    counts: SimpleNamespace  # status → number of findings, as attributes for the templates (shared: do not change)
    light: str
    rejected: int
    position: int  # in the roster: its row of the index's matrix (``Matrix``)
    unit: bool
    subtree: SimpleNamespace
    subtree_light: str
    rate: float | None = None  # 完成率 over the audited range: met ÷ judged
    attendance: float | None = None  # 出席率: Σ实到 ÷ Σ应到
    next_deadline: str | None = None  # the earliest deadline of its plan ("接下来要做")


class Calendar:
    """The audited range as month columns; a judgement covers the months from its start to its end (clipped), so a
    quarterly rule's cell spans three columns, the year's twelve, a record's its month.

    Every organisation's cells are laid out at once, as arrays: the judgements sorted by (organisation, leader or not,
    rule, leader's name), one grid row per run of equal keys, and a row's months cut into cells where one of its
    judgements starts or where one ended the month before, so that a cell's months are covered by the same judgements.
    Organisations share most cells (a month with two records, all met; a quarter not yet judged): each distinct cell
    is rendered once, and a page only joins its own."""

    def __init__(self, result: CheckResult, org: np.ndarray, rule: np.ndarray, rank: np.ndarray, rules: Sequence,
                 counted: set[str], cell: Callable[..., Markup]) -> None:
        """``org``, ``rule`` and ``rank``: each judgement's roster position (-1: on no page), catalogue position and
        ``RANK``; ``rules``: the catalogue's rules; ``counted``: the ids of rules whose cells count records, so they
        show how many; ``cell``: the macro that renders a cell from its span, status, text and tip."""
        self.first = np.datetime64(result.audit.start, "M")
        self.n = int(np.datetime64(result.audit.end, "M") - self.first) + 1
        months = self.first + np.arange(self.n)
        self.labels = [f"{int(str(m)[5:7])}月" for m in months]
        self.groups: list[list[Any]] = []  # [label, span]: quarters, with the year where the range spans several
        several = str(months[0])[:4] != str(months[-1])[:4]
        for m in months:
            year, month = str(m)[:4], int(str(m)[5:7])
            label = (f"{year} " if several else "") + f"第{'一二三四'[(month - 1) // 3]}季度"
            if self.groups and self.groups[-1][0] == label:
                self.groups[-1][1] += 1
            else:
                self.groups.append([label, 1])
        frame = result.judgements.frame()
        cells = self._layout(frame, org, rule, rank, rules, counted, len(result.roster.names))
        self._render_cells(frame, cells, cell)

    def _layout(self, frame: pd.DataFrame, org: np.ndarray, rule: np.ndarray, rank: np.ndarray, rules: Sequence,
                counted: set[str], n_orgs: int) -> dict[str, np.ndarray]:
        """Sets the rows; returns, per cell, its span, how many judgements it holds, how many of them are not met,
        the worst rank, the judgement when it holds one, and whether its rule counts records."""
        n, count = self.n, len(frame)
        person = frame["person"].to_numpy(object)
        leader = frame["person"].notna().to_numpy()
        name, names = pd.factorize(np.where(leader, person, ""))
        name_rank = np.argsort(np.argsort(np.asarray(names, dtype=str)))[name]  # in the order of the names
        start = np.clip((frame["start"].to_numpy("datetime64[M]") - self.first).astype(np.int64), 0, n - 1)
        end = np.clip((frame["end"].to_numpy("datetime64[M]") - self.first).astype(np.int64), 0, n - 1)

        # one stable sort on a single key: (organisation, leader or not, rule, leader's name), then ledger order
        key = (((org + 1) * 2 + leader) * (len(rules) + 1) + rule + 1) * len(names) + name_rank
        sort = np.argsort(key, kind="stable")
        org, rule, leader, name_rank = org[sort], rule[sort], leader[sort], name_rank[sort]
        rank, start, end = rank[sort], start[sort], end[sort]
        new = np.ones(count, dtype=bool)
        new[1:] = ((org[1:] != org[:-1]) | (leader[1:] != leader[:-1]) | (rule[1:] != rule[:-1])
                   | (name_rank[1:] != name_rank[:-1]))
        row = np.cumsum(new) - 1
        heads = np.flatnonzero(new)
        n_rows = len(heads)
        self._row_rule = [rules[r].id for r in rule[heads].tolist()]
        self._row_title = [rules[r].title for r in rule[heads].tolist()]
        self._row_person = [p if isinstance(p, str) else None for p in person[sort[heads]].tolist()]
        # an organisation's rows: [bounds[2k], bounds[2k + 1]) without a leader, then up to bounds[2k + 2] with one
        self._bounds = np.searchsorted(org[heads] * 2 + leader[heads], np.arange(2 * n_orgs + 1))

        # (row, month) slots: how many judgements cover each, how many of them are not met, the worst, and one of them
        covered = start <= end
        length = np.where(covered, end - start + 1, 0)
        member = np.repeat(np.arange(count), length)
        month = start[member] + np.arange(len(member)) - np.repeat(np.cumsum(length) - length, length)
        slot = row[member] * n + month
        size = n_rows * n
        judged = np.bincount(slot, minlength=size)
        failing = np.bincount(slot[rank[member] > RANK[Status.MET.value]], minlength=size)
        worst = np.full(size, -1, dtype=np.int64)
        np.maximum.at(worst, slot, rank[member])
        single = np.full(size, -1, dtype=np.int64)
        single[slot] = sort[member]  # the judgement, where only one covers the slot

        begins = np.zeros(size, dtype=bool)
        begins[np.arange(n_rows) * n] = True
        begins[row[covered] * n + start[covered]] = True
        after = covered & (end + 1 < n)
        begins[row[after] * n + end[after] + 1] = True
        first = np.flatnonzero(begins)
        self._row_cells = np.append(np.searchsorted(first, np.arange(n_rows) * n), len(first)).tolist()
        return {
            "span": np.diff(np.append(first, size)), "judged": judged[first], "failing": failing[first],
            "worst": worst[first], "single": single[first],
            "counted": np.array([r in counted for r in self._row_rule], dtype=bool)[first // n],
        }

    def _render_cells(self, frame: pd.DataFrame, c: dict[str, np.ndarray], cell: Callable[..., Markup]) -> None:
        """Each distinct cell's <td>, once: ``self._html``, and ``self._cell``, each cell's position in it."""
        # a cell with one judgement shows it, unless the rule counts records (then it shows how many, unless that
        # one could not be verified); other cells look alike when their spans, counts and worst statuses are
        alone = (c["judged"] == 1) & ~(c["counted"] & (c["worst"] != RANK[Status.UNVERIFIABLE.value]))
        self._html: list[Markup] = []
        self._cell = np.empty(len(alone), dtype=np.int64)
        known: dict[tuple, int] = {}

        def position(content: tuple) -> int:
            if content not in known:
                known[content] = len(self._html)
                self._html.append(cell(*content))
            return known[content]

        columns = [c[k][~alone] for k in ("span", "judged", "failing", "worst")]
        kind, first = _alike(*columns)
        counts = []
        for span, judged, failing, worst in zip(*(column[first].tolist() for column in columns), strict=True):
            if not judged:
                counts.append(position((span, "none", "", NOT_JUDGED)))
            else:
                tip = f"{judged} 条记录" + (f"，其中 {failing} 条不符合" if failing else "，全部符合")
                counts.append(position((span, BY_RANK[worst], str(judged), tip)))
        self._cell[~alone] = np.array(counts, dtype=np.int64)[kind]

        judgement = frame.take(c["single"][alone])
        columns = [c["span"][alone], c["worst"][alone],
                   *(judgement[k].to_numpy(object) for k in ("period", "message", "expected", "actual"))]
        kind, first = _alike(*columns)
        shown = []
        for span, worst, period, message, expected, actual in zip(*(column[first].tolist() for column in columns),
                                                                  strict=True):
            status = BY_RANK[worst]
            text = "?" if status == Status.UNVERIFIABLE.value else ("" if pd.isna(actual) else str(actual))
            detail = message if isinstance(message, str) else (
                "" if pd.isna(expected) else f"实际 {actual}，要求 {expected}")
            shown.append(position((span, status, text, f"{period} {CHINESE[status]}：{detail}".rstrip("："))))
        self._cell[alone] = np.array(shown, dtype=np.int64)[kind]

    def grids(self, org: int) -> tuple[list[GridRow], list[GridRow]]:
        """An organisation's rows, one per rule (and leader): those without a leader, and those with one."""
        low, middle, high = self._bounds[2 * org:2 * org + 3].tolist()
        cuts = self._row_cells[low:high + 1]
        ids, html = self._cell[cuts[0]:cuts[-1]].tolist(), self._html
        rows = [
            GridRow(self._row_rule[k], self._row_title[k], self._row_person[k],
                    Markup("".join([html[i] for i in ids[a - cuts[0]:b - cuts[0]]])))
            for k, a, b in zip(range(low, high), cuts[:-1], cuts[1:], strict=True)
        ]
        return rows[:middle - low], rows[middle - low:]


def _alike(*columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows alike in every column: a number per row, 0 1 2 … in order of first appearance, and where each first
    appears. Missing values are alike (the columns hold one kind of missing value each)."""
    kind = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column)
        kind, _ = pd.factorize(kind * (len(uniques) + 1) + codes + 1)
    return kind, np.unique(kind, return_index=True)[1]


def _codes(column: pd.Series, values: list) -> np.ndarray:
    """Each entry's position in ``values`` (-1: not there), hashing each distinct entry once."""
    codes, uniques = pd.factorize(column)
    return np.append(pd.Index(values).get_indexer(uniques), -1)[codes]


def _matrix(org: np.ndarray, rule: np.ndarray, rank: np.ndarray, shape: tuple[int, int]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per organisation × rule: how many judgements, how many of them violations or due, and the worst rank."""
    mine = (org >= 0) & (rule >= 0)
    cell = org[mine] * shape[1] + rule[mine]
    size = shape[0] * shape[1]
    judged = np.bincount(cell, minlength=size)
    failing = np.bincount(cell[np.isin(rank[mine], [RANK[Status.VIOLATION.value], RANK[Status.DUE.value]])],
                          minlength=size)
    worst = np.full(size, -1, dtype=np.int64)
    np.maximum.at(worst, cell, rank[mine])
    return judged.reshape(shape), failing.reshape(shape), worst.reshape(shape)


def _topics(result: CheckResult) -> dict[tuple, tuple[str | None, str | None]]:
    """(source, sheet, row) → (主题, 缺席) of the records that are evidence of a finding, for the evidence lists."""
    judgements = result.judgements
    shown = np.isin(judgements.evidence_judgement, judgements.reported)
    records = result.records.iloc[np.unique(judgements.evidence_record[shown])]
    tables = result.tables
    rows = evidence_columns(result.records, tables, result.catalogue, records.index.to_numpy())["row"]  # (minutes:
    # none — the sheet is the place in the document)
    def text(value: object) -> str | None:
        return value if isinstance(value, str) and value else None

    return {
        (tables[t].source, tables[t].sheet, r): (text(topic), text(absent))
        for t, r, topic, absent in zip(records["table"].to_numpy(), rows, records["topic"].to_numpy(object),
                                       records["absent"].to_numpy(object), strict=True)
        if text(topic) or text(absent)
    }


def _bar_chart(items: list[tuple[str, int]], unit: str, *, in_order: bool = False) -> dict | None:
    """Geometry of a horizontal bar chart (drawn as inline SVG by the template), largest first (or as given)."""
    items = [(label, n) for label, n in items if n > 0 or in_order]
    if not items or (not any(n for _, n in items) and not in_order):
        return None
    if not in_order:
        items.sort(key=lambda kv: (-kv[1], kv[0]))
    top = max(max(n for _, n in items), 1)
    label_width, bar_width, height = 300, 360, 22
    bars = [
        {"label": label, "value": n, "y": i * height, "width": max(2, round(bar_width * n / top)),
         "text_y": i * height + 15}
        for i, (label, n) in enumerate(items)
    ]
    return {"bars": bars, "label_width": label_width, "width": label_width + bar_width + 40,
            "height": len(items) * height, "unit": unit}


def _progress(result: CheckResult) -> tuple[dict, dict, dict, dict]:
    """From the statistics and the plan: per organisation its 完成率 over the audited range, its 完成率 per year
    (and the whole district's, under None), its 出席率 (with the meetings by year), and its plan — the plan only
    when the as-of date lies inside the audited range (otherwise "what to do next" means nothing here)."""
    stats = result.stats
    judged: dict[str | None, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for item in stats["by_org"]:
        for key in (item["org"], None):
            judged[key][item["year"]][0] += item["met"]
            judged[key][item["year"]][1] += item["judged"]
    rates = {org: sum(m for m, _ in years.values()) / total
             for org, years in judged.items() if org is not None and (total := sum(j for _, j in years.values()))}
    trends = {org: [(year, met / total) for year, (met, total) in sorted(years.items()) if total]
              for org, years in judged.items()}
    attendance: dict[str, tuple[float | None, list]] = {}
    for meetings in stats["attendance"]:
        items = [*attendance.get(meetings["org"], (None, []))[1], SimpleNamespace(**meetings)]
        present, expected = sum(i.present for i in items), sum(i.expected for i in items)
        attendance[meetings["org"]] = (present / expected if expected else None, items)
    plans: dict[str, list] = defaultdict(list)
    if result.audit.start <= result.as_of <= result.audit.end:
        from compliance.findings.plan import plan_items

        for planned in plan_items(result):
            plans[planned.org].append(planned)
    return rates, trends, attendance, plans


def _trend(years: list[tuple[int, float]]) -> dict | None:
    """完成率 per year as a chart, when there are two years or more to compare."""
    if len(years) < 2:
        return None
    return _bar_chart([(f"{year} 年", round(rate * 100)) for year, rate in years], "%", in_order=True)


def _attributes(item: Mapping[str, Any]) -> SimpleNamespace:
    """A dict as attributes: jinja2 tries ``getattr`` before ``[]``, and a failed ``getattr`` costs an exception."""
    return SimpleNamespace(**item)


def _shown(finding: dict, title: str, basis: str,
           topics: dict[tuple, tuple[str | None, str | None]]) -> SimpleNamespace:
    """A finding as its page shows it: with its rule's title and 依据, and each evidence record's 主题 and 缺席."""
    shown = _attributes(finding)
    shown.title, shown.basis = title, basis
    if finding["waiver"]:
        shown.waiver = _attributes(finding["waiver"])
    shown.evidence = []
    for e in finding["evidence"]:
        item = _attributes(e)
        item.topic, item.absent = topics.get((e["source"], e["sheet"], e["row"]), (None, None))
        item.text = e.get("text")  # a count-table cell: 2024年3月统计表：支委会 0 次
        item.rows = e.get("rows")  # an attendance list's activity: all its rows
        shown.evidence.append(item)
    return shown


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    """Write ``index.html`` and one page per organisation under ``orgs/`` into ``out_dir``; the files written."""
    index, pages = render_in_parts(result, out_dir)
    return [*index, *pages()]


def render_in_parts(result: CheckResult, out_dir: Path) -> tuple[list[Path], Callable[[], list[Path]]]:
    """The index written now, and a function that writes the organisation pages (``compliance serve`` shows the
    index as soon as it is written and has the pages written after). What every page shows is built first
    (``_site``); each organisation's page is then built and written in turn."""
    env = _environment()
    site = _site(result, env)
    (out_dir / PAGES).mkdir(parents=True, exist_ok=True)
    # streamed to the file: with tens of thousands of organisations the index is millions of pieces, which would
    # otherwise all be alive at once (and set off full garbage collections) until joined
    with (out_dir / FILENAME).open("w", encoding="utf-8") as index:
        index.writelines(env.get_template("index.html.j2").generate(**_index_view(site, result)))
    return [out_dir / FILENAME], partial(_pages, site, result, env, out_dir)


def _pages(site: _Site, result: CheckResult, env: Environment, out_dir: Path) -> list[Path]:
    """Write each organisation's page in turn, once what only they show is built; the files written."""
    parts = _page_parts(site, result, env)
    written = []
    template = env.get_template("org.html.j2")
    for i, row in zip(site.tree.tolist(), site.rows, strict=True):
        page = template.render(**_org_view(site, parts, result, i, row))
        path = out_dir / PAGES / f"{row.page}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


@dataclass
class _Site:
    """What the index of one check is made of, and the organisation pages too: built before the index is written."""

    context: dict  # what every page shows in its head: version, as-of date, period, rules file, the lights
    tree: np.ndarray  # the organisations (roster positions) in preorder: a unit, then its subtree
    rows: list[OrgRow]  # one per organisation, in that order
    matrix_rules: list  # the rules that judged anything: the index's columns
    matrix: Matrix  # their cells, a row at a time
    judgements: pd.DataFrame
    j_codes: tuple[np.ndarray, np.ndarray, np.ndarray]  # each judgement's organisation, rule and rank (``Calendar``)
    findings: list[dict]
    by_org: dict[str, list[dict]]  # an organisation's findings
    rejected: dict[str | None, list]  # rejected rows and warnings by organisation (None: in no organisation)
    warnings: dict[str | None, list]
    attendance: dict
    trends: dict
    plans: dict


@dataclass
class _PageParts:
    """What only the organisation pages show, built after the index is written."""

    shown: dict[str, tuple[str, str]]  # rule id → its title and 依据
    topics: dict[tuple, tuple[str | None, str | None]]  # (file, sheet, row) → the record's 主题 and 缺席
    stats_by_org: dict[str, list[SimpleNamespace]]
    calendar: Calendar


def _site(result: CheckResult, env: Environment) -> _Site:
    roster = result.roster
    catalogue = result.catalogue
    order = {rule.id: i for i, rule in enumerate(catalogue.rules)}
    findings = result.findings()
    by_org: dict[str, list[dict]] = defaultdict(list)
    for finding in findings:
        by_org[finding["org"]].append(finding)
    rejected, warnings = defaultdict(list), defaultdict(list)
    for item in issue_list(result.rejected):
        rejected[item["org"]].append(_attributes(item))
    for item in issue_list(result.warnings):
        warnings[item["org"]].append(_attributes(item))

    # the judgements as codes, once: organisation (-1: not in the roster, on no page), rule, how bad
    judgements = result.judgements.frame()
    j_org = _codes(judgements["org"], roster.names)
    j_rule = _codes(judgements["rule"], list(order))
    j_rank = _codes(judgements["status"], BY_RANK)
    if (j_rule < 0).any() or (j_rank < 0).any():  # a -1 would index the last rule or status: fail as a lookup does
        raise KeyError("judgements name a rule or a status the catalogue does not have")
    present = set(judgements["rule"].unique())
    matrix_rules = [rule for rule in catalogue.rules if rule.id in present]
    judged, failing, worst = (
        table[:, [order[rule.id] for rule in matrix_rules]]
        for table in _matrix(j_org, j_rule, j_rank, (len(roster.names), len(catalogue.rules)))
    )
    matrix = Matrix(judged, failing, worst, matrix_rules,
                    env.get_template("matrix.html.j2").module.cell)  # type: ignore[attr-defined]
    tree, rows = _org_rows(result, by_org, rejected)
    progress, trends, attendance, plans = _progress(result)
    for row in rows:
        name = row.org.name
        row.rate, row.attendance = progress.get(name), attendance.get(name, (None, None))[0]
        row.next_deadline = plans[name][0].deadline.isoformat() if plans.get(name) else None
    context = {
        "version": __version__,
        "as_of": result.as_of.isoformat(),
        "period": result.audit.label,
        "rules_source": result.catalogue.path,
        "lights": LIGHTS,
    }
    return _Site(context, tree, rows, matrix_rules, matrix, judgements, (j_org, j_rule, j_rank), findings, by_org,
                 rejected, warnings, attendance, trends, plans)


def _page_parts(site: _Site, result: CheckResult, env: Environment) -> _PageParts:
    catalogue = result.catalogue
    shown = {rule.id: (rule.title, catalogue.source_text(rule)) for rule in catalogue.rules}
    titles = {rule.id: rule.title for rule in catalogue.rules}
    stats_by_org: dict[str, list[SimpleNamespace]] = defaultdict(list)
    for rule_year in result.stats["by_rule"]:
        stats_by_org[rule_year["org"]].append(SimpleNamespace(title=titles[rule_year["rule"]], **rule_year))
    record_rules = {rule.id for rule in catalogue.rules if kind_of(rule).per_record}
    calendar = Calendar(result, *site.j_codes, catalogue.rules, record_rules,
                        env.get_template("calendar.html.j2").module.cell)  # type: ignore[attr-defined]
    return _PageParts(shown, _topics(result), stats_by_org, calendar)


def _index_view(site: _Site, result: CheckResult) -> dict:
    """What index.html shows: the organisation × rule matrix, totals, charts."""
    statuses = list(status_counts([]))
    tally = site.judgements.groupby(["rule", "status"], sort=False).size()
    rule_totals = [
        {status: int(tally.get((rule.id, status), 0)) for status in statuses} for rule in site.matrix_rules
    ]
    rows = site.rows
    units = [row for row in rows if row.unit]
    charts = {
        "rules": _bar_chart([(rule.title, t["violation"])
                             for rule, t in zip(site.matrix_rules, rule_totals, strict=True)], "项违规"),
        "units": _bar_chart([(row.org.name, row.subtree.violation) for row in units], "项违规（含下级）"),
        "years": _trend(site.trends.get(None, [])),
    }
    lights = {colour: sum(1 for row in rows if row.light == colour) for colour in LIGHTS}
    return dict(
        rows=rows, rules=site.matrix_rules, matrix=site.matrix, rule_totals=rule_totals, units=units, charts=charts,
        light_counts=lights,
        sources=result.sources, tables=result.tables, notes=result.notes,
        skipped_any=any(s.skipped for s in result.sources), scope=result.scope,
        summary=status_counts(f["status"] for f in site.findings),
        unassigned=site.rejected.get(None, []) + site.warnings.get(None, []), **site.context
    )


def _org_view(site: _Site, parts: _PageParts, result: CheckResult, i: int, row: OrgRow) -> dict:
    """What the page of the organisation at roster position ``i`` shows; built page by page, so that its parts die
    young and do not set off full garbage collections."""
    org = row.org
    grid, leader_grid = parts.calendar.grids(i)
    roster = result.roster
    return dict(
        row=row,
        org=org,
        months=parts.calendar.labels,
        groups=parts.calendar.groups,
        grid=grid,
        leader_grid=leader_grid,
        # rows are in preorder: the subtree follows the unit
        below=site.rows[roster.subtree_start[i] + 1:roster.subtree_end[i]],
        base_depth=row.depth,
        subtree=row.subtree,
        findings=[_shown(finding, *parts.shown[finding["rule"]], parts.topics)
                  for finding in site.by_org.get(org.name, [])],
        stats=parts.stats_by_org.get(org.name, []),
        attendance=site.attendance.get(org.name, (None, []))[1],
        trend=_trend(site.trends.get(org.name, [])),
        plan=site.plans.get(org.name, []),
        plan_shown=result.audit.start <= result.as_of <= result.audit.end,
        rejected=site.rejected.get(org.name, []),
        warnings=site.warnings.get(org.name, []),
        **site.context,
    )


def _org_rows(result: CheckResult, by_org: dict[str, list[dict]], rejected: dict[str | None, list]
              ) -> tuple[np.ndarray, list[OrgRow]]:
    """The organisations in preorder (a unit, then its subtree) and a row for each: its findings by status and its
    subtree's. Rows alike in their counts share one object for them."""
    roster = result.roster
    statuses = list(status_counts([]))
    own = np.array([list(status_counts(f["status"] for f in by_org.get(name, [])).values())
                    for name in roster.names], dtype=np.int64).reshape(-1, len(statuses))
    # subtree totals from prefix sums over the preorder: the subtree of i is tree[subtree_start[i]:subtree_end[i]]
    tree = np.argsort(roster.subtree_start, kind="stable")
    prefix = np.vstack([np.zeros((1, len(statuses)), dtype=np.int64), np.cumsum(own[tree], axis=0)])
    subtree = prefix[roster.subtree_end] - prefix[roster.subtree_start]
    counts: dict[tuple, SimpleNamespace] = {}

    def shared(values: list[int]) -> SimpleNamespace:
        key = tuple(values)
        if key not in counts:
            counts[key] = SimpleNamespace(**dict(zip(statuses, values, strict=True)))
        return counts[key]

    taken: set[str] = set()
    pages = [safe_filename(name, taken) for name in roster.names]
    depth = depths(roster.parent)
    rows = []
    for i in tree.tolist():
        org = roster.orgs[i]
        mine, total = shared(own[i].tolist()), shared(subtree[i].tolist())
        rows.append(OrgRow(
            org=org, depth=depth[i], page=pages[i], counts=mine, light=light(vars(mine)),
            rejected=len(rejected.get(org.name, [])), position=i,
            unit=org.type is not OrgType.BRANCH, subtree=total, subtree_light=light(vars(total)),
        ))
    return tree, rows
