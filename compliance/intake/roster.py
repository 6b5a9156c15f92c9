"""The roster (名册): organisations with their tree, and leaders with their posts.

Read from an xlsx with sheets 组织 and 领导干部, or a folder holding 组织.csv and 领导干部.csv. Every problem names the
file, sheet, row and column. The tree is flattened into arrays (parent index, DFS entry/exit) so that rules can ask
"is unit U an ancestor of organisation R" for whole columns at once.
"""

from __future__ import annotations

import dataclasses
import difflib
import heapq
import itertools
import math
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from compliance.config.limits import Limits
from compliance.domain import Leader, Organisation, OrgType
from compliance.errors import InputError
from compliance.intake.header import HEADER_SEARCH_ROWS, find_header
from compliance.intake.sheets import Distinct, Sheet, read_rows
from compliance.intake.values import ValueProblem, is_blank, parse_date
from compliance.progress import collector_paused
from compliance.spelling import (
    normalise_name,
    normalise_names,
    normalise_text,
    normalise_texts,
    person_keys,
    short_name,
    split_list,
    split_lists,
)

ORG_SHEET = "组织"
LEADER_SHEET = "领导干部"
ORG_COLUMNS = {"组织名称": "name", "组织类型": "type", "上级组织": "parent", "成立日期": "founded", "别名": "aliases"}
LEADER_COLUMNS = {"姓名": "name", "所在单位": "org", "职务": "posts", "任职日期": "start", "离任日期": "end"}
REQUIRED = {ORG_SHEET: ("组织名称", "组织类型"), LEADER_SHEET: ("姓名", "所在单位", "职务")}
EARLIEST = np.datetime64("1000-01-01", "D")
LATEST = np.datetime64("9999-12-31", "D")
NAT = np.datetime64("NaT", "D")


def _kept(values: Any, keep: list[bool]) -> Any:
    """The items of a column (a list or an array; None stays None) where ``keep`` is true."""
    if values is None:
        return None
    if isinstance(values, np.ndarray):
        return values[np.asarray(keep, dtype=bool)]
    return list(itertools.compress(values, keep))


@dataclass(frozen=True)
class OrgColumns:
    """The 组织 sheet as columns, one item per organisation in roster order: what each ``Organisation`` holds.
    A roster read from its file keeps these and makes the models only when something asks for them."""

    names: list[str]
    types: list[OrgType]
    parents: list[str | None]
    founded: list[date | None]
    aliases: list[tuple[str, ...]]
    attributes: list[dict[str, str]]
    founded_days: np.ndarray | None = field(default=None, compare=False)  # where the reader has them already
    index: dict[str, int] | None = field(default=None, compare=False, repr=False)  # ``Roster.index``, likewise

    @classmethod
    def of(cls, orgs: Sequence[Organisation]) -> OrgColumns:
        return cls([o.name for o in orgs], [o.type for o in orgs], [o.parent for o in orgs],
                   [o.founded for o in orgs], [o.aliases for o in orgs], [o.attributes for o in orgs])

    def take(self, keep: list[bool]) -> OrgColumns:
        """The organisations where ``keep`` is true (their positions change: no index)."""
        return OrgColumns(_kept(self.names, keep), _kept(self.types, keep), _kept(self.parents, keep),
                          _kept(self.founded, keep), _kept(self.aliases, keep), _kept(self.attributes, keep),
                          _kept(self.founded_days, keep))

    def models(self) -> tuple[Organisation, ...]:
        return tuple(Organisation(name=a, type=t, parent=p, founded=f, aliases=s, attributes=x) for a, t, p, f, s, x
                     in zip(self.names, self.types, self.parents, self.founded, self.aliases, self.attributes,
                            strict=True))


@dataclass(frozen=True)
class LeaderColumns:
    """The 领导干部 sheet as columns (after ``_one_per_person``), one item per leader: what each ``Leader`` holds,
    and each name as ledgers are read (``person_key``) where the reader has worked it out already."""

    names: list[str]
    orgs: list[str]
    posts: list[tuple[str, ...]]
    starts: list[date | None]
    ends: list[date | None]
    persons: list[str] | None = None
    start_days: np.ndarray | None = field(default=None, compare=False)  # ``Roster.leader_start``, likewise
    end_days: np.ndarray | None = field(default=None, compare=False)

    @classmethod
    def of(cls, leaders: Sequence[Leader]) -> LeaderColumns:
        return cls([p.name for p in leaders], [p.org for p in leaders], [p.posts for p in leaders],
                   [p.start for p in leaders], [p.end for p in leaders])

    def take(self, keep: list[bool]) -> LeaderColumns:
        """The leaders where ``keep`` is true."""
        return LeaderColumns(_kept(self.names, keep), _kept(self.orgs, keep), _kept(self.posts, keep),
                             _kept(self.starts, keep), _kept(self.ends, keep), _kept(self.persons, keep),
                             _kept(self.start_days, keep), _kept(self.end_days, keep))

    def models(self) -> tuple[Leader, ...]:
        return tuple(Leader(name=a, org=u, posts=p, start=s, end=e) for a, u, p, s, e
                     in zip(self.names, self.orgs, self.posts, self.starts, self.ends, strict=True))


class Roster:
    """Organisations and leaders, with the tree flattened into arrays indexed by roster order. Built from the models
    (``Organisation``, ``Leader``) or, as the reader does, from columns (``OrgColumns``, ``LeaderColumns``): the
    rules, the gate and the findings read the columns and arrays; ``orgs`` and ``leaders`` are the models, made on
    first use (the pages, the workbook, the district's index)."""

    def __init__(
        self, orgs: Sequence[Organisation] | OrgColumns, leaders: Sequence[Leader] | LeaderColumns, *,
        inferred: bool = False, places: Mapping[str, dict] | None = None,
    ) -> None:
        if not isinstance(orgs, OrgColumns):
            orgs = OrgColumns.of(self.__dict__.setdefault("orgs", tuple(orgs)))
        if not isinstance(leaders, LeaderColumns):
            leaders = LeaderColumns.of(self.__dict__.setdefault("leaders", tuple(leaders)))
        self.inferred = inferred  # built from the ledgers' own organisation names (no --roster)
        self.places = places if places is not None else {}  # organisation name → its row: {source, sheet, row}
        self.org_table, self.leader_table = orgs, leaders
        self.names = orgs.names
        self.index = orgs.index if orgs.index is not None else dict(zip(orgs.names, range(len(orgs.names)),
                                                                        strict=True))
        self.parent = _positions(self.index, orgs.parents)
        # preorder: the subtree of organisation i holds the preorder positions subtree_start[i] ≤ … < subtree_end[i]
        self.subtree_start, self.subtree_end = _euler_tour(self.parent)
        self.org_types = np.fromiter(map(_TYPE_VALUES.__getitem__, orgs.types), dtype=object, count=len(orgs.types))
        self.founded = orgs.founded_days if orgs.founded_days is not None else _as_days(orgs.founded, EARLIEST)
        # each leader's name as ledgers are read
        persons = leaders.persons if leaders.persons is not None else person_keys(leaders.names)
        self.leader_names = np.array(persons, dtype=object)
        self.leader_org = _positions(self.index, leaders.orgs)
        self.leader_start = leaders.start_days if leaders.start_days is not None else _as_days(leaders.starts, EARLIEST)
        self.leader_end = leaders.end_days if leaders.end_days is not None else _as_days(leaders.ends, LATEST)
        self._closest: dict[tuple[str, int], list[str]] = {}
        self._spellings: _ByCharacter | None = None  # the lookup's spellings as one array, for ``closest``
        # every spelling of every organisation (its name, then its aliases), normalised together; the first
        # organisation to have a spelling keeps it, and a roster keeping formal names (中共…委员会) is found by the
        # short ones too, where no spelling already is one (a short name other than the name itself comes only of
        # a name that starts 中共 or 中国共产党)
        spellings, owner = _spellings(orgs.names, orgs.aliases)
        keys = normalise_names(spellings)
        owners = owner.tolist()
        joined = "\n".join(keys)  # (most rosters have no formal name at all: one search of all tells)
        formal = [k for k, key in enumerate(keys) if key.startswith(_FORMAL_PREFIXES)] if any(
            prefix in joined for prefix in _FORMAL_PREFIXES) else []
        self.lookup: dict[str, int] = _first_wins([*keys, *(short_name(keys[k]) for k in formal)],
                                                  [*owners, *(owners[k] for k in formal)])

    @cached_property
    def orgs(self) -> tuple[Organisation, ...]:
        return self.org_table.models()

    @cached_property
    def leaders(self) -> tuple[Leader, ...]:
        return self.leader_table.models()

    @classmethod
    def from_ledgers(cls, spellings: list[str]) -> Roster:
        """A roster for a self-check without --roster: every spelling whose type its name shows, no tree, no
        founding dates, no leaders. Spellings whose type cannot be told are left out (their rows are rejected)."""
        names = sorted({normalise_name(s) for s in spellings if s and infer_org_type(s)})
        return cls(tuple(Organisation(name=n, type=t) for n in names if (t := infer_org_type(n))), (), inferred=True)

    def resolve(self, spelling: str) -> int | None:
        """The index of the organisation a ledger's spelling (full name or alias, any script) refers to."""
        return self.lookup.get(normalise_name(spelling))

    def closest(self, spelling: str, n: int = 3) -> list[str]:
        """Roster names nearest to an unknown spelling, for the rejection message (computed once per spelling:
        a ledger repeats its unknown name on every row)."""
        key = (normalise_name(spelling), n)
        if key not in self._closest:
            keys = self._close_matches(key[0], n * 2, 0.5)
            self._closest[key] = list(dict.fromkeys(self.names[self.lookup[k]] for k in keys))[:n]
        return self._closest[key]

    def _close_matches(self, word: str, n: int, cutoff: float) -> list[str]:
        """``difflib.get_close_matches(word, spellings, n, cutoff)``, without comparing ``word`` with every spelling
        of a province's roster (a second per unknown name): each spelling's ``quick_ratio`` — characters in common,
        counted, over both lengths, an upper bound of its ``ratio`` — is computed for all at once with difflib's
        arithmetic, and spellings are compared in falling order of it until no further one can reach the n best."""
        if not word or not self.lookup:
            return difflib.get_close_matches(word, list(self.lookup), n=n, cutoff=cutoff)
        if self._spellings is None:
            self._spellings = _by_character(list(self.lookup))
        spellings, lengths, holding = self._spellings
        common = np.zeros(len(spellings), dtype=np.int64)
        for char, count in Counter(word).items():
            if char in holding:
                at, counts = holding[char]
                common[at] += np.minimum(counts, count)
        bound = 2.0 * common / (lengths + len(word))
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(word)
        found: list[tuple[float, str]] = []
        for at in np.argsort(-bound, kind="stable").tolist():
            if bound[at] < cutoff or (len(found) >= n and bound[at] < heapq.nlargest(n, found)[-1][0]):
                break
            matcher.set_seq1(spelling := spellings[at])
            if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff and matcher.ratio() >= cutoff:
                found.append((matcher.ratio(), spelling))
        return [spelling for _, spelling in heapq.nlargest(n, found)]

    def attribute(self, column: str) -> np.ndarray:
        """A roster column's normalised value per organisation ('' where absent)."""
        return np.array([normalise_name(x.get(column, "")) for x in self.org_table.attributes], dtype=object)

    def within(self, unit: np.ndarray, org: np.ndarray) -> np.ndarray:
        """Elementwise: is organisation ``org`` the unit ``unit`` itself or below it in the tree?"""
        start = self.subtree_start[org]
        return (self.subtree_start[unit] <= start) & (start < self.subtree_end[unit])



def _spellings(names: list[str], aliases: list[tuple[str, ...]]) -> tuple[list[str], np.ndarray]:
    """Every organisation's name, then its aliases, in roster order; and per spelling its organisation's position
    (the aliases flattened at C speed and placed around the names, not a tuple made per organisation)."""
    counts = np.fromiter(map(len, aliases), dtype=np.int64, count=len(aliases)) + 1
    owner = np.repeat(np.arange(len(names)), counts)
    if counts.max(initial=1) == 1:
        return list(names), owner
    spellings = np.empty(len(owner), dtype=object)
    first = np.cumsum(counts) - counts  # where each organisation's name goes
    spellings[first] = names
    others = np.ones(len(owner), dtype=bool)
    others[first] = False
    spellings[others] = list(itertools.chain.from_iterable(aliases))
    return spellings.tolist(), owner


_ByCharacter = tuple[list[str], np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]


def _by_character(spellings: list[str]) -> _ByCharacter:
    """The spellings, their lengths, and per character the spellings holding it and how many times — counted for
    all at once over their code points (no array as wide as the longest name; a NUL is a character like any)."""
    lengths = np.array([len(s) for s in spellings], dtype=np.int64)
    points = np.frombuffer("".join(spellings).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    owner = np.repeat(np.arange(len(spellings), dtype=np.int64), lengths)
    pairs, counts = np.unique(points << 32 | owner, return_counts=True)  # sorted by character, then spelling
    chars, owners = pairs >> 32, pairs & 0xFFFFFFFF
    starts = np.flatnonzero(np.r_[True, chars[1:] != chars[:-1]])
    ends = np.r_[starts[1:], len(chars)]
    holding = {chr(chars[a]): (owners[a:b], counts[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)}
    return spellings, lengths, holding


_TYPE_VALUES = {t: t.value for t in OrgType}  # (a dict's lookup: an enum's .value is a property, several times slower)
_FORMAL_PREFIXES = ("中共", "中国共产党")  # (what ``short_name`` looks for first)

_TYPE_SUFFIXES = (
    ("工委", OrgType.WORK_COMMITTEE),
    ("党组", OrgType.PARTY_GROUP),
    ("总支", OrgType.GENERAL_BRANCH),
    ("支部", OrgType.BRANCH),
    ("党委", OrgType.COMMITTEE),
)


def depths(parent: np.ndarray) -> list[int]:
    """Each organisation's depth in the tree (0 for a root), from its parent's position (-1: none)."""
    return _depths(np.asarray(parent, dtype=np.int64)).tolist()


def is_organisation(name: str, roster: Roster | None) -> bool:
    """Is ``name`` (normalised) an organisation: in the roster, or — without one — by the ending of its name?"""
    if roster is None or roster.inferred:
        return infer_org_type(name) is not None
    return roster.resolve(name) is not None


def infer_org_type(name: str) -> OrgType | None:
    """The organisation type a name ends with: …党支部/…支部, …党总支, …党委, …党组, …工委."""
    key = short_name(normalise_name(name))
    return next((kind for suffix, kind in _TYPE_SUFFIXES if key.endswith(suffix)), None)


def read_roster(path: str | Path, limits: Limits | None = None) -> Roster:
    path = Path(path)
    if path.is_dir():
        sheets: dict[str, tuple[Sheet, str, str | None, np.ndarray | None]] = {}
        for name in (ORG_SHEET, LEADER_SHEET):
            file = path / f"{name}.csv"
            if not file.is_file():
                raise InputError(f"名册文件夹中缺少 {name}.csv", source=str(path))
            content = read_rows(file, str(file), limits=limits)[None]
            sheets[name] = (content, str(file), None, content.lines)
    elif path.is_file():
        workbook = read_rows(path, str(path), limits=limits)
        sheets = {}
        for name in (ORG_SHEET, LEADER_SHEET):
            if name not in workbook:
                found = "、".join(str(s) for s in workbook) or "（无）"
                raise InputError(f"名册缺少工作表“{name}”（现有工作表：{found}）", source=str(path))
            sheets[name] = (workbook[name], str(path), name, None)
    else:
        raise InputError("名册文件或文件夹不存在", source=str(path))

    return roster_from_rows(sheets[ORG_SHEET], sheets[LEADER_SHEET])


def roster_from_rows(orgs: tuple, leaders: tuple) -> Roster:
    """A roster from its two sheets, each as (cells, file shown, sheet or None) and, for a CSV whose cells hold line
    breaks, the text line each row starts on (``Sheet.lines``). The cells: the sheet's rows, header included, or
    the ``Sheet`` that ``read_rows`` gave (a CSV's string columns are then read as columns, never as rows)."""
    with collector_paused(then_oldest=True):  # the roster's objects hold no cycles and live as long as it
        organisations, places, spellings = _read_orgs(*orgs)
        return Roster(organisations, _read_leaders(*leaders, spellings=spellings), places=places)


@dataclass(frozen=True)
class _Column:
    """A roster column's cells in its data rows: each distinct filled cell once (``values``) and, per row, where
    its cell is among them (``codes``; -1 where the cell is blank). What a cell becomes is worked out once per
    distinct cell, never once per row."""

    codes: np.ndarray
    values: list

    @classmethod
    def blank(cls, n: int) -> _Column:
        return cls(np.full(n, -1, dtype=np.int64), [])

    def take(self, rows: np.ndarray) -> _Column:
        return _Column(self.codes[rows], self.values)

    def or_else(self, earlier: _Column) -> _Column:
        """This column's cell in each row, or ``earlier``'s where this one is blank (two columns with one header)."""
        codes = np.where(self.codes >= 0, self.codes + len(earlier.values), earlier.codes)
        return _Column(codes, earlier.values + self.values)

    def cell(self, k: int) -> object:
        code = self.codes[k]
        return None if code < 0 else self.values[code]

    def each(self, convert, blank) -> np.ndarray:
        """``convert`` of each distinct cell, then ``blank``: an array that ``codes`` index (-1 is the last)."""
        return np.fromiter(itertools.chain(map(convert, self.values), [blank]), dtype=object,
                           count=len(self.values) + 1)

    def spread(self, each: list, blank) -> np.ndarray:
        """Per row, the item of ``each`` (one per distinct cell) for its cell, ``blank`` where the cell is blank.
        (np.fromiter, not np.array: it takes a tuple as one item, not as a row.)"""
        return np.fromiter(itertools.chain(each, [blank]), dtype=object, count=len(each) + 1)[self.codes]

    def names(self) -> np.ndarray:
        """Each row's cell as a name (``normalise_name``), '' where blank: the distinct cells normalised together."""
        return self.spread(normalise_names(list(map(str, self.values)), distinct=True), "")

    def texts(self, blank: str | None) -> np.ndarray:
        """Each row's cell as text (``normalise_text``), ``blank`` where blank: the distinct cells together."""
        return self.spread(normalise_texts(list(map(str, self.values))), blank)

    def lists(self) -> np.ndarray:
        """Each row's list (别名, 职务: ``张三、李四``) as a tuple of names, () where blank: each distinct cell split
        once, and the items normalised together."""
        parts = split_lists(normalise_texts(list(map(str, self.values))))
        if set(map(len, parts)) <= {1}:  # (most lists of a roster: one item each, made 1-tuples by zip)
            return self.spread(list(zip(normalise_names(list(map(itemgetter(0), parts))))), ())
        items = iter(normalise_names(list(itertools.chain.from_iterable(parts))))
        return self.spread([tuple(itertools.islice(items, len(part))) for part in parts], ())


def _distinct(cells) -> _Column:
    """The column of some Python values (a workbook's cells): blank ones (``is_blank``) apart, the others each
    once — by type and value: 1, 1.0 and True are equal keys, and not the same cell."""
    seen: dict[tuple[type, object], int] = {}
    values: list = []
    codes: list[int] = []
    for cell in cells:
        if cell is None or (isinstance(cell, str) and not cell.strip()) or (isinstance(cell, float) and cell != cell):
            codes.append(-1)
            continue
        key = (cell.__class__, cell)
        code = seen.get(key)
        if code is None:
            code = seen[key] = len(values)
            values.append(cell)
        codes.append(code)
    return _Column(np.array(codes, dtype=np.int64), values)


def _distinct_strings(column: pd.Series) -> _Column:
    """The column of a CSV's strings (every cell a str, none missing), its distinct cells found by pandas."""
    codes, uniques = pd.factorize(column)
    return _held(codes, uniques.tolist())


def _from_distinct(distinct: Distinct) -> _Column:
    """The column of a CSV's strings from the distinct values its reader found (``Sheet.distinct``), of the rows
    ``distinct`` holds."""
    return _held(distinct.codes, distinct.values.to_pylist())


def _held(codes: np.ndarray, values: list[str]) -> _Column:
    """The column whose rows hold ``values[codes]`` (-1: a missing cell), blank values and values no row holds (a
    title's, the header's words, among a reader's distinct values) left out — never parsed or converted."""
    filled = np.zeros(len(values) + 1, dtype=bool)
    filled[codes] = True  # (-1 marks the slot past the values, dropped)
    filled = filled[:-1] & np.fromiter(map(bool, map(str.strip, values)), dtype=bool, count=len(values))
    # each filled value's number among the filled ones; -1 for a blank one (and for -1, a missing cell)
    renumbered = np.append(np.where(filled, np.cumsum(filled) - 1, -1), -1)
    return _Column(renumbered[codes].astype(np.int64), list(itertools.compress(values, filled.tolist())))


def _body(cells, start: int) -> list[_Column]:
    """The columns of the rows from ``start`` (0-based) on, one per position: as many as the widest row has."""
    if isinstance(cells, Sheet) and cells.frame is not None:
        frame = cells.frame.iloc[start:]
        if not len(frame):
            return []
        positions = range(frame.shape[1])  # (the reader numbers a CSV's columns by position)
        if isinstance(frame.columns, pd.RangeIndex) and set(cells.distinct) >= set(positions):
            return [_from_distinct(cells.distinct[position].rows(slice(start, None))) for position in positions]
        return [_distinct_strings(frame[position]) for position in frame.columns]
    rows = cells.rows if isinstance(cells, Sheet) else cells
    return [_distinct(column) for column in itertools.zip_longest(*rows[start:])]


def _columns(cells, source, sheet, columns, lines=None) -> tuple[list[int], dict[str, _Column]]:
    """The data rows of a roster sheet, column by column: their row numbers (1-based, as users find them: a CSV's
    text line; blank rows left out) and, per header, its cells in those rows (of two columns with one header the
    later filled cell)."""
    known = {normalise_name(c): c for c in columns}
    rows = cells.head(HEADER_SEARCH_ROWS) if isinstance(cells, Sheet) else cells
    header = find_header(rows, known)
    required = REQUIRED[sheet or Path(source).stem]
    if header is None:
        raise InputError(f"找不到表头，应包含列：{'、'.join(columns)}", source=source, sheet=sheet)
    index = header[0]
    names = [normalise_name(str(c)) if not is_blank(c) else "" for c in rows[index]]
    missing = [c for c in required if normalise_name(c) not in names]
    if missing:
        raise InputError(f"缺少必需的列：{'、'.join(missing)}", source=source, sheet=sheet,
                         row=index + 1 if lines is None else int(lines[index]))
    headers = [known.get(n, str(rows[index][i]).strip() if n else "") for i, n in enumerate(names)]
    body = _body(cells, index + 1)
    if not body:
        return [], {}
    filled = np.zeros(len(body[0].codes), dtype=bool)
    for column in body:
        filled |= column.codes >= 0
    kept = np.flatnonzero(filled)
    by_header: dict[str, _Column] = {}
    for position, name in enumerate(headers):
        if not name or position >= len(body):
            continue
        column = body[position].take(kept)
        earlier = by_header.get(name)
        by_header[name] = column if earlier is None else column.or_else(earlier)
    numbers = kept + index + 2
    return (numbers if lines is None else lines[numbers - 1]).tolist(), by_header


def _is_problem(values: np.ndarray) -> np.ndarray:
    """Which of the values are a ValueProblem (a cell that is no date)."""
    return np.fromiter((isinstance(v, ValueProblem) for v in values.tolist()), dtype=bool, count=len(values))


def _date_or_problem(cell) -> date | ValueProblem:
    try:
        return parse_date(cell)
    except ValueProblem as exc:  # kept in an array: without its traceback, whose frames would keep their callers'
        return exc.with_traceback(None)  # data alive (the pipeline's ledgers, 150 MB of a province's)


def _date(cells, column, where):
    if column not in cells:
        return None
    try:
        return parse_date(cells[column])
    except ValueProblem as exc:
        raise InputError(str(exc), **where, column=column) from None


def _text(cells, column) -> str:
    return normalise_text(str(cells.get(column, "")))


def _validated(model, where, columns, **values):
    try:
        return model(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        field_ = error["loc"][0] if error["loc"] else None
        column = next((c for c, f in columns.items() if f == field_), None)
        if error["type"] == "enum":
            message = f"取值“{error['input']}”无效，应为 {error['ctx']['expected'].replace(' or ', ', ')} 之一"
        elif error["type"] in ("missing", "string_too_short"):
            message = "不能为空"
        else:
            message = error["msg"]
        raise InputError(message, **where, column=column) from None


def _row(table: dict[str, _Column], k: int) -> dict[str, object]:
    """Row ``k`` of a sheet read by ``_columns``: its filled cells by header."""
    return {name: cell for name, column in table.items() if (cell := column.cell(k)) is not None}


def _org(cells: dict, where: dict) -> Organisation:
    """One row of the 组织 sheet, validated by its model: the exact message of a row that fails."""
    extra = {k: normalise_text(str(v)) for k, v in cells.items() if k not in ORG_COLUMNS}
    return _validated(
        Organisation,
        where,
        ORG_COLUMNS,
        name=normalise_name(str(cells.get("组织名称", ""))),
        type=_text(cells, "组织类型"),
        parent=normalise_name(str(cells.get("上级组织", ""))) or None,
        founded=_date(cells, "成立日期", where),
        aliases=tuple(normalise_name(a) for a in split_list(_text(cells, "别名"))),
        attributes=extra,
    )


_TYPE_OF = {t.value: t for t in OrgType}  # (the model takes a member faster than its value)


def _read_orgs(cells, source, sheet, lines=None) -> tuple[OrgColumns, _Places, _Spellings]:
    """Column by column: each distinct cell normalised or parsed once, every row checked at once. A row that may
    fail (a date that does not parse, no name, an unknown type, a name seen before) is read again alone through
    the model (``_org``), which gives the exact message of the first that does; the rows are kept as columns."""
    numbers, table = _columns(cells, source, sheet, ORG_COLUMNS, lines)
    n = len(numbers)

    def column(name: str) -> _Column:
        return table[name] if name in table else _Column.blank(n)

    names = column("组织名称").names()
    kind = column("组织类型")
    types = kind.each(lambda cell: _TYPE_OF.get(normalise_text(str(cell))), None)[kind.codes]  # None: no type
    parents = column("上级组织").names()
    parents[parents == ""] = None
    dates = column("成立日期")
    founded_each = dates.each(_date_or_problem, None)
    founded = founded_each[dates.codes]
    aliases = column("别名").lists()
    attributes = _attributes(table, n)
    may_fail = (_is_problem(founded_each)[dates.codes] | (names == "")
                | pd.isna(types)
                | pd.Series(names, dtype=object).duplicated().to_numpy())
    for k in np.flatnonzero(may_fail).tolist():  # (in row order) the first raises, with its row's exact message
        where = {"source": source, "sheet": sheet, "row": numbers[k]}
        org = _org(_row(table, k), where)  # raises (a row that reads is as its columns have it)
        earlier = names[:k].tolist()
        if org.name in earlier:
            raise InputError(f"组织“{org.name}”重复（第 {numbers[earlier.index(org.name)]} 行已有）", **where,
                             column="组织名称")
    if not n:
        raise InputError("名册中没有组织", source=source, sheet=sheet)
    places = _Places(source, sheet, names.tolist(), numbers)
    # a parent written by its alias (一中党委) is that organisation: resolved, and checked after every row's own
    # message, as the aliases are
    aliased = _Aliases(names, aliases)
    aliased.check(places)
    written = pd.Series(parents, dtype=object)
    known = written.isin(names).to_numpy()
    by_alias = ~known & written.isin(list(aliased.owner)).to_numpy()
    resolved = parents.copy()
    resolved[by_alias] = [aliased.owner[parent] for parent in parents[by_alias].tolist()]
    unknown = np.flatnonzero(written.notna().to_numpy() & ~known & ~by_alias)
    if unknown.size:
        name, parent = names[unknown[0]], parents[unknown[0]]
        raise InputError(f"上级组织“{parent}”不在名册中", **places[name], column="上级组织")
    index = dict(zip(names.tolist(), range(n), strict=True))
    looped = _in_loops(_positions(index, resolved.tolist()))
    if looped.size:
        raise InputError("上级组织形成了循环", **places[names[looped[0]]], column="上级组织")
    return OrgColumns(names.tolist(), types.tolist(), resolved.tolist(), founded.tolist(), aliases.tolist(),
                      attributes, _as_days(founded_each, EARLIEST)[dates.codes], index), places, _Spellings(
        index, aliased.owner)


class _Spellings(Mapping[str, str]):
    """Each name and alias of the organisations, with the name of the organisation it is: once the aliases are
    checked (``_Aliases.check``), a name is its own and an alias its organisation's, whichever comes first."""

    def __init__(self, index: dict[str, int], owner: dict[str, str]) -> None:
        self.index, self.owner = index, owner

    def __getitem__(self, spelling: str) -> str:
        return spelling if spelling in self.index else self.owner[spelling]

    def get(self, spelling: str, default=None):  # (Mapping's, without raising and catching a KeyError per miss)
        return spelling if spelling in self.index else self.owner.get(spelling, default)

    def __iter__(self) -> Iterator[str]:
        return itertools.chain(self.index, (alias for alias in self.owner if alias not in self.index))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Places(Mapping[str, dict]):
    """Each organisation's row as {source, sheet, row}, by its name: made when asked for, not 36k dicts per read."""

    def __init__(self, source: str, sheet: str | None, names: list[str], numbers: list[int]) -> None:
        self.source, self.sheet, self.names = source, sheet, names
        self.rows = dict(zip(names, numbers, strict=True))

    def __getitem__(self, name: str) -> dict:
        return {"source": self.source, "sheet": self.sheet, "row": self.rows[name]}

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def _attributes(table: dict[str, _Column], n: int) -> list[dict[str, str]]:
    """Each row's cells in the columns the roster does not know (设党小组…) as {header: text}, blank ones left out:
    one dict per distinct combination of cells, the same dict for every row that has it (the model copies it)."""
    extras = [name for name in table if name not in ORG_COLUMNS]
    if not extras:
        return [{}] * n
    texts = [normalise_texts([str(c) for c in table[name].values]) for name in extras]
    # each row's combination as one number, its codes (-1 for blank) counted in mixed radix
    if math.prod(len(table[name].values) + 1 for name in extras) < 1 << 62:
        key = np.zeros(n, dtype=np.int64)
        for name in extras:
            key = key * (len(table[name].values) + 1) + table[name].codes + 1
    else:  # (too many combinations to number so)
        key = np.unique(np.stack([table[name].codes for name in extras], axis=1), axis=0, return_inverse=True)[1]
    firsts, row_combination = np.unique(key.reshape(-1), return_index=True, return_inverse=True)[1:]
    combinations = np.stack([table[name].codes[firsts] for name in extras], axis=1)
    each = np.empty(len(combinations), dtype=object)
    each[:] = [{name: texts[e][code] for e, (name, code) in enumerate(zip(extras, combination, strict=True))
                if code >= 0} for combination in combinations.tolist()]
    return each[row_combination.reshape(-1)].tolist()


class _Aliases:
    """The 别名 column's aliases, each with its row's organisation: ``owner`` is each alias's organisation (of
    several, the first row's), in the order the aliases first come."""

    def __init__(self, names: np.ndarray, aliases: np.ndarray) -> None:
        listed = aliases.tolist()
        self.aliases = list(itertools.chain.from_iterable(listed))
        self.names = np.repeat(names, np.fromiter(map(len, listed), dtype=np.int64, count=len(listed)))
        self.known = names
        self.codes, distinct = pd.factorize(np.array(self.aliases, dtype=object))
        self.first = np.unique(self.codes, return_index=True)[1]  # where each distinct alias first comes
        self.owner: dict[str, str] = dict(zip(distinct.tolist(), self.names[self.first].tolist(), strict=True))

    def check(self, places: Mapping[str, dict]) -> None:
        """An alias names one organisation: refused at the first row that gives it a second — by another row's
        alias, or as another organisation's name."""
        if not self.aliases:
            return
        aliases = np.array(self.aliases, dtype=object)
        shared = ((self.names[self.first][self.codes] != self.names)
                  | (pd.Series(aliases, dtype=object).isin(self.known).to_numpy() & (aliases != self.names)))
        if shared.any():
            at = int(np.argmax(shared))
            raise InputError(f"别名“{self.aliases[at]}”同时指向多个组织", **places[self.names[at]], column="别名")


def _positions(index: dict[str, int], names: list) -> np.ndarray:
    """The position of each of ``names`` by ``index``, -1 for none (None or ''). A name not there is a KeyError, as
    looking it up in ``index`` would be."""
    at = np.fromiter(map(index.get, names, itertools.repeat(-1)), dtype=np.int64, count=len(names))
    for k in np.flatnonzero(at < 0).tolist():  # (the roots, or nothing: checked one by one)
        if names[k]:
            raise KeyError(names[k])
    return at


def _first_wins(keys: list, values: list) -> dict:
    """``dict(zip(keys, values))`` where of equal keys the first keeps its value (``setdefault`` one by one), in the
    order keys first come: built in one go when no key comes twice, as in a roster whose spellings are each one
    organisation's."""
    first = dict(zip(keys, values, strict=True))
    if len(first) < len(keys):
        first = {}
        for key, value in zip(keys, values, strict=True):
            first.setdefault(key, value)
    return first


def _in_loops(parent: np.ndarray) -> np.ndarray:
    """The organisations (positions, ascending) whose chain of parents never reaches a root: those in a loop and
    those below one. Each step looks twice as far up as the one before (``up`` is the ancestor 2**k generations
    up, -1 past a root): after ⌈log2 n⌉ + 1 steps a chain that ends has ended."""
    up = parent.copy()
    for _ in range(max(1, len(parent).bit_length())):
        up = np.where(up >= 0, up[up], -1)
    return np.flatnonzero(up >= 0)


def _leader(cells: dict, where: dict, lookup: Mapping[str, str]) -> Leader:
    """One row of the 领导干部 sheet, checked in order and validated by its model: the exact message of a row that
    fails."""
    unit = normalise_name(str(cells.get("所在单位", "")))
    if unit and unit not in lookup:
        raise InputError(f"所在单位“{unit}”不在名册的组织表中", **where, column="所在单位")
    start = _date(cells, "任职日期", where)
    end = _date(cells, "离任日期", where)
    if start and end and end < start:
        raise InputError("离任日期早于任职日期", **where, column="离任日期")
    return _validated(
        Leader,
        where,
        LEADER_COLUMNS,
        name=normalise_name(str(cells.get("姓名", ""))),
        org=lookup.get(unit, ""),
        posts=tuple(normalise_name(p) for p in split_list(_text(cells, "职务"))),
        start=start,
        end=end,
    )


_EPOCH = date(1970, 1, 1).toordinal()


def _as_days(values, missing: np.datetime64) -> np.ndarray:
    """Dates as numpy days, ``missing`` for whatever is no date (None, a ValueProblem): each distinct value once, by
    its ordinal (numpy converts date objects one by one and slowly; a roster holds few distinct dates)."""
    codes, uniques = pd.factorize(np.array(values, dtype=object), use_na_sentinel=True)
    ordinals = np.fromiter((v.toordinal() if isinstance(v, date) else 0 for v in uniques), dtype=np.int64,
                           count=len(uniques))
    days = np.where(ordinals > 0, (ordinals - _EPOCH).astype("datetime64[D]"), missing)
    return np.append(days, missing)[codes]


def _read_leaders(cells, source, sheet, lines=None, *, spellings: Mapping[str, str]) -> LeaderColumns:
    """Like ``_read_orgs``: column by column, and a row that may fail read again alone. ``spellings``: each name and
    alias of the organisations, with the name of the organisation it is."""
    numbers, table = _columns(cells, source, sheet, LEADER_COLUMNS, lines)
    n = len(numbers)

    def column(name: str) -> _Column:
        return table[name] if name in table else _Column.blank(n)

    names = column("姓名").names()
    unit = column("所在单位")
    spelt = normalise_names(list(map(str, unit.values)), distinct=True)
    units = unit.spread(list(map(spellings.get, spelt)), None)  # None: not known
    posts = column("职务").lists()
    starts, ends = column("任职日期"), column("离任日期")
    start_each, end_each = starts.each(_date_or_problem, None), ends.each(_date_or_problem, None)
    may_fail = ((names == "") | pd.isna(units) | _is_problem(start_each)[starts.codes]
                | _is_problem(end_each)[ends.codes]
                | (_as_days(end_each, NAT)[ends.codes] < _as_days(start_each, NAT)[starts.codes]))
    for k in np.flatnonzero(may_fail).tolist():  # each raises, with the row's exact message
        _leader(_row(table, k), {"source": source, "sheet": sheet, "row": numbers[k]}, spellings)
    names_ = names.tolist()
    return _one_per_person(LeaderColumns(
        names_, units.tolist(), posts.tolist(), start_each[starts.codes].tolist(), end_each[ends.codes].tolist(),
        person_keys(names_), _as_days(start_each, EARLIEST)[starts.codes], _as_days(end_each, LATEST)[ends.codes]))


def _one_per_person(leaders: LeaderColumns) -> LeaderColumns:
    """The same person in the same unit on two rows whose terms overlap (书记 on one row, 校长 on the next) is one
    leader holding both posts, from the earlier start to the later end — never judged twice. (Only the rows whose
    person and unit another row shares are looked at one by one.)"""
    persons = leaders.persons if leaders.persons is not None else person_keys(leaders.names)
    keys = pd.DataFrame({"person": persons, "org": leaders.orgs}, dtype=object)
    twice = np.flatnonzero(keys.duplicated(keep=False).to_numpy()).tolist()
    if not twice:
        return leaders if leaders.persons is not None else dataclasses.replace(leaders, persons=persons)
    posts, starts, ends = list(leaders.posts), list(leaders.starts), list(leaders.ends)
    absorbed = np.zeros(len(persons), dtype=bool)  # merged into an earlier row's leader
    rows: dict[tuple[str, str], list[int]] = {}  # (person, unit) → the rows that stand
    for k in twice:
        places = rows.setdefault((persons[k], leaders.orgs[k]), [])
        same = next((i for i in places if _overlap((starts[i], ends[i]), (starts[k], ends[k]))), None)
        if same is None:
            places.append(k)
            continue
        posts[same] = tuple(dict.fromkeys((*posts[same], *posts[k])))
        both = [d for d in (starts[same], starts[k]) if d]
        starts[same] = min(both) if len(both) == 2 else None
        end, other = ends[same], ends[k]
        ends[same] = None if end is None or other is None else max(end, other)
        absorbed[k] = True
    merged = sorted({same for places in rows.values() for same in places})  # rows that may have absorbed another

    def days(given: np.ndarray | None, dates: list, missing: np.datetime64) -> np.ndarray | None:
        """The reader's days, those of the rows that absorbed another worked out again."""
        if given is None:
            return None
        given = given.copy()
        given[merged] = _as_days([dates[k] for k in merged], missing)
        return given

    return LeaderColumns(leaders.names, leaders.orgs, posts, starts, ends, persons,
                         days(leaders.start_days, starts, EARLIEST),
                         days(leaders.end_days, ends, LATEST)).take((~absorbed).tolist())


def _overlap(a: tuple[date | None, date | None], b: tuple[date | None, date | None]) -> bool:
    """Do two terms (start, end; None: open) overlap?"""
    (a0, a1), (b0, b1) = (a[0] or date.min, a[1] or date.max), (b[0] or date.min, b[1] or date.max)
    return a0 < b1 and b0 < a1


def _euler_tour(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DFS entry and exit clocks (each organisation's preorder position, and the end of its subtree's): ``u`` is
    ``v`` or above it exactly when start[u] <= start[v] < end[u]. Roots, and each one's children, are visited in
    roster order. Computed a level of the tree at a time (a roster has a handful); a tree deeper than
    ``_DEEPEST_BY_LEVEL`` is walked node by node instead (``_euler_tour_walked``), as each level costs a few numpy
    calls however few organisations it holds."""
    n = len(parent)
    depth = _depths(parent)
    if n == 0 or depth.max() > _DEEPEST_BY_LEVEL:
        return _euler_tour_walked(parent)
    by_depth = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[by_depth], np.arange(depth.max() + 2))
    levels = [by_depth[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]
    size = np.ones(n, dtype=np.int64)
    for level in reversed(levels[1:]):  # each subtree's size, from the deepest level up
        np.add.at(size, parent[level], size[level])
    # each node's offset among its siblings (roots: among the roots): the sizes of the siblings before it
    siblings = np.argsort(parent, kind="stable")  # grouped by parent, each group in roster order
    before = np.cumsum(size[siblings]) - size[siblings]
    first = np.flatnonzero(np.r_[True, parent[siblings][1:] != parent[siblings][:-1]])
    offset = np.empty(n, dtype=np.int64)
    offset[siblings] = before - np.repeat(before[first], np.diff(np.r_[first, n]))
    start = offset.copy()  # a root starts after the roots before it; a child after its parent and elder siblings
    for level in levels[1:]:
        start[level] += start[parent[level]] + 1
    return start, start + size


_DEEPEST_BY_LEVEL = 64


def _depths(parent: np.ndarray) -> np.ndarray:
    """Each node's depth (0 for a root), by pointer jumping: ``up`` is the ancestor ``2**k`` steps up (-1 past a
    root) and ``depth`` the steps taken to it, so that ⌈log2 n⌉ + 1 rounds reach every root. (The parents hold no
    loop: ``_in_loops`` refused them.)"""
    up = parent.copy()
    depth = (up >= 0).astype(np.int64)
    for _ in range(max(1, len(parent).bit_length())):
        step = up >= 0
        if not step.any():
            break
        depth[step] += depth[up[step]]
        up[step] = up[up[step]]
    return depth


def _euler_tour_walked(parent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_euler_tour`` node by node, on Python ints and lists (a numpy scalar a step costs several times as much)."""
    parents = parent.tolist()
    children: list[list[int]] = [[] for _ in parents]
    for child, up in enumerate(parents):
        if up >= 0:
            children[up].append(child)
    start = [0] * len(parents)
    end = [0] * len(parents)
    clock = 0
    for root in (i for i, up in enumerate(parents) if up < 0):
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            if done:
                end[node] = clock
                continue
            start[node] = clock
            clock += 1
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(children[node]))
    return np.array(start, dtype=np.int64), np.array(end, dtype=np.int64)
