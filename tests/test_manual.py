"""The user manual (compliance/manual) cannot rot: every page it links and every picture it shows exists, every
anchor it links to is there, 常见问题's entries are the ones the messages point to, and every `compliance …` command
it shows runs — for real on the bundled fixtures, else its --help."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from compliance.cli import main
from compliance.manual import FAQ, FOLDER, IMAGES, PAGES, pointer, question_for, render

REPO = Path(__file__).resolve().parents[1]


def tokens(name: str):
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    for token in md.parse((FOLDER / f"{name}.md").read_text(encoding="utf-8")):
        yield token
        yield from token.children or ()


def references(name: str) -> tuple[list[str], list[str]]:
    links = [str(t.attrGet("href")) for t in tokens(name) if t.type == "link_open"]
    images = [str(t.attrGet("src")) for t in tokens(name) if t.type == "image"]
    return links, images


def anchors(name: str) -> set[str]:
    return set(re.findall(r'<a id="([^"]+)"></a>', (FOLDER / f"{name}.md").read_text(encoding="utf-8")))


def test_the_pages_are_the_five_parts_and_their_index():
    assert sorted(PAGES) == sorted(p.stem for p in FOLDER.glob("*.md"))
    assert set(PAGES) == {"index", "secretary", "inspector", "admin", "rules", "faq"}
    for name, title in PAGES.items():
        assert (FOLDER / f"{name}.md").read_text(encoding="utf-8").startswith(f"# {title}\n")


@pytest.mark.parametrize("name", PAGES)
def test_every_link_and_picture_exists(name):
    links, images = references(name)
    for href in links:
        assert not re.match(r"[a-z]+:", href), f"{name}.md links outside the manual ({href}): it must work offline"
        page, _, anchor = href.partition("#")
        target = page.removesuffix(".md") if page else name
        assert page == "" or (page.endswith(".md") and target in PAGES), f"{name}.md: {href}"
        assert not anchor or anchor in anchors(target), f"{name}.md: no anchor {anchor!r} in {target}.md"
    for src in images:
        assert src.startswith("images/") and (FOLDER / src).is_file(), f"{name}.md: {src}"


def test_every_picture_is_shown_somewhere():
    shown = {src for name in PAGES for src in references(name)[1]}
    assert {f"images/{p.name}" for p in IMAGES.glob("*.png")} == shown


def test_the_faq_entries_are_the_ones_messages_point_to():
    text = (FOLDER / "faq.md").read_text(encoding="utf-8")
    headings = re.findall(r'^## <a id="([^"]+)"></a>(\d+)\. (.+)$', text, re.M)
    assert [(q.anchor, str(q.number), q.title) for q in FAQ] == headings


@pytest.mark.parametrize(("message", "number"), [
    ("文件 通讯录.csv：找不到台账表头：最像表头的是第 1 行（姓名、电话）……", 1),
    ("文件 台账.xlsx：工作簿受密码保护，无法读取；请在 Excel/WPS 中取消密码后另存，再重新检查", 2),
    ("文件 nothing：文件或文件夹不存在", 3),
    ("文件 统计表.xlsx，工作表“统计”，第 6 行，列“支部委员会”：统计表记 2 次，台账记录 1 次（2024年5月，取较大者，以统计表为准）", 20),
    ("第 5 行，列“支委会次数·11月”：次数“1.5”不是整数，该格未计入（次数应为不小于 0 的整数）", 20),
    ("日期“2024年13月5日”不存在", 4),
    ("文件 名册：名册文件夹中缺少 领导干部.csv", 5),
    ("文件 名册.xlsx，工作表“组织”，第 3 行，列“上级组织”：上级组织“一中党委”不在名册中", 5),
    ("组织“第三中学党支部”不在名册中，最接近的有：第一中学退休党支部", 6),
    ("未知的活动类型“联谊活动”", 7),
    ("日期晚于检查日 2024-11-15，不计入本次检查", 9),
    ("实到人数多于应到人数（应到 20）", 10),
    ("台账中没有“会前说纪”列，无法核验", 13),
    ("列“--period”：无法识别期间“2024上半年”，应写作 2024 或 2024-01..2024-06", 16),
    ("这次检查不存在或已过期删除（检查结果保留 60 分钟）。请重新上传台账。", 18),
    ("文件 my-rules.yaml：规则文件无效。\n规则“theme-day-monthly”的键“period”：…", 19),
])
def test_a_message_finds_its_entry(message, number):
    assert question_for(message).number == number


def test_a_message_without_an_entry_finds_none():
    assert question_for("上传在完成之前中断了") is None and pointer(["上传在完成之前中断了"]) is None


def test_an_error_on_the_command_line_points_to_its_entry(tmp_path):
    ledger = tmp_path / "通讯录.csv"
    ledger.write_text("姓名,电话\n张三,123\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(ledger), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[1] == (
        f"说明：见使用说明“常见问题”第 1 条“找不到台账表头”（compliance serve 网页上的“帮助”，或 {FOLDER / 'faq.md'}）")


def test_validate_points_to_the_entries_of_its_reasons():
    result = CliRunner().invoke(main, ["validate", str(REPO / "fixtures/messy/ledgers"), "--roster",
                                       str(REPO / "fixtures/demo/roster"), "--as-of", "2024-12-31"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[-1].startswith(
        "说明：见使用说明“常见问题”第 4 条“日期无法识别”、第 6 条“组织不在名册中”、第 7 条“活动类型无法确定”、"
        "第 10 条“人数或“会前说纪”有误”")


def commands() -> list[tuple[str, str]]:
    """Every `compliance …` line of every code block of the manual, with the page it is on."""
    found = []
    for name in PAGES:
        for token in tokens(name):
            if token.type != "fence":
                continue
            for line in token.content.replace("\\\n", " ").splitlines():
                if line.strip().startswith("compliance "):
                    found.append((name, line.strip()))
    return found


def test_the_manual_shows_commands():
    shown = {shlex.split(line)[1] for _, line in commands()}
    assert {"check", "validate", "plan", "rules", "serve", "template", "layout", "--version"} <= shown


@pytest.mark.parametrize(("page", "line"), commands())
def test_every_command_shown_runs(page, line, tmp_path, monkeypatch):
    """A command on the bundled fixtures, or needing none, runs as shown (in an empty folder, its outputs landing
    there); any other — it names a district's own files, or starts a server — answers --help."""
    words = shlex.split(line, comments=True)
    words = words[:words.index(">")] if ">" in words else words
    arguments = words[1:]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    if arguments[0] in ("rules", "template") or any(w.startswith(("fixtures/", "examples/")) for w in arguments):
        arguments = [str(REPO / w) if w.startswith(("fixtures/", "examples/")) else w for w in arguments]
        result = runner.invoke(main, arguments)
        assert result.exit_code in (0, 1), f"{page}.md: {line}\n{result.output}"
        assert not result.output.startswith("错误："), result.output
        return
    if arguments in (["--version"], ["--help"]):
        result = runner.invoke(main, arguments)
        assert result.exit_code == 0, f"{page}.md: {line}\n{result.output}"
        return
    command = [w for w in arguments if not w.startswith("-")][:2 if arguments[0] == "layout" else 1]
    result = runner.invoke(main, [*command, "--help"])
    assert result.exit_code == 0, f"{page}.md: {line}\n{result.output}"
    for option in (w.split("=")[0] for w in arguments if w.startswith("--")):
        assert option in result.output, f"{page}.md: {line} — {option} is not an option of it"


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(name):
    html = render(name)
    assert html.startswith(f"<h1>{PAGES[name]}</h1>")
    assert ".md" not in "".join(re.findall(r'href="([^"]*)"', html))  # links between the served pages


def test_pip_install_ships_the_manual():
    """The manual is package data (the server reads it from the installed package), pages and pictures alike."""
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["compliance.manual"]
    assert "markdown-it-py>=3.0" in project["project"]["dependencies"]
    shipped = {p for pattern in patterns for p in FOLDER.glob(pattern)}
    assert shipped == {p for p in FOLDER.rglob("*") if p.is_file() and p.suffix in (".md", ".png")}
