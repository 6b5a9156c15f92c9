"""Meta-tests that keep the catalogue honest, and broken rules files that must fail before any ledger is read."""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

import pytest
import yaml

from compliance.engine.kinds import KINDS, load_catalogue
from compliance.errors import CatalogueError
from tests.helpers import DEFAULT_RULES, REPO

CASES = REPO / "tests" / "engine" / "kinds" / "cases"
# What the tests need of the project's shared documents, kept in the repository (copied from ../shared/, which a
# clone does not have): the catalogue section of DOMAIN.md and the file names of the seed documents.
DOMAIN = REPO / "tests" / "data" / "domain_catalogue.md"
SEEDS = REPO / "tests" / "data" / "seeds.txt"
SHARED = REPO.parent / "shared"  # the originals, where they are beside the repository


def seed_names() -> list[str]:
    return [line for line in SEEDS.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]

# The catalogue table of DOMAIN.md: id → (kind, period, min, window, severity).
CONTRACT = {
    "theme-day-monthly": ("frequency", "month", 1, None, "error"),
    "theme-day-topic": ("record", None, None, None, "error"),
    "theme-day-fixed-day": ("regularity", "year", None, None, "warning"),
    "branch-committee-monthly": ("frequency", "month", 1, None, "error"),
    "party-group-monthly": ("frequency", "month", 1, None, "error"),
    "member-meeting-quarterly": ("frequency", "quarter", 1, None, "error"),
    "member-meeting-quorum": ("record", None, None, None, "error"),
    "party-lecture-quarterly": ("frequency", "quarter", 1, None, "error"),
    "org-life-meeting-yearly": ("frequency", "year", 1, None, "error"),
    "member-review-yearly": ("frequency", "year", 1, None, "error"),
    "theory-group-quarterly": ("frequency", "quarter", 1, None, "error"),
    "democratic-life-meeting-yearly": ("frequency", "year", 1, None, "error"),
    "democratic-life-quorum": ("record", None, None, None, "error"),
    "ideology-analysis-half-yearly": ("frequency", "half", 1, None, "error"),
    "ideology-report-half-yearly": ("frequency", "half", 1, None, "error"),
    "thought-survey-half-yearly": ("frequency", "half", 1, None, "error"),
    "ideology-lecture-half-yearly": ("frequency", "half", 1, None, "error"),
    "leader-lecture-yearly": ("per-person", "year", 1, None, "error"),
    "leader-research-yearly": ("per-person", "year", 2, None, "error"),
    "new-principal-trained-before-post": ("precedence", None, None, None, "error"),
    "leader-training-five-yearly": ("rolling", None, 1, None, "error"),
    "branch-election-term": ("rolling", None, 1, None, "error"),
    "election-quorum": ("record", None, None, None, "error"),
    "discipline-talk-before-meeting": ("record", None, None, None, "warning"),
    "july-first-yearly": ("frequency", "year", 1, ("06-01", "07-10"), "warning"),
    "summer-ethics-yearly": ("frequency", "year", 1, ("07-01", "08-31"), "warning"),
    "responsibility-letter-yearly": ("frequency", "year", 1, ("01-01", "03-31"), "error"),
}
RATIOS = {
    "member-meeting-quorum": ("实到", "应到", ">", "1/2"),
    "democratic-life-quorum": ("实到", "应到", ">=", "2/3"),
    "election-quorum": ("实到", "应到", ">", "4/5"),
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def catalogue_section(text: str) -> str:
    return text[text.index("## The default catalogue"):text.index("## How periods are judged")]


def domain_catalogue_ids() -> list[str]:
    """The ids of the catalogue table in DOMAIN.md (``| id | requirement | …`` rows of its catalogue section)."""
    section = DOMAIN.read_text(encoding="utf-8")
    section = section[section.index("## The default catalogue"):]
    return [i for i in re.findall(r"^\| ([a-z0-9-]+) \|", section, flags=re.MULTILINE) if i != "id"]


def test_the_contract_here_is_the_table_of_domain_md():
    assert len(domain_catalogue_ids()) == 27
    assert sorted(domain_catalogue_ids()) == sorted(CONTRACT)


@pytest.mark.skipif(not (SHARED / "DOMAIN.md").exists(), reason="no ../shared/ beside this clone to compare with")
def test_the_copies_in_tests_data_are_those_of_shared():
    original = catalogue_section((SHARED / "DOMAIN.md").read_text(encoding="utf-8"))
    copy = DOMAIN.read_text(encoding="utf-8")
    assert copy[copy.index("## The default catalogue"):].rstrip("\n") == original.rstrip("\n")
    assert seed_names() == sorted(p.name for p in (SHARED / "seeds").iterdir())


def test_the_catalogue_has_exactly_the_rules_of_the_contract(catalogue):
    assert sorted(rule.id for rule in catalogue.rules) == sorted(CONTRACT)


def test_the_one_opt_in_rule_is_switched_off_and_names_the_meetings_minutes_are_expected_for(catalogue):
    """Holding the ledger against its minutes (issue 31) is an inspection's choice: in the catalogue, off."""
    (rule,) = catalogue.disabled
    assert (rule.id, rule.kind, rule.enabled, rule.types) == (
        "meeting-minutes-kept", "minutes", False, ("支部党员大会", "支部委员会", "党小组会", "党课"))
    assert catalogue.minutes_types == frozenset(rule.types)
    assert catalogue.source_text(rule) == "《2015学校党建工作》一.4；《2015学校党建工作》三.9"
    assert catalogue.rule("meeting-minutes-kept") is rule


EXAMPLE_RULES = sorted((REPO / "examples" / "rules").glob("*.yaml"))


def test_every_seed_is_cited_by_a_rule_of_the_catalogue_or_of_an_example(catalogue):
    cited = set()
    for loaded in [catalogue, *(load_catalogue(path) for path in EXAMPLE_RULES)]:
        documents = loaded.model.documents
        cited |= {documents[ref.doc].seed for rule in loaded.rules for ref in rule.source if documents[ref.doc].seed}
    assert seed_names() == sorted(cited)


@pytest.mark.parametrize("path", [DEFAULT_RULES, *EXAMPLE_RULES], ids=lambda p: p.name)
def test_every_time_in_force_is_ordered_and_every_match_is_on_a_canonical_text_column(path):
    from compliance.domain import COLUMNS

    for rule in load_catalogue(path).rules:
        if rule.effective is not None and rule.effective.start and rule.effective.end:
            assert rule.effective.start <= rule.effective.end, rule.id
        if rule.match is not None:
            assert rule.match.field in COLUMNS and rule.match.field in ("主题", "主讲人"), rule.id


def test_an_example_catalogue_is_the_packaged_one_plus_its_own_rules(catalogue):
    for path in EXAMPLE_RULES:
        example = load_catalogue(path)
        assert example.model.documents == catalogue.model.documents
        assert example.model.activity_types == catalogue.model.activity_types
        assert example.model.combined_types == catalogue.model.combined_types
        assert example.rules[:len(catalogue.rules)] == catalogue.rules  # the packaged rules, unchanged


def test_every_seed_a_document_names_is_in_the_seeds_folder(catalogue):
    seeds = [doc.seed for doc in catalogue.model.documents.values() if doc.seed]
    assert seeds, "the catalogue cites no seed document"
    assert sorted(set(seeds) - set(seed_names())) == []


def test_every_rule_is_configured_as_the_contract_says(catalogue):
    for rule in catalogue.rules:
        period = getattr(rule, "period", None)
        window = getattr(rule, "window", None)
        assert (
            rule.kind,
            period.value if period is not None else None,
            getattr(rule, "min", None),
            (window.start, window.end) if window is not None else None,
            rule.severity.value,
        ) == CONTRACT[rule.id], rule.id


def test_the_quorum_rules_compare_the_contract_fractions(catalogue):
    for rule_id, expected in RATIOS.items():
        condition = catalogue.rule(rule_id).condition
        assert (condition.field, condition.of, condition.op, condition.value) == expected


def test_the_rolling_rules_look_back_the_contract_years(catalogue):
    assert catalogue.rule("branch-election-term").years == 3
    assert catalogue.rule("leader-training-five-yearly").years == 5


def test_every_kind_documents_a_pass_and_a_fail_and_its_model_answers_to_its_name():
    for name, kind in KINDS.items():
        module = sys.modules[kind.check.__module__]
        assert "Pass:" in module.__doc__, name
        assert "Fail:" in module.__doc__, name
        assert typing.get_args(kind.config.model_fields["kind"].annotation) == (name,), name


def test_every_kind_has_passing_and_failing_cases():
    for kind in KINDS:
        cases = yaml.safe_load((CASES / f"{kind}.yml").read_text(encoding="utf-8"))
        assert any(case["findings"] == [] for case in cases), kind
        assert any(case["findings"] for case in cases), kind


def test_the_repository_rules_file_is_the_packaged_one():
    assert (REPO / "rules.yaml").read_bytes() == DEFAULT_RULES.read_bytes()


def test_loading_by_path_gives_the_packaged_catalogue(catalogue):
    from_path = load_catalogue(DEFAULT_RULES)
    assert from_path.sha256 == catalogue.sha256
    assert from_path.model == catalogue.model
    assert catalogue.path == "（内置）rules.yaml"


# ---- broken rules files ----

THEME_DAY_MONTHLY = """\
  - id: theme-day-monthly
    title: 每月至少开展1次主题党日活动
    kind: frequency
    applies_to: {org_types: [党支部]}
    types: [主题党日]
    period: month
    min: 1
"""


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = DEFAULT_RULES.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "rules.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def broken_rule(tmp_path: Path, **changes: str) -> Path:
    """theme-day-monthly with lines changed: ``period="weekly"`` rewrites ``period: month``."""
    block = THEME_DAY_MONTHLY
    for key, value in changes.items():
        block, count = re.subn(rf"^    {key}: .*$", f"    {key}: {value}", block, flags=re.M)
        if not count:
            block += f"    {key}: {value}\n"
    return broken(tmp_path, THEME_DAY_MONTHLY, block)


def line_of(path: Path, text: str) -> int:
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


BROKEN_RULES = [
        ({"period": "weekly"},
         "规则“theme-day-monthly”的键“period”：取值必须是 'month', 'quarter', 'half', 'year' 之一（实际为 'weekly'）"),
        ({"minimum": "2"}, "规则“theme-day-monthly”的键“minimum”：未知的键（实际为 2）"),
        ({"min": "0"}, "规则“theme-day-monthly”的键“min”：不能小于 1（实际为 0）"),
        ({"min": "一次"}, "规则“theme-day-monthly”的键“min”：应为整数（实际为 '一次'）"),
        ({"types": "[主题活动]"},
         "规则“theme-day-monthly”的键“types”：未知的活动类型“主题活动”，请先在 activity_types 中定义"),
        ({"types": "[]"}, "规则“theme-day-monthly”的键“types”：不能为空"),
        ({"window": "{from: 06-01, to: 07-10}"}, "规则“theme-day-monthly”：window 只能用于 period: year"),
        ({"period": "year", "window": "{from: 6月1日, to: 07-10}"},
         "规则“theme-day-monthly”的键“window.from”：应为“月-日”格式（如 06-01），而不是“6月1日”"),
        ({"period": "year", "window": "{from: 07-10, to: 06-01}"},
         "规则“theme-day-monthly”的键“window”：窗口结束 06-01 早于开始 07-10"),
        ({"title": "Monthly theme day"}, "规则“theme-day-monthly”的键“title”：标题须为中文"),
        ({"kind": "weekly"},
         "规则“theme-day-monthly”的键“kind”："
         "取值必须是 'frequency', 'per-person', 'record', 'rolling', 'precedence', 'regularity', 'deadline', 'minutes' 之一"
         "（实际为 'weekly'）"),
        ({"applies_to": "{leaders: all}"}, "规则“theme-day-monthly”：frequency 类规则的 applies_to 应写 org_types"),
        ({"applies_to": "{org_types: [党小组]}"},
         "规则“theme-day-monthly”的键“applies_to.org_types.0”：取值必须是 "
         "'党工委', '党组', '党委', '党总支', '党支部' 之一（实际为 '党小组'）"),
        ({"severity": "fatal"},
         "规则“theme-day-monthly”的键“severity”：取值必须是 'error', 'warning' 之一（实际为 'fatal'）"),
        ({"effective": "{from: 2020-09-01, to: 2019-12-31}"},
         "规则“theme-day-monthly”的键“effective”：effective 的结束日期 2019-12-31 早于开始日期 2020-09-01"),
        ({"effective": "{}"}, "规则“theme-day-monthly”的键“effective”：effective 须至少写 from 或 to 之一"),
        ({"effective": "{from: 2020年9月}"}, "规则“theme-day-monthly”的键“effective.from”："),
        ({"match": "{field: 标题, contains: [世博]}"},
         "规则“theme-day-monthly”的键“match.field”：field “标题”不能用于 match，应为 主题、主讲人 之一"),
        ({"match": "{field: 组织, contains: [第一中学]}"},  # a code, not text: a word test would match nothing
         "规则“theme-day-monthly”的键“match.field”：field “组织”不能用于 match，应为 主题、主讲人 之一"),
        ({"match": "{field: 主题}"},
         "规则“theme-day-monthly”的键“match”：match 须且只能写 contains（包含的词）或 nonempty: true（不为空）之一"),
        ({"match": "{field: 主题, contains: [世博], nonempty: true}"},
         "规则“theme-day-monthly”的键“match”：match 须且只能写 contains（包含的词）或 nonempty: true（不为空）之一"),
        ({"match": "{field: 主题, regex: '.*'}"}, "规则“theme-day-monthly”的键“match.regex”：未知的键"),
]


@pytest.mark.parametrize(("changes", "message"), BROKEN_RULES, ids=["-".join(c) for c, _ in BROKEN_RULES])
def test_a_broken_rule_is_named_with_its_key(tmp_path, changes, message):
    path = broken_rule(tmp_path, **changes)
    with pytest.raises(CatalogueError, match=re.escape(message)) as raised:
        load_catalogue(path)
    assert raised.value.source == str(path)
    assert raised.value.message.startswith("规则文件无效。\n")


def test_a_rule_without_a_kind_is_named(tmp_path):
    path = broken(tmp_path, THEME_DAY_MONTHLY, THEME_DAY_MONTHLY.replace("    kind: frequency\n", ""))
    with pytest.raises(CatalogueError, match=re.escape("规则“theme-day-monthly”的键“kind”：缺少必填项")):
        load_catalogue(path)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("{test: between, field: 主题}",
         "规则“theme-day-topic”的键“condition.test”："
         "取值必须是 'nonempty', 'affirmative', 'ratio' 之一（实际为 'between'）"),
        ("{field: 主题}", "规则“theme-day-topic”的键“condition.test”：缺少必填项"),
        ("主题", "规则“theme-day-topic”的键“condition”：应为映射（实际为 '主题'）"),
        ("{test: nonempty, field: 主题, of: 应到}",
         "规则“theme-day-topic”的键“condition.of”：未知的键（实际为 '应到'）"),
    ],
    ids=["unknown-test", "no-test", "not-a-mapping", "unknown-key"],
)
def test_a_broken_condition_is_named_with_its_key(tmp_path, condition, message):
    path = broken(tmp_path, "condition: {test: nonempty, field: 主题}", f"condition: {condition}")
    with pytest.raises(CatalogueError, match=re.escape(message)):
        load_catalogue(path)


def test_an_unknown_source_document_is_named(tmp_path):
    path = broken(tmp_path, THEME_DAY_MONTHLY + "    source: [{doc: 2020武进, clause: 一.3}, {doc: 支部工作条例}]",
                  THEME_DAY_MONTHLY + "    source: [{doc: 2021武进}]")
    with pytest.raises(CatalogueError, match=re.escape(
        "规则“theme-day-monthly”的键“source.doc”：未知的依据文件“2021武进”，请先在 documents 中定义"
    )):
        load_catalogue(path)


def test_a_rule_without_a_source_is_refused(tmp_path):
    path = broken(tmp_path, THEME_DAY_MONTHLY + "    source: [{doc: 2020武进, clause: 一.3}, {doc: 支部工作条例}]",
                  THEME_DAY_MONTHLY)
    with pytest.raises(CatalogueError, match=re.escape("规则“theme-day-monthly”的键“source”：缺少必填项")):
        load_catalogue(path)


def test_an_unknown_ratio_column_is_named(tmp_path):
    path = broken(tmp_path, "condition: {test: ratio, field: 实到, of: 应到, op: \">\", value: 1/2}",
                  "condition: {test: ratio, field: 出席, of: 应到, op: \">\", value: 1/2}")
    with pytest.raises(CatalogueError, match=re.escape(
        "规则“member-meeting-quorum”的键“condition.field”：未知的列“出席”，"
        "应为 组织、日期、类型、主题、主讲人、应到、实到、会前说纪、缺席 之一"
    )):
        load_catalogue(path)


def test_a_ratio_written_as_a_decimal_is_refused(tmp_path):
    path = broken(tmp_path, "condition: {test: ratio, field: 实到, of: 应到, op: \">\", value: 1/2}",
                  "condition: {test: ratio, field: 实到, of: 应到, op: \">\", value: \"0.5\"}")
    with pytest.raises(CatalogueError, match=re.escape(
        "规则“member-meeting-quorum”的键“condition.value”：格式不正确（实际为 '0.5'）"
    )):
        load_catalogue(path)


def test_an_id_that_is_not_kebab_case_is_named(tmp_path):
    path = broken(tmp_path, "  - id: theme-day-monthly\n", "  - id: Theme_Day\n")
    with pytest.raises(CatalogueError, match=re.escape("规则“Theme_Day”的键“id”：格式不正确（实际为 'Theme_Day'）")):
        load_catalogue(path)


def test_a_duplicate_rule_id_is_refused(tmp_path):
    path = broken(tmp_path, "  - id: theme-day-topic\n", "  - id: theme-day-monthly\n")
    with pytest.raises(CatalogueError, match=re.escape("规则 id“theme-day-monthly”重复")):
        load_catalogue(path)


def test_a_key_written_twice_is_refused_with_its_line(tmp_path):
    path = broken(tmp_path, THEME_DAY_MONTHLY, THEME_DAY_MONTHLY + "    min: 2\n")
    with pytest.raises(CatalogueError, match=re.escape("YAML 语法错误：键“min”重复出现")) as raised:
        load_catalogue(path)
    assert raised.value.row == line_of(path, "    min: 2")
    assert str(raised.value) == f"文件 {path}，第 {raised.value.row} 行：YAML 语法错误：键“min”重复出现"


def test_bad_yaml_syntax_names_the_line(tmp_path):
    path = broken(tmp_path, "    kind: frequency\n    applies_to: {org_types: [党支部]}\n    types: [主题党日]\n"
                  "    period: month\n",
                  "    kind: frequency\n    applies_to: {org_types: [党支部]}\n    types: [主题党日]\n"
                  "\tperiod: month\n")
    with pytest.raises(CatalogueError, match=re.escape("YAML 语法错误：含有制表符（Tab），YAML 只能用空格缩进")) as raised:
        load_catalogue(path)
    assert raised.value.row == line_of(path, "\tperiod: month")


@pytest.mark.parametrize(("text", "line", "message"), [
    ("version: 1\nrules: !!python/object/apply:os.system [\"touch pwned\"]\n", 2,
     "不允许的标签“!!python/object/apply:os.system”：只能写文字、数字、列表和映射（不会构造任何对象，也不会执行代码）"),
    ("version: 1\nrules: [a, b\n", 3, "方括号 [ ] 没有闭合"),
    ("version: 1\nrules:\n  - id: a\n   title: b\n", 4, "缩进不一致（同一层的各项应左对齐）"),
    ("version: 1\nrules: a: b\n", 2, "此处不能出现“键: 值”（缩进不齐、冒号后缺空格，或值中的冒号需要加引号）"),
    ("version: 1\nrules: *rules\n", 2, "引用了未定义的锚点“*rules”"),
])
def test_yaml_mistakes_and_object_tags_are_refused_in_chinese(tmp_path, monkeypatch, text, line, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(tmp_path / "rules.yaml")
    assert str(raised.value) == f"文件 {tmp_path / 'rules.yaml'}，第 {line} 行：YAML 语法错误：{message}"
    assert not (tmp_path / "pwned").exists()


def test_a_rules_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("- id: theme-day-monthly\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=re.escape("规则文件的顶层应为映射")):
        load_catalogue(path)


def test_a_missing_rules_file_is_refused(tmp_path):
    with pytest.raises(CatalogueError, match=re.escape("无法读取规则文件")):
        load_catalogue(tmp_path / "没有.yaml")


def test_an_activity_spelling_in_two_types_is_refused(tmp_path):
    path = broken(tmp_path, "  党课: [上党课, 专题党课, 黨課, 專題黨課]",
                  "  党课: [上党课, 专题党课, 黨課, 專題黨課, 党员大会]")
    with pytest.raises(CatalogueError, match=re.escape("activity_types：写法“党员大会”同时属于“支部党员大会”和“党课”")):
        load_catalogue(path)
