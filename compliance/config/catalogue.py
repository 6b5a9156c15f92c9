"""The rule catalogue (rules.yaml): loaded once, validated once, before any ledger is read.

Every rule is data: a ``kind`` (one module under ``compliance/rules/``) and its parameters. The models here form a
pydantic discriminated union on ``kind`` with ``extra="forbid"``; any problem becomes one ``CatalogueError`` that
names the file, the rule id and the key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from compliance.domain import COLUMNS, OrgType, Severity
from compliance.engine.periods import Granularity
from compliance.errors import CatalogueError, InputError
from compliance.spelling import normalise_name

_CJK = re.compile(r"[\u4e00-\u9fff]")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(_Strict):
    title: str = Field(min_length=1)
    seed: str | None = None


class SourceRef(_Strict):
    doc: str = Field(min_length=1)
    clause: str | None = None


class Window(_Strict):
    """A month-day window inside each year, both ends inclusive: ``{from: 06-01, to: 07-10}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    start: str = Field(alias="from")
    end: str = Field(alias="to")

    @field_validator("start", "end")
    @classmethod
    def _month_day(cls, value: str) -> str:
        match = re.fullmatch(r"(\d{2})-(\d{2})", value)
        try:
            date(2024, int(match[1]), int(match[2]))  # a leap year, so 02-29 is a valid window end
        except (TypeError, ValueError):
            raise ValueError(f"应为“月-日”格式（如 06-01），而不是“{value}”") from None
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError(f"窗口结束 {self.end} 早于开始 {self.start}")
        return self

    def bounds(self, year: int) -> tuple[date, date]:
        start_month, start_day = map(int, self.start.split("-"))
        end_month, end_day = map(int, self.end.split("-"))
        if end_month == 2 and end_day == 29 and not _is_leap(year):
            end_day = 28
        return date(year, start_month, start_day), date(year, end_month, end_day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


class AppliesTo(_Strict):
    """Either organisations (by type, optionally filtered on roster columns) or leaders (by post, or all)."""

    org_types: tuple[OrgType, ...] | None = None
    where: dict[str, str] = Field(default_factory=dict)
    leaders: Literal["all"] | tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> AppliesTo:
        if (self.org_types is None) == (self.leaders is None):
            raise ValueError("applies_to 须且只能写 org_types（组织类型）或 leaders（领导干部职务）之一")
        if self.leaders is not None and self.where:
            raise ValueError("where 只能与 org_types 一起使用")
        return self

    @property
    def subject(self) -> Literal["org", "leader"]:
        return "org" if self.org_types is not None else "leader"

    def describe(self) -> str:
        if self.org_types is not None:
            text = "、".join(self.org_types)
            if self.where:
                text += "（" + "，".join(f"{k}={v}" for k, v in self.where.items()) + "）"
            return text
        if self.leaders == "all":
            return "全部党员领导干部"
        return "、".join(self.leaders)


class RuleBase(_Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    applies_to: AppliesTo
    types: tuple[str, ...] = Field(min_length=1)
    severity: Severity = Severity.ERROR
    source: tuple[SourceRef, ...] = Field(min_length=1)
    description: str | None = None

    SUBJECTS: ClassVar[tuple[str, ...]] = ("org",)  # which applies_to subjects the kind supports

    @field_validator("title")
    @classmethod
    def _chinese_title(cls, value: str) -> str:
        if not _CJK.search(value):
            raise ValueError("标题须为中文")
        return value

    @model_validator(mode="after")
    def _subject_supported(self) -> RuleBase:
        if self.applies_to.subject not in self.SUBJECTS:
            wanted = "org_types" if self.applies_to.subject == "leader" else "leaders"
            raise ValueError(f"{self.kind} 类规则的 applies_to 应写 {wanted}")
        return self

    def period_text(self) -> str:
        raise NotImplementedError


class FrequencyRule(RuleBase):
    """At least ``min`` records of ``types`` per organisation per period, optionally inside a yearly window."""

    kind: Literal["frequency"]
    period: Granularity
    min: int = Field(1, ge=1)
    window: Window | None = None

    @model_validator(mode="after")
    def _window_is_yearly(self) -> FrequencyRule:
        if self.window is not None and self.period is not Granularity.YEAR:
            raise ValueError("window 只能用于 period: year")
        return self

    def period_text(self) -> str:
        if self.window:
            return f"每年 {self.window.start} 至 {self.window.end}"
        return self.period.chinese


class PerPersonRule(RuleBase):
    """At least ``min`` records of ``types`` per leader per period, the leader named in the person column."""

    kind: Literal["per-person"]
    SUBJECTS: ClassVar[tuple[str, ...]] = ("leader",)
    period: Granularity
    min: int = Field(1, ge=1)

    def period_text(self) -> str:
        return self.period.chinese


class NonEmptyTest(_Strict):
    test: Literal["nonempty"]
    field: str


class AffirmativeTest(_Strict):
    test: Literal["affirmative"]
    field: str


class RatioTest(_Strict):
    """``field`` compared to a fraction of ``of``: ``{field: 实到, of: 应到, op: ">", value: 1/2}``."""

    test: Literal["ratio"]
    field: str
    of: str
    op: Literal[">", ">="]
    value: str = Field(pattern=r"^\d+/[1-9]\d*$")

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.value)


Condition = Annotated[NonEmptyTest | AffirmativeTest | RatioTest, Field(discriminator="test")]


class RecordRule(RuleBase):
    """A condition on every record of ``types`` in the audited range."""

    kind: Literal["record"]
    condition: Condition

    def period_text(self) -> str:
        return "每条记录"


class RollingRule(RuleBase):
    """At least ``min`` records of ``types`` in the ``years`` up to the as-of date, per organisation or leader."""

    kind: Literal["rolling"]
    SUBJECTS: ClassVar[tuple[str, ...]] = ("org", "leader")
    years: int = Field(ge=1)
    min: int = Field(1, ge=1)

    def period_text(self) -> str:
        return f"截至检查日的 {self.years} 年内"


class PrecedenceRule(RuleBase):
    """A leader whose 任职日期 falls in the audited range has a record of ``types`` dated before it."""

    kind: Literal["precedence"]
    SUBJECTS: ClassVar[tuple[str, ...]] = ("leader",)

    def period_text(self) -> str:
        return "任职日期前"


class RegularityRule(RuleBase):
    """Records of ``types`` fall on a relatively fixed day of the month: the spread of days in a year is bounded."""

    kind: Literal["regularity"]
    max_spread_days: int = Field(7, ge=0)

    def period_text(self) -> str:
        return "每年"


Rule = Annotated[
    FrequencyRule | PerPersonRule | RecordRule | RollingRule | PrecedenceRule | RegularityRule,
    Field(discriminator="kind"),
]
RULE_MODELS = (FrequencyRule, PerPersonRule, RecordRule, RollingRule, PrecedenceRule, RegularityRule)


class CatalogueModel(_Strict):
    version: Literal[1]
    documents: dict[str, Document]
    activity_types: dict[str, tuple[str, ...]]
    columns: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Catalogue:
    """A validated catalogue plus the lookups derived from it."""

    path: str
    sha256: str
    model: CatalogueModel
    type_of: dict[str, str]  # any normalised spelling of an activity type → its canonical name
    column_of: dict[str, str]  # any normalised header → canonical column name (组织, 日期, …)

    @property
    def rules(self) -> tuple[RuleBase, ...]:
        return self.model.rules

    @property
    def activity_types(self) -> tuple[str, ...]:
        return tuple(self.model.activity_types)

    def rule(self, rule_id: str) -> RuleBase:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def source_text(self, rule: RuleBase) -> str:
        """The 依据 of a rule as one line: document titles in 《》 with their clauses."""
        parts = []
        for ref in rule.source:
            title = self.model.documents[ref.doc].title
            parts.append(f"《{title}》{ref.clause}" if ref.clause else f"《{title}》")
        return "；".join(parts)


PACKAGED_RULES = "rules.yaml"


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate a rules file (the packaged default when ``path`` is None)."""
    if path is None:
        raw_bytes = resources.files("compliance").joinpath(PACKAGED_RULES).read_bytes()
        shown = "（内置）rules.yaml"
    else:
        shown = str(path)
        raw_bytes = read_file(path, CatalogueError, "规则文件")
    raw = parse_mapping(raw_bytes, shown, CatalogueError, "规则文件", "version、documents、activity_types、rules……")
    try:
        model = CatalogueModel.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(_explain(exc, raw), source=shown) from None
    type_of, column_of = _cross_check(model, shown)
    return Catalogue(
        path=shown,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        model=model,
        type_of=type_of,
        column_of=column_of,
    )


def read_file(path: str | Path, error: type[InputError], what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error(f"无法读取{what}：{exc.strerror or exc}", source=str(path)) from None


def parse_mapping(raw_bytes: bytes, shown: str, error: type[InputError], what: str, keys: str) -> dict:
    """A UTF-8 YAML mapping with duplicate keys refused; a syntax error names the line."""
    try:
        text = raw_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{what}不是 UTF-8 编码", source=shown) from None
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"YAML 语法错误：{_yaml_problem(problem)}", source=shown,
                    row=mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise error(f"{what}的顶层应为映射（{keys}）", source=shown)
    return raw


_YAML_PROBLEMS = [  # PyYAML's words for the mistakes people make by hand, in Chinese; others are shown as they are
    (r"found character '\\t' that cannot start any token", "含有制表符（Tab），YAML 只能用空格缩进"),
    (r"mapping values are not allowed here",
     "此处不能出现“键: 值”（缩进不齐、冒号后缺空格，或值中的冒号需要加引号）"),
    (r"could not find expected ':'", "缺少冒号“:”"),
    (r"expected ',' or '\]', but got .*", "方括号 [ ] 没有闭合"),
    (r"expected ',' or '\}', but got .*", "花括号 { } 没有闭合"),
    (r"expected <block end>, but found .*", "缩进不一致（同一层的各项应左对齐）"),
    (r"found unexpected end of stream", "文件在引号或括号闭合之前就结束了"),
    (r"found undefined alias '(.*)'", r"引用了未定义的锚点“*\1”"),
    (r"could not determine a constructor for the tag '(?:tag:yaml\.org,2002:)?(.*)'",
     r"不允许的标签“!!\1”：只能写文字、数字、列表和映射（不会构造任何对象，也不会执行代码）"),
]


def _yaml_problem(problem: str) -> str:
    for pattern, chinese in _YAML_PROBLEMS:
        if re.fullmatch(pattern, problem):
            return re.sub(pattern, chinese, problem)
    return problem


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping instead of keeping the last silently."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"键“{key}”重复出现", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_MESSAGES = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的键",
    "union_tag_not_found": "缺少必填项",
    "model_attributes_type": "应为映射",
    "string_type": "应为文本",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "dict_type": "应为映射",
    "model_type": "应为映射",
    "too_short": "不能为空",
    "string_too_short": "不能为空",
    "date_type": "应为日期，写作 YYYY-MM-DD",
    "date_parsing": "应为日期，写作 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，写作 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，写作 YYYY-MM-DD",
    "string_pattern_mismatch": "格式不正确",
}


def _explain(exc: ValidationError, raw: dict[str, Any]) -> str:
    lines = []
    for error in exc.errors()[:10]:
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
            rules = raw.get("rules") or []
            entry = rules[loc[1]] if loc[1] < len(rules) else None
            rule_id = entry.get("id") if isinstance(entry, dict) else None
            where = f"规则“{rule_id}”" if rule_id else f"第 {loc[1] + 1} 条规则"
            loc = loc[2:]
            if loc and isinstance(entry, dict) and loc[0] == entry.get("kind"):
                loc = loc[1:]  # the discriminator tag pydantic inserts
            condition = entry.get("condition") if isinstance(entry, dict) else None
            test = condition.get("test") if isinstance(condition, dict) else None
            if len(loc) >= 2 and loc[0] == "condition" and test is not None and loc[1] == test:
                loc = loc[:1] + loc[2:]  # likewise the tag of the condition's ``test``
            if len(loc) >= 2 and loc[0] == "applies_to" and loc[1] in ("tuple[str, ...]", "literal['all']"):
                loc = loc[:1]
        key = ".".join(str(part) for part in loc if not str(part).startswith(("function-", "tuple[", "literal[")))
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
            key = ".".join([*filter(None, [key]), error["ctx"]["discriminator"].strip("'")])  # the tag's own key
        lines.append(f"{where}{'的' if where and key else ''}{f'键“{key}”' if key else ''}：{_message(error)}")
    more = len(exc.errors()) - 10
    if more > 0:
        lines.append(f"……另有 {more} 处错误")
    return "规则文件无效。\n" + "\n".join(lines)


def explain_entries(exc: ValidationError, raw: dict[str, Any], heading: str, section: str,
                    name_key: str | None = None) -> str:
    """pydantic's errors for a file that is a list of entries under ``section`` (a layout, a waivers file): each
    named 第 N 项, with its ``name_key`` value where it has one, then the key and a Chinese reason."""
    lines = []
    for error in exc.errors()[:10]:
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == section and isinstance(loc[1], int):
            entries = raw.get(section) or []
            entry = entries[loc[1]] if loc[1] < len(entries) else None
            name = entry.get(name_key) if name_key and isinstance(entry, dict) else None
            where = f"第 {loc[1] + 1} 项{f'（{name_key}: {name}）' if name else ''}"
            loc = loc[2:]
        key = ".".join(str(part) for part in loc)
        lines.append(f"{where}{'的' if where and key else ''}{f'键“{key}”' if key else ''}：{_message(error)}")
    return f"{heading}\n" + "\n".join(lines)


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    got = error.get("input")
    shown = f"（实际为 {got!r}）" if kind not in ("missing", "union_tag_not_found") and not isinstance(
        got, dict | list
    ) else ""
    if kind == "union_tag_invalid":
        shown = f"（实际为 {ctx.get('tag')!r}）"  # the input is the whole mapping; show the tag it carries
    if kind in ("union_tag_invalid", "literal_error", "enum"):
        expected = str(ctx.get("expected_tags") or ctx.get("expected")).replace(" or ", ", ")
        return f"取值必须是 {expected} 之一{shown}"
    if kind in ("greater_than_equal",):
        return f"不能小于 {ctx.get('ge')}{shown}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return _MESSAGES.get(kind, error["msg"]) + shown


def _cross_check(model: CatalogueModel, shown: str) -> tuple[dict[str, str], dict[str, str]]:
    """Checks that span sections: ids unique, types and documents known, columns canonical."""

    def fail(message: str) -> CatalogueError:
        return CatalogueError("规则文件无效。\n" + message, source=shown)

    type_of: dict[str, str] = {}
    for canonical, variants in model.activity_types.items():
        for spelling in (canonical, *variants):
            key = normalise_name(spelling)
            if type_of.get(key, canonical) != canonical:
                raise fail(f"activity_types：写法“{spelling}”同时属于“{type_of[key]}”和“{canonical}”")
            type_of[key] = canonical

    column_of: dict[str, str] = {normalise_name(name): name for name in COLUMNS}
    for canonical, synonyms in model.columns.items():
        if canonical not in COLUMNS:
            raise fail(f"columns：未知的规范列名“{canonical}”，应为 {'、'.join(COLUMNS)} 之一")
        for spelling in synonyms:
            key = normalise_name(spelling)
            if column_of.get(key, canonical) != canonical:
                raise fail(f"columns：列名“{spelling}”同时属于“{column_of[key]}”和“{canonical}”")
            column_of[key] = canonical

    seen: set[str] = set()
    for rule in model.rules:
        if rule.id in seen:
            raise fail(f"规则 id“{rule.id}”重复")
        seen.add(rule.id)
        for activity in rule.types:
            if activity not in model.activity_types:
                raise fail(f"规则“{rule.id}”的键“types”：未知的活动类型“{activity}”，请先在 activity_types 中定义")
        for ref in rule.source:
            if ref.doc not in model.documents:
                raise fail(f"规则“{rule.id}”的键“source.doc”：未知的依据文件“{ref.doc}”，请先在 documents 中定义")
        condition = getattr(rule, "condition", None)
        if condition is not None:
            for key in ("field", "of"):
                column = getattr(condition, key, None)
                if column is not None and column not in COLUMNS:
                    raise fail(
                        f"规则“{rule.id}”的键“condition.{key}”：未知的列“{column}”，应为 {'、'.join(COLUMNS)} 之一"
                    )
    return type_of, column_of
