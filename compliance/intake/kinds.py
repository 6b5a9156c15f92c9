"""What a table holds, decided before its rows are read as records: an activity ledger, or one of the other
tables a unit's folder holds beside its ledgers — a count table (统计表), an attendance list (签到名单), a list of
what was *not* done (未开展名单), or another register that records no activity (a member roster, party dues, a
vote, 学习强国 points).

The evidence, strongest first: the names around the table (the file's, the sheet's, its title rows: 未开展主题党日
is a list of what was not done, whatever its header says); the header as read (``compliance.intake.understand``):
a table is an activity record when it dates something (a date column, or a planned one) and says what (a type,
by column or by name, a topic, or head counts) — unless its header describes people (性别, 出生日期, 党费, 票数,
积分), one row per person; and what the header holds besides (activity types or months as columns: counts).

Activity ledgers, minutes and attendance lists give records; count tables give counts per organisation, type and
month (``compliance.intake.counts``, issue 28). A table of another kind — or one of a kind that is read whose rows
cannot be (``Kind.refused``: a count table without a year, a sign-in sheet that names no activity) — is noted once
and its rows are counted as skipped with the reason; ``READS`` is where a reader for another kind plugs in. An
attendance list is read when it dates what it lists: an activity ledger whose rows turn out to be one member each
(``compliance.intake.attendance``); a sign-in sheet that names no activity (签到 | 姓名, the date in a title) is said
once and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from compliance.intake.meaning import DATE, EXPECTED, PRESENT, TOPIC, TYPE
from compliance.intake.values import is_blank
from compliance.spelling import normalise_name


class TableKind(StrEnum):
    ACTIVITY = "activity"
    NOT_DONE = "not_done"
    COUNTS = "counts"
    ATTENDANCE = "attendance"
    MINUTES = "minutes"
    OTHER = "other"

    @property
    def chinese(self) -> str:
        return _CHINESE[self]

    @property
    def predicate(self) -> str:
        """What a table of this kind is, said of it (“工作表“汇总”是统计表”, “… 不是活动记录”)."""
        return self.chinese if self is TableKind.OTHER else f"是{self.chinese}"


_CHINESE = {TableKind.ACTIVITY: "活动台账", TableKind.NOT_DONE: "未开展名单", TableKind.COUNTS: "统计表",
            TableKind.ATTENDANCE: "签到名单", TableKind.MINUTES: "会议记录", TableKind.OTHER: "不是活动记录"}

# The kinds whose rows are read as evidence.
READS = frozenset({TableKind.ACTIVITY, TableKind.MINUTES,  # minutes: compliance.intake.minutes
                   TableKind.COUNTS,  # counts per organisation × type × month: compliance.intake.counts
                   TableKind.ATTENDANCE})  # one row per member: compliance.intake.attendance


@dataclass(frozen=True)
class Kind:
    """What a table was taken to be, and why (Chinese; None for an activity ledger)."""

    kind: TableKind
    why: str | None = None
    refused: bool = False  # of a kind that is read, but this table's rows cannot be (a count table without a year,
    # a sign-in sheet without a date)

    @property
    def read(self) -> bool:
        return self.kind in READS and not self.refused

    def text(self) -> str:
        return self.kind.chinese + (f"（{self.why}）" if self.why else "")


ACTIVITY = Kind(TableKind.ACTIVITY)

# Words in a file's, sheet's or title's name that make the table a list of what was not done.
NOT_DONE_WORDS = ("未开展", "未展开", "未召开", "未举行", "未完成", "未按时", "未按期", "未落实", "未参加", "未参会",
                  "未到会", "缺席", "缺勤")
# (what the table looks like, words of its header, words of its names): registers of people, one row per person.
# The most specific first: a 发展党员 register has a roster's 性别 and 出生年月 too.
REGISTERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("发展党员台账", ("积极分子", "发展对象", "预备党员", "入党申请", "培养联系人", "入党介绍人"), ("发展党员",)),
    ("党费缴纳表", ("党费", "缴费", "缴纳", "金额", "缴交", "应缴", "实缴", "工资基数"), ("党费",)),
    ("投票或评议结果", ("票数", "得票", "赞成", "反对", "弃权", "等次", "评议结果", "测评结果", "评定结果", "评议等级"),
     ("评议结果", "测评", "投票", "选票", "计票", "票决")),
    ("学习积分统计", ("积分", "学习强国"), ("学习强国", "积分")),
    ("党员名册", ("性别", "民族", "出生", "籍贯", "身份证", "学历", "党龄", "入党时间", "入党日期", "转正时间",
              "转正日期", "人员类别", "党员类别"), ("花名册", "名册", "党员信息")),
)
INSTRUCTION_NAMES = ("填表说明", "填写说明", "填报说明", "使用说明", "须知", "填写要求")
COUNT_NAMES = ("统计", "汇总", "年报", "报表", "一览")
COUNT_HEADS = ("次数", "完成率", "月份数", "出勤率", "参会率", "开展率", "总数", "合计")
ATTENDANCE_NAMES = ("签到", "签名", "考勤", "参会人员", "参加人员", "出席人员")
ATTENDANCE_HEADS = ("签到", "签名", "是否参加", "是否参会", "参会情况", "出勤情况", "到会情况")
_MONTH = re.compile(r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:份)?$")
TITLE_LENGTH = 60  # a title row is short: a long text above the header is an instruction, not a name


@dataclass(frozen=True)
class Evidence:
    """What the classifier looks at: names, header cells as written, and the header as understood."""

    names: Sequence[str]  # the file's stem, the sheet's name, the title rows' text
    headers: Sequence[str]  # the header cells as written ('' for blank)
    fields: frozenset[str]  # canonical columns the header gives, and those a name gives (类型 from the sheet name)
    dates: bool = False  # a header reads as a date, even one its qualifier or its cells rule out (计划会议时间, a
    # 会议时间 of times): the table dates what it records


def classify(evidence: Evidence, type_words: Iterable[str]) -> Kind:
    """The kind of one table (see the module docstring for the order of evidence)."""
    names = [normalise_name(n) for n in evidence.names if n]
    if named := _first(names, NOT_DONE_WORDS):
        return Kind(TableKind.NOT_DONE, f"名称“{named[0]}”中有“{named[1]}”：这是没有开展或没有参加的名单，"
                                        "不计为开展的活动")
    written = {normalise_name(h): h.strip() for h in evidence.headers if h}  # as read → as written, for messages
    headers = list(written)
    shown = "、".join(written.values())
    for label, words, _ in REGISTERS:
        if found := [written[h] for h in headers if any(w in h for w in words)]:
            return Kind(TableKind.OTHER,
                        f"看起来是{label}（表头有“{'”“'.join(found[:3])}”），每行是一个人，不是一次活动")
    fields = evidence.fields
    dated = DATE in fields or evidence.dates
    if (dated and fields & {TYPE, TOPIC, EXPECTED, PRESENT}) or {TYPE, TOPIC} <= fields:
        return ACTIVITY
    types = set(type_words)
    as_columns = [written[h] for h in headers if h in types]
    months = [written[h] for h in headers if _MONTH.match(h)]
    counted = [written[h] for h in headers if h.endswith(COUNT_HEADS)]
    if len(as_columns) >= 2 or len(months) >= 3:
        said = as_columns[:3] if len(as_columns) >= 2 else months[:3]
        return Kind(TableKind.COUNTS, f"表头是各类活动或各月的次数（“{'”“'.join(said)}”），不是逐次的活动记录")
    if counted:
        return Kind(TableKind.COUNTS, f"表头是次数、合计或比率（“{'”“'.join(counted[:3])}”），不是逐次的活动记录")
    if named := _first(names, COUNT_NAMES):
        return Kind(TableKind.COUNTS,
                    f"名称“{named[0]}”是统计或汇总，表头没有逐次活动的日期和类型（表头：{shown or '无'}）")
    if (heads := [written[h] for h in headers if any(w in h for w in ATTENDANCE_HEADS)]) \
            or _first(names, ATTENDANCE_NAMES):
        what = f"表头有“{heads[0]}”" if heads else f"名称“{(_first(names, ATTENDANCE_NAMES) or ('',))[0]}”"
        return Kind(TableKind.ATTENDANCE, f"{what}：每行是一位参加者，不是一次活动", refused=True)
    if named := _first(names, INSTRUCTION_NAMES):
        return Kind(TableKind.OTHER, f"名称“{named[0]}”：填写说明，不是记录")
    for label, _, words in REGISTERS:
        if named := _first(names, words):
            return Kind(TableKind.OTHER, f"看起来是{label}（名称“{named[0]}”），表头没有活动的日期和类型")
    if not headers:
        return Kind(TableKind.OTHER, "找不到表头")
    return Kind(TableKind.OTHER, f"表头没有活动的日期和类型或主题（表头：{shown}）")


def _first(names: Sequence[str], words: Sequence[str]) -> tuple[str, str] | None:
    """(name, word) of the first name holding one of ``words``."""
    return next(((n, w) for n in names for w in words if w in n), None)


def title_text(row: Sequence[object]) -> str | None:
    """A row above a header as a name for the table: its text cells joined, when short and a title (“2024年未开展主题
    党日支部名单”) — not an instruction (“注：未参加人员请在备注中说明原因”) nor a label with its value (“填报单位：…”),
    whose words say nothing of what the table is."""
    text = "".join(str(c).strip() for c in row if not is_blank(c) and isinstance(c, str))
    if not text or len(text) > TITLE_LENGTH or _NOT_A_TITLE.search(text):
        return None
    return text


_NOT_A_TITLE = re.compile(r"[:：]|请|说明|注意|备注")
