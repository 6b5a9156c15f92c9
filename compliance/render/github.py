"""``--format github``: GitHub Actions workflow commands on standard output, one per finding, rejected row and
data-quality warning, so that each shows beside its ledger in the run and the pull request.

A violation of an error rule is ``::error``, of a warning rule ``::warning``; due, unverifiable and waived
findings are ``::notice``; a rejected row is ``::warning`` and a data-quality warning ``::notice``. A CSV row gives
``line=``; a workbook row is named in the message (a line number means nothing in a binary file).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from compliance.domain import Severity, Status
from compliance.render.common import issue_list
from compliance.render.locate import Locator, Place, issue_message
from compliance.render.text import MARKS

if TYPE_CHECKING:
    from compliance.pipeline import CheckResult


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, place: Place | None = None, title: str | None = None) -> str:
    props = []
    if place is not None:
        props.append(f"file={_property(place.path)}")
        if place.is_csv and place.row is not None:
            props.append(f"line={place.row}")
        elif place.sheet:
            where = f"工作表“{place.sheet}”" + (f"第 {place.row} 行" if place.row is not None else "")
            message = f"{where}：{message}"
    if title:
        props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}" if props else f"::{level}::{_data(message)}"


def _level(finding: dict) -> str:
    if finding["status"] == Status.VIOLATION.value:
        return "error" if finding["severity"] == Severity.ERROR.value else "warning"
    return "notice"


def text(result: CheckResult) -> str:
    locator = Locator(result)
    titles = {rule.id: rule.title for rule in result.catalogue.rules}
    lines = []
    for finding in result.findings():
        place, _ = locator.finding(finding)
        who = f"（{finding['person']}）" if finding["person"] else ""
        status = Status(finding["status"]).chinese
        message = (f"{MARKS[finding['baseline']]}{status}：{finding['org']}{who} {finding['period']}："
                   f"{finding['message']}")
        if finding["waiver"]:
            message += f"（豁免：{finding['waiver']['reason']}，批准：{finding['waiver']['approved_by']}）"
        lines.append(command(_level(finding), message, place, f"{titles[finding['rule']]}（{finding['rule']}）"))
    for level, title, frame in (("warning", "拒收的行", result.rejected), ("notice", "数据质量提醒", result.warnings)):
        for item in issue_list(frame):
            lines.append(command(level, issue_message(item), locator.issue(item), title))
    return "".join(line + "\n" for line in lines)
