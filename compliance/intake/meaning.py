"""What a header says: a ledger's column headers read the way a person reads them, not looked up in a list.

A header is a phrase — 所在党支部, 实际会议时间, 主持人姓名, 会议议题, 培训起止日期, 主讲人（主持人）. It is split into
its *head* (the word it ends in: 日期, 党支部, 议题, 人数 …), its *qualifiers* (the words before the head and any
bracketed words: 实际, 计划, 所在, 记录 …), and alternatives ("主讲人/主持人"); then it is scored against each
canonical column. Qualifiers can decide against a column outright: a 计划 date is not when the activity took place,
a 记录人 is never the lecturer, a 请假 count is never 实到, and a code (编码, 工号, 序号) is never a name.

The ``columns:`` synonyms in rules.yaml are evidence on top of that (an exact synonym breaks a tie, and names a
column the rules below do not know), and a ``--layout`` file is decisive. Every reading carries its reason in
Chinese, so a column that is not used can say why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeGuard

from compliance.spelling import normalise_name

ORG, DATE, TYPE, TOPIC, PERSON, EXPECTED, PRESENT, DISCIPLINE, ABSENTEES = (
    "组织", "日期", "类型", "主题", "主讲人", "应到", "实到", "会前说纪", "缺席"
)
ATTENDEE_LIST = "参会人员"  # who took part, one name a row or all in one cell (compliance.intake.attendance)

# Words that make a column never a name, an organisation or a topic: identifiers and contact details.
NEVER = ("编码", "代码", "编号", "工号", "学工号", "序号", "电话", "手机", "号码", "身份证", "邮箱", "账号", "ID")
# A date column qualified by one of these is not the date the activity took place.
NOT_HELD = ("计划", "预计", "预定", "原定", "拟", "安排", "发布", "填报", "录入", "报送", "审核", "截止", "通知",
            "上传", "创建", "提交", "修改", "更新", "出生", "入党", "任职", "离任", "转正", "登记", "申报", "批复",
            "公示", "审批", "备案")
# … and one of these makes it *the* activity date.
HELD = ("实际", "开展", "召开", "举行", "举办", "活动", "会议", "开会", "授课", "上课", "培训", "学习", "完成",
        "组织生活")
DATE_HEADS = ("年月日", "日期", "时间", "时段", "月日")
# People who are never the lecturer or host.
NOT_LECTURER = ("记录人", "记录员", "联系人", "审核人", "检查人", "填报人", "填表人", "发布人", "录入人", "经办人",
                "上报人", "创建人", "审批人", "制表人", "统计人")
LECTURER = (("主讲", 8), ("授课", 8), ("讲授", 8), ("讲课", 8), ("宣讲", 8), ("讲师", 8), ("领学", 8), ("主持", 7),
            ("报告人", 6))
# Who came: lists of people, never the one credited with a lecture or a report.
ATTENDEES = ("参会", "参加", "参与", "出席", "与会", "到会", "听课", "缺席", "请假", "列席", "旁听", "未到")
# Who did not come, named (缺席人员及原因, 未到会人员): the record's 缺席 — never 请假 or 列席, who were excused or
# came without a vote.
ABSENT_NAMED = ("缺席", "未到", "缺勤")
# A count qualified by one of these is never 实到.
ABSENT = ("请假", "缺席", "列席", "未到", "缺勤", "因事", "因病", "旁听")
EXPECTED_WORDS = ("应到", "应参加", "应出席", "应参会")
PRESENT_WORDS = ("实到", "实际参加", "实际出席", "实际参会", "实参")
ATTEND_WORDS = ("参加", "出席", "参会", "到会", "与会", "听课", "参学", "参训")
# The organisation's head words, with how specific they are (a branch is more specific than its unit).
ORG_HEADS = (
    ("党支部", 3), ("支部", 3), ("党总支", 2), ("总支", 2), ("分党委", 1), ("党委", 1), ("党组织", 0), ("党组", 1),
    ("工委", 1), ("单位", 0), ("组织", 0), ("机构", 0), ("学校", 0),
)
ORG_NOT = ("类型", "类别", "性质", "人数", "书记", "地址", "级别", "层级", "委员", "数量")
# A unit that is not the one holding the activity: who organised a training, a partner, who published the record,
# the lecturer's own unit.
OTHER_UNIT = ("主办", "承办", "协办", "共建", "联建", "发布", "报送", "联系", "主管", "主讲", "授课", "讲授", "主持",
              "讲课")
TYPE_HEADS = (("类型", 7), ("类别", 7), ("种类", 6), ("分类", 6), ("形式", 3))
TOPIC_HEADS = (("主题", 8), ("议题", 7), ("题目", 6), ("标题", 6), ("名称", 5), ("内容", 4), ("事项", 4), ("班次", 3))
NAME_SUFFIXES = ("名称", "全称", "简称", "名字")

_BRACKETS = re.compile(r"[(\[{【〔（]([^)\]}】〕）]*)[)\]}】〕）]")
_UNITS = frozenset({"人", "人数", "名", "个", "次", "人次", "单位:人", "单位人", "年月日", "必填", "选填"})
_ALTERNATIVES = re.compile(r"[/／、|｜]|或")
_DIGITS = re.compile(r"\d{4}|^[\d.\s]+$")
_DECORATION = re.compile(r"^[*＊※#\s]+|[*＊※:：\s]+$")


@dataclass(frozen=True)
class Reading:
    """What one header means: a canonical column (None: none) with a score, comparable within a column, and why."""

    column: str | None
    score: float
    why: str
    level: int = 0  # for the organisation: 3 branch, 2 general branch, 1 unit, 0 unknown, -1 a parent ("上级")
    never: bool = False  # the header rules the column out (a planned date, a recorder): content may not fill it
    about: str | None = None  # for a ruled-out header: the column it is not (a planned date is not the 日期)

    @property
    def usable(self) -> bool:
        return self.column is not None and self.score > 0


UNKNOWN = Reading(None, 0, "未识别的列")


def split(header: str) -> tuple[str, tuple[str, ...]]:
    """A header's text (normalised: simplified, half-width, no whitespace or line breaks, no decoration) without
    its brackets, and the bracketed qualifiers; units such as （人） are dropped."""
    text = _DECORATION.sub("", normalise_name(header))
    qualifiers = tuple(q for q in (normalise_name(m) for m in _BRACKETS.findall(text)) if q and q not in _UNITS)
    return _DECORATION.sub("", _BRACKETS.sub("", text)), qualifiers


def _count(text: str) -> Reading | None:
    counted = text.endswith(("人数", "人次", "数")) or "人数" in text
    if counted and any(w in text for w in ABSENT):
        return Reading(None, 0, "请假、缺席或列席人数，不是实到人数", never=True, about=PRESENT)
    if any(w in text for w in EXPECTED_WORDS):
        return Reading(EXPECTED, 8, "应到人数")
    if any(w in text for w in PRESENT_WORDS):
        return Reading(PRESENT, 8, "实到人数")
    if text.endswith(("人数", "人次", "数")):
        if any(w in text for w in ATTEND_WORDS) and not text.startswith("应"):
            return Reading(PRESENT, 6, "参加人数")
        if text.startswith("应"):  # 应听课人数, 应参评党员数: how many should have come
            return Reading(EXPECTED, 6, "应到人数")
        if text.startswith("实"):  # 实听课人数, 实出席人数
            return Reading(PRESENT, 6, "实到人数")
    return None


def _date(text: str, qualifiers: tuple[str, ...]) -> Reading | None:
    if not (text.endswith(DATE_HEADS) or (text.endswith("日") and not text.endswith(("党日", "节日", "纪念日")))):
        return None
    words = text + "".join(qualifiers)
    if not_held := next((w for w in NOT_HELD if w in words), None):
        return Reading(None, 0, f"{not_held}日期，不是活动开展的日期", never=True, about=DATE)
    if "结束" in words or (words.endswith(("止日期", "止时间")) and "起止" not in words):
        return Reading(DATE, 3, "结束日期")
    if held := next((w for w in HELD if w in words), None):
        if held == "实际":  # says so outright: beats any other qualified date (预定召开时间 | 实际召开时间)
            return Reading(DATE, 9, "实际日期")
        return Reading(DATE, 8, f"{held}日期" if held in ("开展", "召开", "举行", "举办") else "活动日期")
    return Reading(DATE, 5, "日期")


def _type(text: str) -> Reading | None:
    head = next(((w, s) for w, s in TYPE_HEADS if text.endswith(w)), None)
    if head is None:
        return None
    activity = any(w in text for w in ("会议", "活动", "培训", "学习", "党课", "生活", "党日"))
    if not activity and any(w in text for w, _ in ORG_HEADS):
        return Reading(None, 0, "组织的类别，不是活动类型", never=True, about=TYPE)
    return Reading(TYPE, head[1] + (1 if activity else 0), "活动类型" if head[1] > 3 else "活动形式（可能是活动类型）")


def _org(text: str) -> Reading | None:
    base = text
    for suffix in NAME_SUFFIXES:
        base = base.removesuffix(suffix)
    head = next(((w, level) for w, level in ORG_HEADS if base.endswith(w)), None)
    if head is None or any(w in base for w in ORG_NOT):
        return None
    if other := next((w for w in (*OTHER_UNIT, *ATTENDEES, "邀请", "受训", "参与") if w in base), None):
        return Reading(None, 0, f"{other}的单位，不是开展活动的组织", never=True, about=ORG)
    parent = "上级" in base or "上一级" in base
    return Reading(ORG, 6 if head[1] or base != "单位" else 5, "上级组织" if parent else "组织",
                   level=-1 if parent else head[1])


def _topic(text: str) -> Reading | None:
    head = next(((w, s) for w, s in TOPIC_HEADS if text.endswith(w)), None)
    if head is None:
        return None
    if "备注" in text:
        return Reading(None, 0, "备注，不是活动主题", never=True, about=TOPIC)
    if head[0] == "名称" and any(w in text for w in ("小组", "部门", "学校", "班级", "单位")):
        return Reading(None, 0, "一个组织的名称，不是活动主题", never=True, about=TOPIC)
    return Reading(TOPIC, head[1], head[0])


def _absentees(text: str) -> Reading | None:
    """缺席人员, 缺席人员及原因, 未到会人员名单: the names of those who did not come (a count is read before)."""
    if any(w in text for w in ABSENT_NAMED) and (
            text.endswith(("人员", "名单", "姓名", "原因", "情况", "人")) or text in ABSENT_NAMED):
        return Reading(ABSENTEES, 8, "缺席人员")
    return None


def _person(text: str) -> Reading | None:
    if any(w in text for w in NOT_LECTURER):
        return Reading(None, 0, "记录人、联系人或填报人，不是主讲人", never=True, about=PERSON)
    if text.endswith(("职务", "职位", "职称", "岗位")):
        return Reading(None, 0, "职务，不是人名", never=True, about=PERSON)
    if (word := next((w for w in ATTENDEES if w in text), None)) and text.endswith(("人员", "人", "名单", "党员")):
        if word not in ABSENT:  # 参会人员, 参加人员名单, 出席党员: who came (请假人员, 缺席名单: who did not)
            return Reading(ATTENDEE_LIST, 7, f"{word}人员名单")
        return Reading(None, 0, f"{word}人员，不是主讲人", never=True, about=PERSON)
    if found := next(((w, s) for w, s in LECTURER if w in text), None):
        return Reading(PERSON, found[1], f"{found[0]}人")
    if text.endswith("姓名") or text in ("人员", "领导", "领导干部", "作者"):
        return Reading(PERSON, 5 if text.endswith("姓名") else 3, "姓名")
    if text.endswith(("人", "人员", "学员", "作者")):  # 负责人, 撰写人, 参训学员: a person, perhaps the one credited
        return Reading(PERSON, 3, "人员")
    return None


def read_phrase(text: str, qualifiers: tuple[str, ...] = ()) -> Reading:
    """The reading of one header phrase, without alternatives or synonyms."""
    if not text:
        return UNKNOWN
    if word := next((w for w in NEVER if w in text or any(w in q for q in qualifiers)), None):
        about = (ORG if any(w in text for w, _ in ORG_HEADS)
                 else PERSON if any(w in text for w in ("人", "姓名", "学员", "工号", "党员")) else None)
        why = f"{word}，不是{ {ORG: '组织名称', PERSON: '人名'}[about]}" if about else f"{word}，与检查无关"
        return Reading(None, 0, why, never=True, about=about)
    if "说纪" in text:
        return Reading(DISCIPLINE, 8, "会前说纪")
    for reading in (_count(text), _date(text, qualifiers), _type(text), _org(text), _topic(text), _absentees(text),
                    _person(text)):
        if reading is not None:
            return reading
    return UNKNOWN


class HeaderReader:
    """Reads headers against the catalogue's synonyms (``column_of``), each distinct header once."""

    def __init__(self, synonyms: dict[str, str], types: Iterable[str] = ()) -> None:
        self.synonyms = synonyms
        self.types = frozenset(types)  # the catalogue's spellings of activity types (a count table's headers)
        self._cache: dict[str, Reading] = {}

    def read(self, header: object) -> Reading:
        key = header if isinstance(header, str) else ""
        if key not in self._cache:
            self._cache[key] = self._read(key)
        return self._cache[key]

    def _read(self, header: str) -> Reading:
        if not header.strip() or len(header) > 40:
            return UNKNOWN
        text, qualifiers = split(header)
        parts = [p for p in _ALTERNATIVES.split(text) if p] if _ALTERNATIVES.search(text) else [text]
        # a bracketed qualifier that is itself a header ("主讲人（主持人）") is an alternative, not a qualifier
        alternatives = [read_phrase(p, qualifiers) for p in parts]
        alternatives += [r for q in qualifiers if (r := read_phrase(q)).usable]
        usable = [r for r in alternatives if r.usable]
        reading = max(usable, key=lambda r: r.score) if usable else next((r for r in alternatives if r.never), UNKNOWN)
        synonym = self.synonyms.get(normalise_name(header)) or self.synonyms.get(text)
        if synonym is None:
            return reading
        if reading.column == synonym:
            return Reading(synonym, reading.score + 0.5, reading.why, reading.level)
        return Reading(synonym, 5, "rules.yaml 中的同义词", level=0)


def header_like(cell: object) -> TypeGuard[str]:
    """Could this cell be a header? Text, short, not a sentence, and not a label with its value
    ("填报单位：第一中学党委")."""
    if not isinstance(cell, str):
        return False
    text = unicodedata.normalize("NFKC", cell).strip()
    if not text or len(text) > 40 or any(mark in text for mark in ",。;!?") or _DIGITS.search(text):
        return False  # a sentence, or a date or a number written as text: data
    _, colon, value = text.partition(":")
    return not (colon and value.strip())
