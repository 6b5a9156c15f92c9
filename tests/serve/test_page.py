"""The page a branch secretary uses: drop the ledgers, land on the lights, download the problem list — in a real
Chromium with JavaScript and without — and the same pages as the command line writes."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from compliance.cli import main
from tests.browser import RED, YELLOW, background, chromium, manual_screenshot, matrix_row, watched
from tests.serve.test_api import DEMO, demo_files

LEDGERS = sorted((DEMO / "ledgers").iterdir())
ROSTER = sorted((DEMO / "roster").iterdir())


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def cli_reports(tmp_path_factory):
    """The command line's reports for the demo on 15 November, run in a folder laid out like a run's."""
    here = tmp_path_factory.mktemp("cli-pages")
    shutil.copytree(DEMO / "ledgers", here / "台账")
    shutil.copytree(DEMO / "roster", here / "名册")
    result = CliRunner().invoke(main, ["check", str(here / "台账"), "--roster", str(here / "名册"),
                                       "--as-of", "2024-11-15", "--out", str(here / "out"), "-q"])
    assert result.exit_code == 1
    return here / "out", result.stdout.splitlines()[:-1]  # the summary, less “报告已写入 …”


def test_the_pages_are_the_command_lines(plain, cli_reports):
    out, summary = cli_reports
    with plain.client() as client:
        posted = client.post("/check", files=demo_files(), data={"as_of": "2024-11-15"})
        assert posted.status_code == 303 and re.fullmatch(r"/runs/[A-Za-z0-9_-]{24}/", posted.headers["location"])
        where = posted.headers["location"]
        index = client.get(where)
        xlsx = client.get(where + "findings.xlsx")
        pages = client.get(where + "reports.zip")
        branch = client.get(where + "orgs/第一中学第二党支部.html")
        outside = client.get(where + "../../etc/passwd")
    bar = index.text.split('<div class="serve-bar" id="serve-bar">')[1].split("</div>")[0]
    assert re.findall(r"<p>([^<]*)</p>", bar)[:len(summary)] == summary
    without_bar = re.sub(r"<style>\n\.serve-bar.*?</div>\n", "", index.text, count=1, flags=re.S)
    assert without_bar == (out / "index.html").read_text(encoding="utf-8")
    assert branch.content == (out / "orgs" / "第一中学第二党支部.html").read_bytes()
    assert xlsx.headers["content-disposition"] == 'attachment; filename="findings.xlsx"'
    assert xlsx.content == (out / "findings.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(pages.content)) as book:
        names = book.namelist()
        assert names == sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
        assert book.read("orgs/第一中学党委.html") == (out / "orgs" / "第一中学党委.html").read_bytes()
    assert outside.status_code == 404


def test_a_refused_roster_shows_the_command_lines_message(plain):
    with plain.client() as client:
        posted = client.post("/check", files=[*demo_files(roster=False), ("roster", ("组织.csv", ROSTER[0].read_bytes()))],
                             data={"as_of": "2024-11-15"})
        shown = client.get(posted.headers["location"])
    assert shown.status_code == 422
    assert re.search(r'<p class="error" role="alert">错误：([^<]*)</p>', shown.text).group(1) == \
        "文件 名册：名册文件夹中缺少 领导干部.csv"  # as `compliance check --roster 名册` says


def test_a_bad_range_comes_back_to_the_form_as_she_wrote_it(plain):
    with plain.client() as client:
        shown = client.post("/check", files=demo_files(roster=False), data={"as_of": "2024-12-31",
                                                                              "period": "2024上半年"})
    assert shown.status_code == 422
    assert '<p class="error" role="alert">错误：检查期间（period）：' in shown.text and 'id="ledgers"' in shown.text
    assert 'name="as_of" value="2024-12-31"' in shown.text and 'name="period" value="2024上半年"' in shown.text


def upload_and_look(page, url: str, tmp_path: Path, scripts: bool) -> None:
    page.goto(url + "/")
    assert page.title() == "上传台账 · 党组织活动台账检查"
    page.set_input_files("#ledgers", [str(p) for p in LEDGERS])
    page.set_input_files("#roster", [str(p) for p in ROSTER])
    if scripts:  # the chosen files are listed, and the drop zone offers itself
        assert page.locator("#chosen li").all_inner_texts() == [p.name for p in LEDGERS]
        assert page.locator("#drop-hint").is_visible()
    else:
        assert not page.locator("#chosen").is_visible() and not page.locator("#drop-hint").is_visible()
    page.locator("#as_of").fill("2024-11-15")
    if scripts:  # the manual's pictures (compliance/manual/images): what a secretary sees, step by step
        page.locator("#as_of").blur()
        manual_screenshot(page.locator("body"), "upload.png")
    page.locator("#go").click()
    page.wait_for_url(re.compile(r"/runs/[A-Za-z0-9_-]{24}/$"))
    assert page.title() == "党建活动台账检查总览 2024"
    assert page.locator("#serve-bar p").first.inner_text().startswith("检查期间 2024，检查日 2024-11-15：6 个台账文件")
    second = matrix_row(page, "第一中学第二党支部")
    assert background(second.locator(".light")) == RED
    assert second.locator("td.num").all_inner_texts() == ["5", "0", "2", "92.1%", "86.5%"]
    assert background(matrix_row(page, "区委教育工委").locator(".light")) == YELLOW
    assert page.locator("p.meta").first.inner_text() == "检查期间 2024，检查日 2024-11-15 · 8 个组织： 红 7 ·  黄 1 ·  绿 0"
    assert page.locator("#controls").is_visible() is scripts  # the filter needs the report's own inline script
    if scripts:
        manual_screenshot(page, "index.png")

    with page.expect_download() as download:
        page.get_by_text("问题清单（findings.xlsx）").click()
    saved = tmp_path / "findings.xlsx"
    download.value.save_as(saved)
    sheet = openpyxl.load_workbook(saved).worksheets[0]
    assert download.value.suggested_filename == "findings.xlsx"
    assert sheet.title == "问题清单" and [c.value for c in sheet[1]][:3] == ["序号", "单位", "上级单位"]
    assert sum(1 for row in sheet.iter_rows(min_row=2) if row[1].value == "第一中学第二党支部") == 5

    second.locator("a").click()
    page.wait_for_load_state()
    assert page.url.endswith("/orgs/%E7%AC%AC%E4%B8%80%E4%B8%AD%E5%AD%A6%E7%AC%AC%E4%BA%8C%E5%85%9A%E6%94%AF%E9%83%A8.html")
    assert page.locator("h1").inner_text().strip() == "第一中学第二党支部"
    assert background(page.locator("h1 .light")) == RED
    assert page.locator("table.findings tbody tr").count() == 5
    if scripts:
        manual_screenshot(page, "branch.png")
        heading, table = page.locator("h2", has_text="拒收的行"), page.locator("h2:has-text('拒收的行') + table")
        top, bottom = heading.bounding_box(), table.bounding_box()  # from the heading to the table's end
        manual_screenshot(page, "rejected.png", full_page=True,
                          clip={"x": bottom["x"] - 8, "y": top["y"] - 8, "width": bottom["width"] + 16,
                                "height": bottom["y"] + bottom["height"] - top["y"] + 16})


def test_in_a_browser(browser, plain, tmp_path):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1300, "height": 1000})
    page = watched(context.new_page())
    upload_and_look(page, plain.url, tmp_path, scripts=True)
    assert page.problems == []  # nothing refused by the policy, no script errors
    context.close()


def test_in_a_browser_without_javascript(browser, plain, tmp_path):
    context = browser.new_context(accept_downloads=True, java_script_enabled=False,
                                  viewport={"width": 1300, "height": 1000})
    page = watched(context.new_page())
    upload_and_look(page, plain.url, tmp_path, scripts=False)
    assert page.problems == []
    context.close()


def test_the_help_link_and_an_error_that_points_to_the_manual(browser, plain):
    """帮助 opens the secretary's page of the manual, served by the app itself with its screenshots (the policy
    lets nothing come from anywhere else, so it works offline); an error the manual explains links its entry."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = watched(context.new_page())
    page.goto(plain.url + "/")
    page.set_input_files("#ledgers", [str(p) for p in LEDGERS])
    page.locator("#period").fill("2024上半年")
    page.locator("#go").click()
    page.wait_for_load_state()
    assert page.locator("p.error").inner_text().startswith("错误：检查期间（period）：无法识别期间“2024上半年”")
    faq = page.locator("#faq a")
    assert faq.inner_text() == "常见问题第 16 条“检查日或检查期间有误”"
    top, bottom = page.locator("h1").bounding_box(), page.locator("#faq").bounding_box()
    manual_screenshot(page, "error.png", clip={"x": top["x"] - 8, "y": top["y"] - 8, "width": 776,
                                                "height": bottom["y"] + bottom["height"] - top["y"] + 16})
    faq.click()
    page.wait_for_url(plain.url + "/help/faq#period")
    assert page.locator("h2", has=page.locator("a#period")).inner_text() == "16. 检查日或检查期间有误"

    page.problems.clear()  # the refused form came back as 422, which the console reports
    page.goto(plain.url + "/")
    page.locator("#help").click()
    page.wait_for_url(plain.url + "/help/secretary")
    assert page.title() == "支部书记：每月自查 · 党组织活动台账检查"
    assert page.locator("article h1").inner_text() == "支部书记：每月自查"
    widths = page.locator("article img").evaluate_all("images => images.map(i => i.complete && i.naturalWidth)")
    assert len(widths) == 5 and all(w > 500 for w in widths), widths  # every screenshot loaded, from this server
    font = page.locator("article").evaluate("node => getComputedStyle(node).fontFamily")
    assert font.startswith('"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei"')
    assert page.problems == []  # nothing refused by the policy
    context.close()


def test_minutes_uploaded_in_a_browser_are_records_named_by_document_and_table(browser, plain, tmp_path):
    """A secretary picks a Word document and a .zip of a folder of them (issue 31): the index lights her branch from
    the minutes alone, and its page names each meeting by its document and table, with who was absent."""
    from tests.minutes_docs import committee, grid_minutes

    title = "中共第一中学委员会第一党支部2024年{}月支委会记录"
    folder = tmp_path / "一支部会议记录"
    folder.mkdir()
    for month in (3, 4):
        committee(folder / f"{month}月支委会.docx", title.format(month), f"2024-{month:02d}-08 14:30", f"研究{month}月工作")
    with zipfile.ZipFile(tmp_path / "会议记录.zip", "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{folder.name}/{path.name}")
    meeting = grid_minutes(tmp_path / "党员大会.docx", "第一中学第一党支部党员大会记录", [
        ["时间", "2024-06-20 14:30", "主持人", "李明"], ["应到人数", "30", "实到人数", "14"],
        ["缺席人员及原因", "张三,李四(出差)"]])
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = watched(context.new_page())
    page.goto(plain.url + "/")
    page.set_input_files("#ledgers", [str(meeting), str(tmp_path / "会议记录.zip")])
    page.locator("#as_of").fill("2024-12-31")
    page.locator("#go").click()
    page.wait_for_url(re.compile(r"/runs/[A-Za-z0-9_-]{24}/$"))
    assert page.locator("#serve-bar p").first.inner_text().startswith(
        "检查期间 2024，检查日 2024-12-31：3 个台账文件，读取 3 行 = 接受 3 + 拒收 0 + 空行 0")
    branch = matrix_row(page, "第一中学第一党支部")
    assert background(branch.locator(".light")) == RED
    branch.locator("a").click()
    page.wait_for_load_state()
    quorum = page.locator("table.findings tbody tr", has_text="支部党员大会实到人数须超过应到人数的一半")
    assert quorum.locator("ul.evidence li").all_inner_texts() == [
        "党员大会.docx · 表格 · 2024-06-20 支部党员大会 · 缺席：张三、李四"]
    committee_rows = page.locator("table.findings tbody tr", has_text="每月至少召开1次支部委员会")
    assert committee_rows.count() == 10  # March and April held, each proved by its own minutes in the zip
    assert page.problems == []
    context.close()
