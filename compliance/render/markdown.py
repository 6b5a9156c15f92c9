"""``--format markdown``: ``summary.md``, the run as a Markdown job summary — counts per status, the findings
table, the rejected rows — for GitLab and any CI that shows Markdown; ``--format github`` writes the same text to
GitHub's job summary (``GITHUB_STEP_SUMMARY``) when it is set.

Cells are escaped for Markdown tables and HTML (a ledger's text is never markup). A summary stays well under
GitHub's 1 MiB limit: past ``MAX_ROWS`` rows a table says how many more there are and where they are.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from compliance.domain import Status, status_counts
from compliance.render.common import issue_list, skipped_text

if TYPE_CHECKING:
    from compliance.pipeline import CheckResult

FILENAME = "summary.md"
MAX_ROWS = 300


def cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def _table(header: list[str], rows: list[list], more: str) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows[:MAX_ROWS]]
    if len(rows) > MAX_ROWS:
        lines += ["", f"另有 {len(rows) - MAX_ROWS} {more}未列出，见 findings.json 或 findings.xlsx。"]
    return lines


def summary(result: CheckResult) -> str:
    findings = result.findings()
    counts = status_counts(f["status"] for f in findings)
    sources = result.sources
    lines = [
        f"## 党建活动台账检查 {result.audit.label}（检查日 {result.as_of}）",
        "",
        f"{len(sources)} 个台账文件：读取 {sum(s.read for s in sources)} 行 = 接受 {sum(s.accepted for s in sources)}"
        f" + 拒收 {sum(s.rejected for s in sources)} + 空行 {sum(s.blank for s in sources)}{skipped_text(sources)}；"
        f"数据质量提醒 {len(result.warnings)} 条。{len(result.roster.orgs)} 个组织、"
        f"{len(result.roster.leaders)} 名领导干部。",
        "",
        "| 状态 | 数量 |",
        "|---|---:|",
        *(f"| {Status(status).chinese} | {n} |" for status, n in counts.items()),
        "",
        f"### 问题清单（{len(findings)} 项）",
        "",
    ]
    if findings:
        lines += _table(["组织", "领导干部", "规则", "期间", "状态", "问题描述"],
                        [[f["org"], f["person"], f["rule"], f["period"], Status(f["status"]).chinese, f["message"]]
                         for f in findings], "项")
    else:
        lines.append("没有问题。")
    rejected = issue_list(result.rejected)
    if rejected:
        lines += ["", f"### 拒收的行（{len(rejected)} 行）", ""]
        lines += _table(["文件", "工作表", "行", "列", "值", "原因"],
                        [[i["source"], i["sheet"], i["row"], i["column"], i["value"], i["reason"]] for i in rejected],
                        "行")
    if result.notes:
        lines += ["", "### 注意", "", *(f"- {cell(note)}" for note in result.notes)]
    return "\n".join(lines) + "\n"


def render(result: CheckResult, out_dir: Path) -> list[Path]:
    path = out_dir / FILENAME
    path.write_text(summary(result), encoding="utf-8")
    return [path]
