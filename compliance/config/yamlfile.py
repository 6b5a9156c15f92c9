"""Reading the YAML files users write by hand (rules, layout, waivers), and explaining their mistakes in Chinese.

``parse_mapping`` loads safely (no tags that build objects), refuses a key written twice and turns PyYAML's words
for the usual slips into Chinese with the line; ``explain`` and ``explain_entries`` turn pydantic's errors into one
Chinese line each that names the entry and the key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from compliance.errors import InputError


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


def explain(exc: ValidationError, raw: dict[str, Any], heading: str, section: str,
            name: Callable[[int, Any], str]) -> str:
    """pydantic's errors for a file that is a list of entries under ``section``, one Chinese line each (ten at
    most): the entry as ``name(index, entry)`` calls it, the key as the user wrote it, and the reason.

    The key leaves out what pydantic adds to an error's path and the user never wrote: the names of a union's
    branches (``tuple[str, ...]``) and the value of a discriminated union's tag (a rule's ``kind``, a condition's
    ``test``)."""
    lines = []
    for error in exc.errors()[:10]:
        loc = list(error["loc"])
        where = ""
        if len(loc) >= 2 and loc[0] == section and isinstance(loc[1], int):
            entries = raw.get(section) or []
            entry = entries[loc[1]] if loc[1] < len(entries) else None
            where = name(loc[1], entry)
            key = _written_key(loc[2:], entry)
        else:
            key = _written_key(loc, raw)
        if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
            key = ".".join([*filter(None, [key]), error["ctx"]["discriminator"].strip("'")])  # the tag's own key
        lines.append(f"{where}{'的' if where and key else ''}{f'键“{key}”' if key else ''}：{_message(error)}")
    more = len(exc.errors()) - 10
    if more > 0:
        lines.append(f"……另有 {more} 处错误")
    return f"{heading}\n" + "\n".join(lines)


def explain_entries(exc: ValidationError, raw: dict[str, Any], heading: str, section: str,
                    name_key: str | None = None) -> str:
    """``explain`` for a list of entries each named 第 N 项, with its ``name_key`` value where it has one."""

    def name(index: int, entry: Any) -> str:
        value = entry.get(name_key) if name_key and isinstance(entry, dict) else None
        return f"第 {index + 1} 项{f'（{name_key}: {value}）' if value else ''}"

    return explain(exc, raw, heading, section, name)


_BRANCH_NAMES = ("function-", "tuple[", "literal[")  # pydantic's names for the branches of a union


def _written_key(loc: list, node: Any) -> str:
    """The dotted key of ``loc`` as written in ``node``, without the parts pydantic inserts."""
    kept = []
    for part in loc:
        if isinstance(part, str) and part.startswith(_BRANCH_NAMES):
            continue
        if isinstance(node, dict) and part not in node and part in [str(v) for v in node.values() if
                                                                      isinstance(v, str)]:
            continue  # a discriminated union's tag value (frequency, nonempty): the path goes on inside the node
        kept.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return ".".join(str(part) for part in kept)


def _message(error: Mapping[str, Any]) -> str:
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
