"""summary.md: a ledger's text stays text in GitHub's renderer (cmark-gfm) and in markdown-it (GitLab-like table
splitting), and the summary stays under GitHub's 1 MiB, cutting cells, then rows, and saying so."""

import re
from html.parser import HTMLParser

import cmarkgfm
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from compliance.cli import main
from compliance.render.markdown import LIMIT, MAX_CELL, cell

HOSTILE = [
    "![x](https://example.com/pixel.png)",
    "**粗** _斜_ ~~删~~ `代码`",
    "<b>粗</b><img src=x onerror=alert(1)><script>alert(1)</script>",
    "a\\|b",  # a backslash before a pipe: splits the row where an even run of backslashes unescapes it
    "a|b\\\\|c",
    "[链接](javascript:alert(1)) <https://example.com> www.example.com https://example.com x@example.com",
    "&amp; &lt;b&gt; &#60;",
    "$x^2$ $$y$$",
    "# 标题\n- 列表\n> 引用\n1. 编号",
    "\\",
    "末尾反斜杠\\",
]


class _Cells(HTMLParser):
    """The text of each <td> of a rendered table, and every tag seen inside cells."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self.tags, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []
        elif self._cell is not None:
            self.tags.append(tag)
            if tag == "br":
                self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag == "td":
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif self._cell is not None:
            self.tags.append("/" + tag)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_comment(self, data):  # cmark-gfm writes <!-- raw HTML omitted --> for HTML it would not show
        if self._cell is not None:
            self.tags.append("comment")


def cells_of(rendered: str) -> tuple[list[list[str]], list[str]]:
    parser = _Cells()
    parser.feed(rendered)
    return [row for row in parser.rows if row], parser.tags


def shown(value: str) -> str:
    """The text a reader sees: the value, with a word joiner before an @ (so that no address becomes a link)."""
    return value.replace("@", "\u2060@")


def table(values: list[str]) -> str:
    return "| 左 | 值 | 右 |\n|---|---|---|\n" + "".join(f"| 甲 | {cell(v)} | 乙 |\n" for v in values)


def github(text: str) -> str:
    """cmark-gfm as GitHub runs it: raw HTML passed through (GitHub sanitises it afterwards), so any HTML that
    is not escaped shows up here."""
    return cmarkgfm.github_flavored_markdown_to_html(text, options=cmarkgfm.Options.CMARK_OPT_UNSAFE)


@pytest.mark.parametrize("render", [
    pytest.param(github, id="cmark-gfm"),
    pytest.param(MarkdownIt("commonmark").enable("table").render, id="markdown-it"),
])
def test_hostile_cells_render_as_their_own_text_in_their_own_cell(render):
    rows, tags = cells_of(render(table(HOSTILE)))
    assert rows == [["甲", shown(value), "乙"] for value in HOSTILE]  # three cells a row, each value as written
    assert set(tags) == {"br"}  # no image, link, emphasis, code, heading or HTML: only our line breaks


def test_the_escaped_bytes():
    assert cell("![x](https://e.cn/a.png) **粗** <b> a\\|b 100%") == (
        r"\!\[x\]\(https\:\/\/e\.cn\/a\.png\) \*\*粗\*\* \<b\> a\\\|b 100\%")
    assert cell("第一行\r\n第二行\x1b[31m") == "第一行<br>第二行␛\\[31m"
    assert cell("甲" * (MAX_CELL + 5)) == "甲" * MAX_CELL + "…"


def test_github_renders_the_escaped_summary_of_a_hostile_ledger(tmp_path):
    ledger = tmp_path / "台账.csv"
    rows = ["支部名称,活动日期,活动类型,活动主题"]
    for i, value in enumerate(HOSTILE):
        rows.append(",".join(['"一支部"', f'"2024-03-{i + 1:02d}"', '"' + value.replace('"', '""') + '"', '"主题"']))
    ledger.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(ledger), "--as-of", "2024-12-31", "--out", str(out),
                                       "--format", "markdown", "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    rendered = github((out / "summary.md").read_text(encoding="utf-8"))
    rows, tags = cells_of(rendered)
    rejected = [row for row in rows if row[0] == "台账.csv"]
    assert [row[4] for row in rejected] == [shown(v) for v in HOSTILE]  # 值: each cell as written
    assert [row[5] for row in rejected] == [shown(f"未知的活动类型“{' '.join(v.split())}”") for v in HOSTILE]
    assert set(tags) == {"br"}
    assert "<img" not in rendered and "<a " not in rendered and "<strong>" not in rendered


def _long_rejected_ledger(path, rows: int, width: int) -> None:
    lines = ["支部名称,活动日期,活动类型,活动主题"]
    lines += [f"一支部,2024-03-05,{'类' * width}{i},主题" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_long_cells_are_cut_and_the_cut_is_said(tmp_path):
    """The issue's case: 150 rejected rows of 5,000 characters gave 4.5 MB."""
    ledger = tmp_path / "台账.csv"
    _long_rejected_ledger(ledger, 150, 5000)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(ledger), "--as-of", "2024-12-31", "--out", str(out),
                                       "--format", "markdown", "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    written = (out / "summary.md").read_bytes()
    assert len(written) < LIMIT
    text = written.decode("utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| 台账\\.csv |")]
    assert len(rows) == 150
    assert rows[0] == (f"| 台账\\.csv |  | 2 | 类型 | {'类' * MAX_CELL}… | 未知的活动类型“{'类' * (MAX_CELL - 8)}… |")
    assert "有 300 个单元格超过 200 字，只显示前 200 字（…）；完整内容见 findings.json 或 findings.xlsx。" in text


def test_rows_stop_at_the_byte_budget_and_say_how_many_more(tmp_path):
    from compliance.pipeline import run_check
    from compliance.render.markdown import RESERVE, summary

    ledger = tmp_path / "台账.csv"
    _long_rejected_ledger(ledger, 120, 190)  # each rejected row ~1.2 KB in the summary, no cell cut
    result = run_check([ledger], None, as_of=__import__("datetime").date(2024, 12, 31))
    full = summary(result)
    assert "另有" not in full and len(re.findall(r"^\| 台账\\\.csv \|", full, re.M)) == 120
    size = RESERVE + 40 * 1024
    capped = summary(result, size=size)
    assert len(capped.encode("utf-8")) <= size
    shown = len(re.findall(r"^\| 台账\\\.csv \|", capped, re.M))
    assert 0 < shown < 120
    assert f"另有 {120 - shown} 行未列出（GitHub 的作业摘要不能超过 1 MiB），见 findings.json 或 findings.xlsx。" in capped
    assert capped.startswith(full[:full.index("### 拒收的行")])  # the findings before it are whole


def test_the_step_summary_keeps_within_1_mib_with_what_the_step_wrote_before(tmp_path, monkeypatch):
    step = tmp_path / "step-summary.md"
    step.write_bytes(b"x" * (LIMIT - 100 * 1024) + b"\n")  # an earlier command of the same step wrote ~924 KB
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step))
    ledger = tmp_path / "台账.csv"
    _long_rejected_ledger(ledger, 150, 190)
    result = CliRunner().invoke(main, ["check", str(ledger), "--as-of", "2024-12-31", "--out", str(tmp_path / "out"),
                                       "--format", "github", "--fail-on", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    assert LIMIT - 20 * 1024 < step.stat().st_size <= LIMIT
    assert "行未列出（GitHub 的作业摘要不能超过 1 MiB），见 findings.json 或 findings.xlsx。" in step.read_text(encoding="utf-8")
