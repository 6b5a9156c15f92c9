"""Attendance lists (issue 28): who took part, as evidence of the activity and of its 实到 and 应到.

Two shapes, one mechanism:

- **one row per member** — a county platform's 已展开主题党日 export (序号 | 姓名 | 所属党组织 | 主题 | 时间): the rows
  sharing organisation, day, type and topic (and the table) are one activity. A table is read so when its person
  column is a member's, not a lecturer's (姓名, 党员姓名, 参会人员 — never 主讲人, 授课人, 主持人), its names are not
  mostly the roster's leaders (a training or report register credits each person) and most of its rows share their
  activity with another person (``MEMBER_SHARE``); its kind is then 签到名单 (``attendance``) and 姓名 is nobody's
  lecture. Every row is accepted (读取 = 接受 + 拒收 + 空行 + 跳过 counts rows); the activities are fewer, and say so
  (“20 行 → 2 次活动”);
- **one cell listing everyone** — a 参会人员 column in a ledger (``张三、李四(请假)、王五(缺席)、赵六(列席)``).

Either way a list gives, per activity, the distinct people present — 实到, unless an 实到 column says otherwise — and,
when the table's lists mark who was absent (请假, 缺席: the list is the roll), 应到 = present + on leave + absent;
列席 (attending without being due) counts toward neither. A list that marks no absentee anywhere in its table names
only who came: 应到 stays unknown there (出席率 leaves those meetings out). An activity's rows are its provenance:
``TableInfo.members`` maps the row a record names to every row of the activity, which evidence shows (``rows``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import cast

import numpy as np
import pandas as pd

from compliance.intake.values import ValueProblem, is_blank
from compliance.spelling import POSTS, normalise_text, person_key

MEMBER_SHARE = 0.5  # of a member list's rows, at least this share lie in an activity with two people or more
LEADER_SHARE = 0.5  # a person column whose names are mostly the roster's leaders is a register of the leaders


class Presence(IntEnum):
    PRESENT = 0
    LEAVE = 1  # 请假 (病假, 事假, 公差 …): due, not present
    ABSENT = 2  # 缺席, 未到, 缺勤: due, not present
    OBSERVER = 3  # 列席, 旁听: present, not due, not counted


# Words that say how a person took part, in a bracket after the name, after it, or as a label before names.
_WORDS = (("列席", Presence.OBSERVER), ("旁听", Presence.OBSERVER), ("请假", Presence.LEAVE),
          ("病假", Presence.LEAVE), ("事假", Presence.LEAVE), ("公假", Presence.LEAVE), ("产假", Presence.LEAVE),
          ("公差", Presence.LEAVE), ("出差", Presence.LEAVE), ("缺席", Presence.ABSENT), ("未到", Presence.ABSENT),
          ("缺勤", Presence.ABSENT), ("未参加", Presence.ABSENT), ("未出席", Presence.ABSENT),
          ("出席", Presence.PRESENT), ("参加", Presence.PRESENT), ("参会", Presence.PRESENT),
          ("到会", Presence.PRESENT), ("实到", Presence.PRESENT), ("与会", Presence.PRESENT))
_LABEL = re.compile("(" + "|".join(w for w, _ in _WORDS) + r")(?:人员|同志|党员|名单)?\s*[:：]")
_ASIDE = re.compile(r"\s*\(([^()]*)\)")  # after NFKC every bracket is half-width: 李四（请假） → 李四(请假)
_MARK = {p: chr(0xE000 + p) for p in Presence}  # a private-use character standing for a status after a name
_MARKED = {v: k for k, v in _MARK.items()}
_NOT_A_NAME = re.compile(r"\d|全体|所有|等")  # 全体党员, 张三等12人: not a list of names
_SEPARATORS = re.compile(r"[、,，;；/／]+")  # between names (a line break is made one; spaces: ``_tokens``)


def _status(text: str) -> Presence | None:
    return next((p for w, p in _WORDS if w in text), None)


def _status_of(word: str) -> Presence:
    """The status one of ``_WORDS``' words says (it says one)."""
    status = _status(word)
    assert status is not None, word
    return status


def parse_list(value: object) -> tuple[tuple[str, Presence], ...]:
    """The people a list cell names, each with how they took part, in order, each once (the first mention wins):
    ``'张三、李四(请假)、王五(缺席)、赵六(列席)'`` → 张三 present, 李四 on leave, 王五 absent, 赵六 attending.

    Separators as cells hold them: 、，,；; / spaces and line breaks (single characters between spaces are one padded
    name: 王 芳); brackets in either width; a status after a name (王五缺席, 王五 请假) or a label before names
    (请假：王五、赵六). A post after a name (陈建国（书记）, 刘洋 校长) is not part of it. A cell that is not a list of
    names (全体党员, 张三等12人) is a ``ValueProblem``."""
    if is_blank(value):
        return ()
    text = normalise_text(re.sub(r"[\r\n]+", "、", str(value)))  # a line each: a line break separates names
    text = _ASIDE.sub(lambda m: _MARK[s] if (s := _status(m[1])) is not None and s != Presence.PRESENT else "", text)
    out: dict[str, Presence] = {}
    segments = _LABEL.split(text)  # [before any label, word, after it, word, after it …]
    for position in range(0, len(segments), 2):
        label = _status(segments[position - 1]) if position else None
        for part in _SEPARATORS.split(segments[position]):
            previous = None
            for token in _tokens(part):
                presence = label if label is not None else Presence.PRESENT
                if token[-1] in _MARKED:
                    presence, token = _MARKED[token[-1]], token[:-1]
                elif (word := next((w for w, _ in _WORDS if token.endswith(w)), None)) is not None:
                    if token == word:  # "王五 缺席": a status on its own says it of the name before it
                        if previous is not None:
                            out[previous] = _status_of(word)
                        continue
                    presence, token = _status_of(word), token[: -len(word)]
                if _NOT_A_NAME.search(token):
                    raise ValueProblem(f"“{str(value).strip()}”不是逐个列出的姓名，无法按名单计算人数")
                name = person_key(token)
                if not name or "、" in name:
                    continue
                out.setdefault(name, presence)
                previous = name
    return tuple(out.items())


def _tokens(part: str) -> list[str]:
    """A list segment's names: split at spaces, a single character joined to what follows it (王 芳: a name padded
    to three characters), posts left for person_key."""
    merged: list[str] = []
    for token in part.split():
        if merged and len(merged[-1]) == 1 and token not in POSTS:  # a surname alone is no name: 王 芳
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def parse_lists(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``parse_list`` of each distinct cell once, per row: the list (None when blank or not a list), the problem
    (or None), the names it gives joined (``张三、李四``; None when none), and whether it marks someone on leave or
    absent (the list is a roll)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    lists = np.full(len(uniques) + 1, None, dtype=object)
    problems = np.full(len(uniques) + 1, None, dtype=object)
    names = np.full(len(uniques) + 1, None, dtype=object)
    roll = np.zeros(len(uniques) + 1, dtype=bool)
    for i, value in enumerate(uniques):
        try:
            lists[i] = parse_list(value) or None
        except ValueProblem as exc:
            problems[i] = str(exc)
        if lists[i]:
            names[i] = "、".join(name for name, _ in lists[i])
            roll[i] = any(p in (Presence.LEAVE, Presence.ABSENT) for _, p in lists[i])
    return lists[codes], problems[codes], names[codes], roll[codes]


def _group_codes(columns: Sequence) -> np.ndarray:
    """One code per distinct combination of ``columns`` (arrays of one length; blanks are a value), in order of
    first appearance: each column factorised once, the codes combined as integers."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + codes)
    return combined


def member_tables(rows: pd.DataFrame, names: np.ndarray, candidates: Sequence[int],
                  leaders: frozenset[str] = frozenset()) -> dict[int, tuple[int, int]]:
    """Of the ``candidates`` tables (a member's column beside the activity's), those whose rows are one member each:
    table → (rows, activities). ``rows``: the parsed candidate rows (table, org_key, date, type, topic); ``names``:
    per row the people its person or list cell names (``张三``, or ``张三、李四`` joined), None when blank."""
    if not len(candidates) or not len(rows):
        return {}
    at = np.flatnonzero(np.isin(rows["table"].to_numpy(), list(candidates)) & pd.notna(names))
    if not len(at):
        return {}
    table = rows["table"].to_numpy()[at]
    group = _group_codes([table, *(rows[c].to_numpy()[at] for c in ("org_key", "date", "type", "topic"))])
    pairs = np.unique(_group_codes([group, names[at]]), return_index=True)[1]  # each (activity, person) once
    distinct = np.bincount(group[pairs], minlength=group.max() + 1)
    shared = distinct[group] >= 2
    per_table = pd.DataFrame({"table": table, "shared": shared, "group": group,
                              "leader": np.isin(names[at].astype(object), list(leaders)) if leaders else False})
    summary = per_table.groupby("table").agg(rows=("shared", "size"), shared=("shared", "mean"),
                                             activities=("group", "nunique"), leaders=("leader", "mean"))
    chosen = summary[(summary["shared"] >= MEMBER_SHARE) & (summary["leaders"] < LEADER_SHARE)]
    return {int(cast(int, t)): (int(r.rows), int(r.activities)) for t, r in chosen.iterrows()}  # t: a table's number


@dataclass(frozen=True)
class Grouped:
    """The records after attendance lists are counted: ``keep`` the records that remain (positions among those
    given: the first record of each activity), with their ``present`` and ``expected`` (lists fill what the columns
    leave blank); ``members`` per table the rows of each activity of several rows (first row → all rows);
    ``disagree`` (record kept, count from the list) where an 实到 column says otherwise than the list."""

    keep: np.ndarray
    present: pd.arrays.IntegerArray
    expected: pd.arrays.IntegerArray
    members: dict[int, dict[int, tuple[int, ...]]]
    disagree: list[tuple[int, int, int]]  # (position among kept records, 实到 column, people present in the list)


def group(records: pd.DataFrame, lists: np.ndarray, grouped_tables: np.ndarray,
          rolls: np.ndarray) -> Grouped:
    """Merge the records of member lists (``grouped_tables``: bool per table) that share organisation, day, type and
    topic within their table into one, and count every list (``lists``: per record the parsed list, or None).
    ``rolls``: bool per table, its lists mark absentees (应到 can be counted)."""
    n = len(records)
    table = records["table"].to_numpy()
    present = records["present"].array
    expected = records["expected"].array
    has_list = pd.notna(lists)
    # the activity of each record: its own position, or the first record sharing its key in a member list
    activity = np.arange(n)
    merge = grouped_tables[table] if len(grouped_tables) else np.zeros(n, dtype=bool)
    if merge.any():
        at = np.flatnonzero(merge)
        codes = _group_codes([table[at], records["org"].to_numpy()[at],
                              records["date"].to_numpy("datetime64[D]")[at], records["type"].to_numpy()[at],
                              records["topic"].to_numpy(dtype=object)[at]])
        first = np.full(codes.max() + 1, -1, dtype=np.int64)
        first[codes[::-1]] = at[::-1]
        activity[at] = first[codes]
    # every (activity, person, presence) once, the first mention of a person in an activity winning
    listed = np.flatnonzero(has_list)
    sizes = np.fromiter((len(v) for v in lists[listed]), dtype=np.int64, count=len(listed))
    flat = [entry for v in lists[listed] for entry in v]
    people = pd.DataFrame({"activity": np.repeat(activity[listed], sizes),
                           "name": np.array([name for name, _ in flat], dtype=object),
                           "presence": np.array([int(p) for _, p in flat], dtype=np.int64)})
    people = people.drop_duplicates(["activity", "name"])
    holder = people["activity"].to_numpy()
    presence = people["presence"].to_numpy()
    came = np.bincount(holder, weights=presence == Presence.PRESENT, minlength=n).astype(np.int64)
    due = np.bincount(holder, weights=presence <= Presence.ABSENT, minlength=n).astype(np.int64)
    counted = np.zeros(n, dtype=bool)
    counted[holder] = True
    keep = np.flatnonzero(activity == np.arange(n))
    # an 实到 or 应到 column, when filled on any row of the activity, says otherwise than the list
    written_present = _first_filled(present, activity, n)
    written_expected = _first_filled(expected, activity, n)
    disagree = []
    out_present = written_present.copy()
    out_expected = written_expected.copy()
    fill = counted & written_present.isna()
    out_present[fill] = came[fill]
    roll = counted & rolls[table] & written_expected.isna()
    out_expected[roll] = due[roll]
    for position in np.flatnonzero(counted & ~written_present.isna() & (came > 0)):
        if int(written_present[position]) != came[position]:
            disagree.append((int(position), int(written_present[position]), int(came[position])))
    members: dict[int, dict[int, tuple[int, ...]]] = {}
    rows = records["row"].to_numpy()
    several = np.flatnonzero(np.bincount(activity, minlength=n) > 1)
    if len(several):
        order = np.argsort(activity, kind="stable")
        starts = np.searchsorted(activity[order], several)
        ends = np.searchsorted(activity[order], several, side="right")
        for lead, start, end in zip(several.tolist(), starts.tolist(), ends.tolist(), strict=True):
            members.setdefault(int(table[lead]), {})[int(rows[lead])] = tuple(
                sorted(set(rows[order[start:end]].tolist())))
    position_of = np.cumsum(activity == np.arange(n)) - 1
    disagree = [(int(position_of[k]), a, b) for k, a, b in disagree]
    return Grouped(keep, out_present[keep], out_expected[keep], members, disagree)


def _first_filled(column: pd.arrays.IntegerArray, activity: np.ndarray, n: int) -> pd.arrays.IntegerArray:
    """Per activity (at its first record), the first filled value of ``column`` among its records."""
    values = column.to_numpy(dtype="float64", na_value=np.nan)
    filled = np.flatnonzero(~np.isnan(values))
    out = np.full(n, np.nan)
    out[activity[filled[::-1]]] = values[filled[::-1]]
    known = ~np.isnan(out)
    return pd.arrays.IntegerArray(np.where(known, out, 0).astype(np.int64), ~known)


def rows_behind(tables: Sequence, table: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Per record (its table and row): how many rows of its table it stands for — one, or an activity's rows."""
    out = np.ones(len(table), dtype=np.int64)
    for k in np.flatnonzero(np.isin(table, [t for t, info in enumerate(tables) if info.members])):
        out[k] = len(tables[table[k]].members.get(int(row[k]), (0,)))
    return out


def list_notes(tables: Sequence, sources: Sequence) -> list[str]:
    """What a check says of each member list read (“20 行 → 2 次活动”), in the order the files are listed."""
    out = []
    for source in sources:
        for t in source.tables:
            info = tables[t]
            if info.activities is not None and info.accepted:
                where = f"文件 {info.source}" + (f"，工作表“{info.sheet}”" if info.sheet else "")
                out.append(f"{where}是签到名单（每行一位参加者）：{info.accepted} 行 → {info.activities} 次活动，"
                           "每次活动的实到为其中不同参加者的人数")
    return out


def rows_text(rows: Sequence[int]) -> str:
    """Rows as a user reads them: ``3-14、17``."""
    runs: list[list[int]] = []
    for row in sorted(rows):
        if runs and row == runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return "、".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)
