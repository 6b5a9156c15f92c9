"""The user manual (使用说明): one Markdown page in Chinese per reader, shipped with the package, served by
``compliance serve`` at /help/ (rendered here, offline) and pointed to by the messages it explains.

``FAQ`` lists the entries of 常见问题 (faq.md) that a message can be matched to; a test keeps it and the page
in step. ``pointer`` is the line the command line adds under such a message; the page links the entry instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
IMAGES = FOLDER / "images"

# page name (its file is NAME.md) → its title in the help's navigation, in reading order
PAGES = {
    "index": "使用说明",
    "secretary": "支部书记：每月自查",
    "inspector": "督查组：检查与整改",
    "admin": "管理员：安装、启动与维护",
    "rules": "写规则",
    "faq": "常见问题",
}
SECRETARY = "/help/secretary"  # where the page's 帮助 link goes


@dataclass(frozen=True)
class Question:
    """An entry of 常见问题: its number and anchor in faq.md, its title, and the messages it explains."""

    number: int
    anchor: str
    title: str
    pattern: str  # a regular expression searched in the message

    @property
    def href(self) -> str:
        return f"/help/faq#{self.anchor}"


FAQ = (
    Question(1, "no-header", "找不到台账表头", r"找不到台账表头"),
    Question(2, "unreadable", "无法读取文件",
             r"无法读取工作簿|工作簿受密码保护|文件为空|无法读取文件|CSV 格式错误"),
    Question(3, "no-ledgers", "没有找到台账文件", r"没有找到台账文件|文件或文件夹不存在"),
    Question(4, "bad-date", "日期无法识别",
             r"无法识别的日期|只有年月，缺少日|日期为空|日期“[^”]*”不存在|日期“[^”]*”不在合理范围|日期范围“[^”]*”的结束"),
    Question(5, "roster", "名册有误",
             r"名册缺少工作表|名册文件夹中缺少|名册文件或文件夹不存在|名册中没有组织|上级组织|所在单位“|别名“|"
             r"离任日期早于任职日期|应包含列|缺少必需的列"),
    Question(6, "org-not-in-roster", "组织不在名册中", r"不在名册中|组织为空|像是一个组织"),
    Question(7, "type", "活动类型无法确定", r"活动类型为空|未知的活动类型"),
    Question(8, "table-unused", "整张表没有使用", r"无法确定.*全部 \d+ 行未使用|表头中没有"),
    Question(9, "after-as-of", "记录不计入本次检查", r"日期晚于检查日|本次检查不计入"),
    Question(10, "counts", "人数或“会前说纪”有误",
             r"实到人数多于应到人数|人数“|无法识别的标记"),
    Question(11, "duplicate", "疑似重复记录", r"疑似重复记录"),
    Question(12, "leader-name", "与领导干部只差一个字", r"只差一个字"),
    Question(13, "unverifiable", "无法核验", r"无法核验"),
    Question(14, "no-roster", "未提供名册", r"未提供名册"),
    Question(15, "limits", "超过读取上限", r"超过上限|超过读取器能容纳|解压后"),
    Question(16, "period", "检查日或检查期间有误", r"无法识别期间|不是有效日期|期间“[^”]*”|没有可以判断的期间"),
    Question(17, "token", "访问令牌和访问限制",
             r"令牌|不接受主机名|不接受来自其他网站的提交"),
    Question(18, "expired", "检查结果已过期删除", r"已过期删除"),
    Question(19, "config", "规则、豁免、格式或基线文件有误",
             r"规则文件无效|豁免文件无效|格式文件无效|格式文件指定|基线"),
    Question(20, "count-tables", "统计表（按月的次数）",
             r"统计表记 \d+ 次|次数“|按月次数计算|按各次数计算|无法确定年份|无法按次数读取|合并了多类活动"),
)


def question_for(message: str | None) -> Question | None:
    """The entry of 常见问题 that explains ``message``, if any (the first whose pattern it matches)."""
    if not message:
        return None
    return next((q for q in FAQ if re.search(q.pattern, message)), None)


def pointer(messages: str | list[str]) -> str | None:
    """The line under a message on the command line that says where the manual explains it."""
    found = sorted({q for m in ([messages] if isinstance(messages, str) else messages) if (q := question_for(m))},
                   key=lambda q: q.number)
    if not found:
        return None
    entries = "、".join(f"第 {q.number} 条“{q.title}”" for q in found)
    return f"说明：见使用说明“常见问题”{entries}（compliance serve 网页上的“帮助”，或 {FOLDER / 'faq.md'}）"


# --- rendering, for the served help --------------------------------------------------------------------------------

_MD_LINK = re.compile(r"^([a-z]+)\.md(#.*)?$")


@cache
def render(name: str) -> str:
    """The HTML of page ``name`` (a key of PAGES): links between pages (``faq.md#bad-date``) become links between
    the served pages (``faq#bad-date``); images stay relative (``images/…``, served beside them)."""
    from markdown_it import MarkdownIt

    if name not in PAGES:
        raise KeyError(name)
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    tokens = md.parse((FOLDER / f"{name}.md").read_text(encoding="utf-8"))
    for token in tokens:
        children = token.children or []
        for i, child in enumerate(children):
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if match := _MD_LINK.match(href):
                    child.attrSet("href", match.group(1) + (match.group(2) or ""))
            elif child.type == "softbreak" and _joins_chinese(children, i):
                child.type = "text"  # a line break inside a Chinese sentence is no space (the browser would show one)
    return md.renderer.render(tokens, md.options, {})


def _joins_chinese(children: list, i: int) -> bool:
    before = next((c.content for c in reversed(children[:i]) if c.content), "")
    after = next((c.content for c in children[i + 1:] if c.content), "")
    return bool(before and after) and (not before[-1].isascii() or not after[0].isascii())


def image(name: str) -> Path | None:
    """A screenshot of the manual by its file name, or None (no other file is ever served)."""
    return next((p for p in IMAGES.glob("*.png") if p.name == name), None)
