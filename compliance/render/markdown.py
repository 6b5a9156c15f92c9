"""``--format markdown``: ``summary.md``, the run as a Markdown job summary — counts per status, the findings
table, the rejected rows — for GitLab and any CI that shows Markdown; ``--format github`` writes the same text to
GitHub's job summary (``GITHUB_STEP_SUMMARY``) when it is set.

A ledger's text is never markup: every ASCII punctuation character of a cell is backslash-escaped (CommonMark lets
any of them be, so ``![x](https://…)``, ``**粗**``, ``<b>``, ``&amp;`` and a ``\\|`` that would split a row in one
renderer or another all stay text), line breaks become ``<br>`` (the only HTML written) and control characters
their pictures.

GitHub refuses a step summary over 1 MiB, so the summary is capped in bytes, not only in rows: a cell longer than
``MAX_CELL`` characters is cut with …, and a table stops at ``MAX_ROWS`` rows or when the next row would pass the
budget; what was cut is said below the table (how many rows, how many cells, where the rest is).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.domain import Status, status_counts
from compliance.render.common import CONTROLS, LINE_BREAK, issue_list, skipped_text

if TYPE_CHECKING:
    from compliance.findings.result import CheckResult

FILENAME = "summary.md"
MAX_ROWS = 300  # rows per table: a longer list is for findings.xlsx, not a job summary
MAX_CELL = 200  # characters of a cell
LIMIT = 1024 * 1024  # bytes GitHub accepts in one step's summary
RESERVE = 16 * 1024  # bytes kept for what follows the last table row (the notes, what was cut)

_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def cell(value: object, limit: int = MAX_CELL) -> str:
    """A table cell's Markdown: the text as written, cut to ``limit`` characters with …, never markup."""
    if value is None:
        return ""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    escaped = _PUNCTUATION.sub(r"\\\1", text).replace("\\@", "\u2060\\@")  # a word joiner: no e-mail link
    return LINE_BREAK.sub("<br>", escaped.translate(CONTROLS))


class _Budget:
    """Bytes left for the summary, and what had to be cut to stay within them."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.cut_cells = 0

    def take(self, line: str) -> bool:
        size = len(line.encode("utf-8")) + 1
        if size > self.left - RESERVE:
            return False
        self.left -= size
        return True

    def row(self, values: list) -> str:
        self.cut_cells += sum(1 for v in values if v is not None and len(str(v)) > MAX_CELL)
        return "| " + " | ".join(cell(v) for v in values) + " |"


def _table(budget: _Budget, header: list[str], rows: list[list], unit: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    budget.take(lines[0])
    budget.take(lines[1])
    shown = 0
    for values in rows[:MAX_ROWS]:
        line = budget.row(values)
        if not budget.take(line):
            break
        lines.append(line)
        shown += 1
    if shown < len(rows):
        why = f"摘要每表最多 {MAX_ROWS} 行" if shown == MAX_ROWS else "GitHub 的作业摘要不能超过 1 MiB"
        lines += ["", f"另有 {len(rows) - shown} {unit}未列出（{why}），见 findings.json 或 findings.xlsx。"]
    return lines


def summary(result: CheckResult, size: int = LIMIT) -> str:
    """The summary, at most ``size`` bytes of UTF-8 (less what ``RESERVE`` keeps for the last lines)."""
    findings = result.findings()
    counts = status_counts(f["status"] for f in findings)
    sources = result.sources
    budget = _Budget(size)
    lines = [
        f"## 党建活动台账检查 {result.audit.label}（检查日 {result.as_of}）",
        "",
        f"{len(sources)} 个台账文件：读取 {sum(s.read for s in sources)} 行 = 接受 {sum(s.accepted for s in sources)}"
        f" + 拒收 {sum(s.rejected for s in sources)} + 空行 {sum(s.blank for s in sources)}{skipped_text(sources)}；"
        f"数据质量提醒 {len(result.warnings)} 条。{len(result.roster.names)} 个组织、"
        f"{len(result.roster.leader_org)} 名领导干部。",
        "",
        "| 状态 | 数量 |",
        "|---|---:|",
        *(f"| {Status(status).chinese} | {n} |" for status, n in counts.items()),
        "",
        f"### 问题清单（{len(findings)} 项）",
        "",
    ]
    for line in lines:
        budget.take(line)
    if findings:
        lines += _table(budget, ["组织", "领导干部", "规则", "期间", "状态", "问题描述"],
                        [[f["org"], f["person"], f["rule"], f["period"], Status(f["status"]).chinese, f["message"]]
                         for f in findings], "项")
    else:
        lines.append("没有问题。")
    rejected = issue_list(result.rejected)
    if rejected:
        heading = ["", f"### 拒收的行（{len(rejected)} 行）", ""]
        lines += heading
        for line in heading:
            budget.take(line)
        lines += _table(budget, ["文件", "工作表", "行", "列", "值", "原因"],
                        [[i["source"], i["sheet"], i["row"], i["column"], i["value"], i["reason"]] for i in rejected],
                        "行")
    if budget.cut_cells:
        lines += ["", f"有 {budget.cut_cells} 个单元格超过 {MAX_CELL} 字，只显示前 {MAX_CELL} 字（…）；"
                      "完整内容见 findings.json 或 findings.xlsx。"]
    if result.notes:
        lines += ["", "### 注意", ""]
        budget.left += RESERVE // 2  # the notes may use half the reserve; the rest is margin
        notes = [f"- {cell(note, limit=1000)}" for note in result.notes]
        shown = 0
        for note in notes:
            if not budget.take(note):
                break
            lines.append(note)
            shown += 1
        if shown < len(notes):
            lines.append(f"- 另有 {len(notes) - shown} 条注意事项未列出，见 findings.json 的 notes。")
    return "\n".join(lines) + "\n"


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    """Write the Markdown summary into ``out_dir``; the file written."""
    path = out_dir / FILENAME
    path.write_text(summary(result), encoding="utf-8")
    return [path]
