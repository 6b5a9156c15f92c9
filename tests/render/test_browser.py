"""The demo's reports in a real headless Chromium (Debian's, driven by Playwright): the lights and counts a person
sees, a link followed from the index to a branch, sorting and filtering, no console errors, a screenshot. Without
a browser the module is skipped, or fails in CI (tests/browser.py).
"""

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from tests.browser import RED, YELLOW, background, chromium, manual_screenshot, matrix_row, watched

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "reports"
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                       "--as-of", "2024-11-15", "--out", str(out)])
    assert result.exit_code == 1, result.output
    return out


@pytest.fixture
def page(browser):
    page = watched(browser.new_page(viewport={"width": 1300, "height": 1000}))
    yield page
    page.close()


def test_index_lights_counts_and_a_link_to_a_branch(page, reports, tmp_path):
    page.goto((reports / "index.html").as_uri())
    assert page.title() == "党建活动台账检查总览 2024"
    second = matrix_row(page, "第一中学第二党支部")
    assert background(second.locator(".light")) == RED
    # violations, due, rejected rows, 完成率 (58 of 63 periods met), 出席率, and the next deadline
    assert second.locator("td.num").all_inner_texts() == ["5", "0", "2", "92.1%", "86.5%"]
    assert second.locator("td").last.inner_text() == "2024-12-31"
    assert background(matrix_row(page, "区委教育工委").locator(".light")) == YELLOW
    quorum = page.locator("#matrix thead th").filter(has_text="支部党员大会实到人数须超过应到人数的一半")
    column = quorum.evaluate("th => th.cellIndex")
    cell = second.locator("td").nth(column)
    assert cell.inner_text() == "1" and background(cell) == RED
    met = matrix_row(page, "第一中学退休党支部").locator("td").nth(column)
    assert met.inner_text() == "✓" and background(met) == "rgb(205, 235, 211)"
    unit = matrix_row(page, "区委教育工委").locator("td").nth(column)
    assert unit.inner_text() == "" and background(unit) == "rgb(255, 255, 255)"  # a branch rule: not applicable
    assert page.locator("#matrix tfoot td").first.inner_text() == "违规合计"
    page.screenshot(path=str(tmp_path / "index.png"), full_page=True)

    second.locator("a").click()
    page.wait_for_load_state()
    assert page.url.endswith("/orgs/%E7%AC%AC%E4%B8%80%E4%B8%AD%E5%AD%A6%E7%AC%AC%E4%BA%8C%E5%85%9A%E6%94%AF%E9%83%A8.html")
    assert page.locator("h1").inner_text().strip() == "第一中学第二党支部"
    assert background(page.locator("h1 .light")) == RED
    committee = page.locator("table.grid tbody tr").filter(has_text="每月至少召开1次支部委员会")
    cells = committee.locator("td")
    assert cells.all_inner_texts() == ["1", "0"] + ["1"] * 9 + [""]
    assert background(cells.nth(1)) == RED and background(cells.nth(0)) == "rgb(205, 235, 211)"
    assert cells.nth(11).get_attribute("class") == "s-none"  # December: not judged on 15 November
    lecture = page.locator("table.grid tbody tr").filter(has_text="每季度至少召开1次支部党员大会")
    assert [c.get_attribute("colspan") for c in lecture.locator("td").all()] == ["3", "3", "3", "3"]
    assert page.locator("table.findings tbody tr").count() == 5
    assert page.locator("table.plan tbody tr").all_inner_texts() == [
        "2024-12-31\t46\t即将开始\t每月至少召开1次支部委员会\t2024-12\t\t0/1",
        "2024-12-31\t46\t即将开始\t每月至少开展1次主题党日活动\t2024-12\t\t0/1"]
    page.screenshot(path=str(tmp_path / "branch.png"), full_page=True)
    assert (tmp_path / "index.png").stat().st_size > 10_000 and (tmp_path / "branch.png").stat().st_size > 10_000
    assert page.problems == []


def test_sorting_and_filtering_the_matrix(page, reports):
    page.goto((reports / "index.html").as_uri())
    assert page.locator("#controls").is_visible()
    page.locator("#matrix thead th", has_text="违规").last.click()
    names = page.locator("#matrix tbody tr").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert names[0] == "第一中学第二党支部"
    page.fill("#filter", "实验小学")
    visible = page.locator("#matrix tbody tr:visible").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert visible == ["实验小学党总支", "实验小学教工党支部"]
    page.fill("#filter", "")
    page.select_option("#light-filter", "yellow")
    assert page.locator("#matrix tbody tr:visible").evaluate_all("rows => rows.map(r => r.dataset.name)") == [
        "区委教育工委"
    ]
    assert page.problems == []


def test_without_javascript_the_matrix_is_a_plain_table(browser, reports):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto((reports / "index.html").as_uri())
    assert not page.locator("#controls").is_visible()
    assert page.locator("#matrix tbody tr:visible").count() == 8
    context.close()


def test_the_pages_print_on_a4(page, reports, tmp_path):
    page.goto((reports / "orgs" / "第一中学党委.html").as_uri())
    page.pdf(path=str(tmp_path / "unit.pdf"), format="A4", print_background=True)
    assert (tmp_path / "unit.pdf").read_bytes().startswith(b"%PDF")
    page.emulate_media(media="print")
    width = page.locator("table.grid").first.evaluate("t => t.getBoundingClientRect().width")
    assert width <= 1300


CHARACTER_BOXES = """th => {
    const span = th.querySelector('span'), text = span.firstChild, box = th.getBoundingClientRect();
    const range = document.createRange(), out = [];
    for (let i = 0; i < text.length; i++) {
        range.setStart(text, i); range.setEnd(text, i + 1);
        const r = range.getBoundingClientRect();
        out.push([text.data[i], r.left, r.top, r.right, r.bottom,
                  r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.top >= box.top - 0.5
                  && r.bottom <= box.bottom + 0.5]);
    }
    return out;
}"""


def dark_pixels(png: bytes, box: tuple[int, int, int, int] | None = None) -> int:
    """Pixels darker than mid-grey in a PNG screenshot (8-bit RGB or RGBA, not interlaced: what Chromium writes),
    within ``box`` (left, top, right, bottom in pixels) when given."""
    import struct
    import zlib

    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    chunks, position = b"", 8
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position:position + 8])
        if kind == b"IDAT":
            chunks += png[position + 8:position + 8 + length]
        position += 12 + length
    raw, channels = zlib.decompress(chunks), 3 if colour == 2 else 4
    stride, previous, dark = width * channels, bytearray(width * channels), 0
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        left_px, top_px, right_px, bottom_px = box or (0, 0, width, height)
        if top_px <= y < bottom_px:
            dark += sum(1 for x in range(left_px * channels, min(right_px, width) * channels, channels)
                        if sum(line[x:x + 3]) < 3 * 128)
        previous = line
    return dark


def test_every_rule_title_is_laid_out_whole_with_wenquanyi(page, reports):
    """With WenQuanYi Micro Hei, the CJK font Debian and our CI install, as the only font: every rule title in the
    index's header is laid out character by character, each inside its header cell, none on top of another."""
    page.goto((reports / "index.html").as_uri())
    page.add_style_tag(content='* { font-family: "WenQuanYi Micro Hei" !important; }')
    headers = page.locator("#matrix thead th.rule")
    assert headers.count() == 27
    shown = headers.evaluate_all("ths => ths.map(th => th.querySelector('span').textContent)")
    assert "每年第一季度签订党建目标责任书" in shown and "每年6月1日至7月10日开展七一纪念活动" in shown
    for index in range(headers.count()):
        boxes = headers.nth(index).evaluate(CHARACTER_BOXES)
        text = "".join(b[0] for b in boxes)
        assert all(right - left > 1 and bottom - top > 1 for _, left, top, right, bottom, _ in boxes), text
        assert all(inside for *_, inside in boxes), text
        for (_, _, t1, r1, b1, _), (_, l2, t2, _, _, _) in itertools.pairwise(boxes):
            same_line = abs(t1 - t2) < 1
            assert (r1 <= l2 + 0.5) if same_line else (t2 >= b1 - 0.5), f"{text}: characters overlap"
    # set horizontally: vertical CJK text depends on the font's vertical metrics, which WenQuanYi gets wrong
    modes = headers.evaluate_all("ths => ths.map(th => getComputedStyle(th.querySelector('span')).writingMode)")
    assert set(modes) == {"horizontal-tb"}
    # and painted: the 一 of 每年第一季度签订党建目标责任书 (the character that vanished when set vertically)
    letter = headers.filter(has_text="党建目标责任书")
    letter.scroll_into_view_if_needed()
    cell = letter.bounding_box()
    one = letter.evaluate(CHARACTER_BOXES)[3]
    assert one[0] == "一"
    box = (round(one[1] - cell["x"]), round(one[2] - cell["y"]), round(one[3] - cell["x"]), round(one[4] - cell["y"]))
    assert dark_pixels(letter.screenshot(), box) >= 3


def test_a_units_page(page, reports):
    """A 党委's page: its branches with their lights, its leaders' own rules (the manual's picture for inspectors)."""
    page.goto((reports / "orgs" / "第一中学党委.html").as_uri())
    assert page.locator("h1").inner_text().strip() == "第一中学党委"
    assert [row.locator("td a").inner_text() for row in page.locator("table.below tbody tr").all()] == [
        "第一中学第一党支部", "第一中学第二党支部", "第一中学退休党支部"]
    manual_screenshot(page, "unit.png")
    assert page.problems == []
