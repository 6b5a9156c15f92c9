"""``--format github``: GitHub Actions workflow commands on standard output, so that findings, rejected rows and
data-quality warnings show beside their ledgers in the run and the pull request; and, when GitHub gives a job
summary file (``GITHUB_STEP_SUMMARY``), the Markdown summary of ``compliance.render.markdown`` written there.

A violation of an error rule is ``::error``, of a warning rule ``::warning``; due, unverifiable and waived findings
are ``::notice``; a rejected row is ``::warning`` and a data-quality warning ``::notice``. A CSV row gives
``line=``; a workbook row is named in the message (a line number means nothing in a binary file).

GitHub shows at most 10 annotations of each level per step (and 50 per job), so they come in order of importance
— violations of error rules, then warnings (warning rules, rejected rows), then due findings, then the other
notices — and each level stops at its limit with one last annotation saying how many more there are and where
they are: every one is still printed, after the annotations, as a plain log line.

Ledger text never becomes a workflow command. The runner takes a line for a command when, after leading white
space, it begins with ``::`` — or when it holds ``##[`` anywhere (its older syntax, still parsed). In an annotation
the text is the command's escaped data; in every other line this format prints (and, in a run that asks for it,
every line the command line prints) ``log_line`` writes line breaks as GitHub's own escapes (``%0D``, ``%0A``), so a
cell cannot begin a line, breaks ``##[``, and puts a zero-width space before a line that would begin with ``::``.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from compliance.domain import Severity, Status
from compliance.render.common import CONTROLS, LINE_BREAK, issue_list, place_parts
from compliance.render.locate import Locator, Place, issue_message
from compliance.render.text import MARKS

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult


def _escaped(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _data(value: str) -> str:
    return _escaped(value).translate(CONTROLS)


_PLAIN = str.maketrans({"\r": "%0D", "\n": "%0A"} | CONTROLS)
_SHIELD = "\u200b"  # zero-width space: not white space to the runner, so a line starting with it is no command


def log_line(value: str) -> str:
    """``value`` as one plain line of a GitHub Actions log that the runner cannot take for a workflow command."""
    value = value.translate(_PLAIN).replace("##[", "##%5B")
    return _SHIELD + value if value.lstrip().startswith("::") else value


def guard(text: str) -> str:
    """Text printed in a GitHub run by other parts of the command line (summary lines, messages, ``--format
    text``): each of its lines made a plain log line, whatever it holds."""
    return "".join(log_line(line) + "\n" for line in LINE_BREAK.split(text.removesuffix("\n")))


def _property(value: str) -> str:
    return _escaped(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, place: Place | None = None, title: str | None = None) -> str:
    """One GitHub Actions workflow command (``::error file=…,line=…::message``), its properties and message escaped."""
    props = []
    if place is not None:
        props.append(f"file={_property(place.path)}")
        if place.is_csv and place.row is not None:
            props.append(f"line={place.row}")
        elif place.sheet:
            where = place_parts(place.source, place.sheet, None if place.anchor else place.row)[1:]  # (minutes: 表格2)
            message = f"{''.join(where)}：{message}"
    if title:
        props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}" if props else f"::{level}::{_data(message)}"


def _level(finding: dict) -> str:
    if finding["status"] == Status.VIOLATION.value:
        return "error" if finding["severity"] == Severity.ERROR.value else "warning"
    return "notice"


LIMIT = 10  # annotations GitHub shows per level and step
ORDER = {"error": 0, "warning": 1, "notice": 2}


def _annotations(result: CheckResult) -> list[tuple[int, str, str, Place | None, str | None]]:
    """(rank, level, message, place, title) of everything to annotate, most important first."""
    locator = Locator(result)
    titles = {rule.id: rule.title for rule in result.catalogue.rules}
    out = []
    for finding in result.findings():
        place, _ = locator.finding(finding)
        who = f"（{finding['person']}）" if finding["person"] else ""
        status = Status(finding["status"]).chinese
        message = (f"{MARKS[finding['baseline']]}{status}：{finding['org']}{who} {finding['period']}："
                   f"{finding['message']}")
        if finding["waiver"]:
            message += f"（豁免：{finding['waiver']['reason']}，批准：{finding['waiver']['approved_by']}）"
        level = _level(finding)
        rank = ORDER[level] * 2 + (finding["status"] != Status.DUE.value if level == "notice" else 0)
        out.append((rank, level, message, place, f"{titles[finding['rule']]}（{finding['rule']}）"))
    for level, title, frame in (("warning", "拒收的行", result.rejected), ("notice", "数据质量提醒", result.warnings)):
        for item in issue_list(frame):
            rank = ORDER[level] * 2 + (1 if level == "notice" else 0)
            out.append((rank, level, issue_message(item), locator.issue(item), title))
    return sorted(out, key=lambda item: item[0])  # stable: findings keep their order within a rank


def text(result: CheckResult) -> str:
    """The workflow commands of a check, in order of importance, each level up to what GitHub shows, then every
    item as a plain log line (see the module docstring)."""
    items = _annotations(result)
    shown, rest = [], []
    for level in ORDER:
        of_level = [item for item in items if item[1] == level]
        if len(of_level) <= LIMIT:
            shown.extend(of_level)
            continue
        shown.extend(of_level[:LIMIT - 1])
        rest.extend(of_level[LIMIT - 1:])
        more = len(of_level) - (LIMIT - 1)
        shown.append((0, level, f"另有 {more} 条{_WORDS[level]}未作为注释显示（GitHub 每级最多显示 {LIMIT} 条）："
                                f"见本步骤日志的后半部分和作业摘要，或报告中的 findings.json", None, "更多"))
    lines = [command(level, message, place, title) for _, level, message, place, title in shown]
    if rest:
        lines.append(f"未作为注释显示的 {len(rest)} 条：")
        lines.extend(log_line(f"  [{_WORDS[level]}] {place.label() + '：' if place is not None else ''}{message}")
                     for _, level, message, place, _ in rest)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        from compliance.render import markdown

        written = os.path.getsize(summary) if os.path.exists(summary) else 0  # earlier commands of the step
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown.summary(result, size=max(markdown.LIMIT - written, 2 * markdown.RESERVE)))
    return "".join(line + "\n" for line in lines)


_WORDS = {"error": "错误", "warning": "警告", "notice": "提示"}
