"""``--org``: a self-check of one unit against the district's roster judges that unit and everything below it
exactly as the district's inspection does, and nothing of the rest of the district reaches any output."""

import csv
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from tests.helpers import DEMO

REPO = Path(__file__).resolve().parents[2]


def check(tmp_path, name, ledgers, roster, *extra, formats="json"):
    out = tmp_path / name
    result = CliRunner().invoke(main, ["check", str(ledgers), "--roster", str(roster), "--as-of", "2024-12-31",
                                       "--out", str(out), "--format", formats, "--fail-on", "none", "--quiet",
                                       *extra])
    assert result.exit_code == 0, result.output
    return out, result.output


def findings(out):
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def subtree(roster_folder: Path, top: str) -> set[str]:
    with open(roster_folder / "组织.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = {top}
    while True:
        more = {r["组织名称"] for r in rows if r["上级组织"] in names} - names
        if not more:
            return names
        names |= more


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory):
    out, _ = check(tmp_path_factory.mktemp("full"), "full", DEMO / "ledgers", DEMO / "roster")
    return findings(out)


@pytest.mark.parametrize(("given", "top"), [
    ("第一中学第一党支部", "第一中学第一党支部"),  # a branch
    ("实验小学党总支", "实验小学党总支"),  # a 党总支 with its branch
    ("一中党委", "第一中学党委"),  # a school's 党委 by its alias, with its three branches
    ("區委教育工委", "区委教育工委"),  # the top, in traditional characters: everyone
])
def test_a_scoped_check_finds_exactly_what_the_full_check_finds_there(tmp_path, full_demo, given, top):
    out, output = check(tmp_path, "scoped", DEMO / "ledgers", DEMO / "roster", "--org", given)
    scoped = findings(out)
    inside = subtree(DEMO / "roster", top)
    assert scoped["findings"] == [f for f in full_demo["findings"] if f["org"] in inside]
    assert scoped["scope"] == [top]
    assert scoped["summary"]["organisations"] == len(inside)
    # statistics are the full check's, for the organisations of the scope
    for part in ("by_org", "by_rule", "attendance"):
        assert scoped["stats"][part] == [s for s in full_demo["stats"][part] if s["org"] in inside]
    assert f"检查范围：{top}及其下级组织" in output


def test_rows_of_other_organisations_are_set_aside_in_one_note_and_the_rows_still_add_up(tmp_path):
    out, _ = check(tmp_path, "scoped", DEMO / "ledgers", DEMO / "roster", "--org", "实验小学党总支")
    document = findings(out)
    assert document["notes"][-1] == ("检查范围为实验小学党总支及其下级组织：另有 145 行属于检查范围以外的组织，未检查；"
                                      "其中 3 个文件（共 131 行）只有这些组织的记录，未列出")
    # the files listed are those with rows of the scope, and their rows add up; with the files not listed, every
    # row of the full check's 186 is there
    assert [s["source"] for s in document["inputs"]] == ["实验小学.csv", "领导干部培训登记表.csv", "领导干部调研报告登记表.csv"]
    for source in document["inputs"]:
        assert source["read"] == source["accepted"] + source["rejected"] + source["blank"] + source["skipped"]
    assert sum(s["read"] for s in document["inputs"]) + 131 == 186
    # the two rows the full check rejects are 第一中学第二党支部's: set aside too, not shown
    assert document["rejected"] == []


def test_an_unknown_name_stops_with_the_nearest_names(tmp_path):
    result = CliRunner().invoke(main, ["check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                       "--org", "实验小学党", "--out", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == (
        "错误：--org：名册中没有组织“实验小学党”，最接近的名称：实验小学党总支、实验小学教工党支部")


def _texts(folder: Path):
    """Every output file's text (an xlsx's parts unzipped)."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as archive:
                yield path, "".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
        else:
            yield path, path.read_text(encoding="utf-8", errors="replace")


def test_no_other_organisation_is_named_in_any_output_of_a_scoped_run(tmp_path):
    out, output = check(tmp_path, "scoped", DEMO / "ledgers", DEMO / "roster", "--org", "第一中学第二党支部",
                        formats="json,html,xlsx,junit,sarif,markdown,text")
    plan = CliRunner().invoke(main, ["plan", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
                                     "--as-of", "2024-11-15", "--org", "第一中学第二党支部",
                                     "--out", str(tmp_path / "plan")])
    assert plan.exit_code == 0, plan.output
    with open(DEMO / "roster" / "组织.csv", encoding="utf-8") as handle:
        others = [(r["组织名称"], r["别名"]) for r in csv.DictReader(handle) if r["组织名称"] != "第一中学第二党支部"]
    files = list(_texts(out)) + list(_texts(tmp_path / "plan"))
    assert len(files) >= 10
    for path, text in [*files, (Path("stdout"), output + plan.output)]:
        for name, alias in others:
            assert name not in text and alias not in text, (path, name)
    assert "第一中学第二党支部" in (out / "index.html").read_text(encoding="utf-8")


def test_a_generated_district_scoped_to_one_school(tmp_path):
    district = tmp_path / "district"
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", "3000", "--out", str(district),
                    "--format", "csv", "--year", "2024"], cwd=REPO, check=True, capture_output=True)
    roster = district / "roster"
    with open(roster / "组织.csv", encoding="utf-8") as handle:
        school = next(r["组织名称"] for r in csv.DictReader(handle) if r["组织类型"] == "党委")
    full, _ = check(tmp_path, "full", district / "ledgers", roster)
    scoped, _ = check(tmp_path, "scoped", district / "ledgers", roster, "--org", school)
    inside = subtree(roster, school)
    assert len(inside) > 1
    expected = [f for f in findings(full)["findings"] if f["org"] in inside]
    assert expected and findings(scoped)["findings"] == expected


def _platform_export(path: Path) -> None:
    """A county platform's list export as downloaded: a title row, 序号, a phrase for each header, no organisation
    anywhere — not in a column, the sheet (Sheet1) or the file name (导出数据20241201.xlsx)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["主题党日活动列表"])
    sheet.merge_cells("A1:F1")
    sheet.append(["序号", "活动名称", "活动类型", "开展时间", "活动地点", "参加人数"])
    for n, month in enumerate(range(1, 12), start=1):
        sheet.append([n, f"{month}月主题党日：重温入党誓词", "主题党日", f"2024-{month:02d}-15 14:30", "党员活动室", 18])
    book.save(path)


def test_one_org_takes_a_table_that_names_no_organisation(tmp_path):
    ledgers = tmp_path / "台账"
    ledgers.mkdir()
    _platform_export(ledgers / "导出数据20241201.xlsx")
    # without --org the rows name no organisation: rejected, as before
    plain = CliRunner().invoke(main, ["validate", str(ledgers), "--roster", str(DEMO / "roster"),
                                      "--as-of", "2024-12-31", "--format", "json"])
    assert plain.exit_code == 1, plain.output
    assert json.loads(plain.output)["summary"]["rejected"] == 11
    # with one --org they are that organisation's, and the table says so
    scoped = CliRunner().invoke(main, ["validate", str(ledgers), "--roster", str(DEMO / "roster"),
                                       "--as-of", "2024-12-31", "--org", "实小教工党支部"])
    assert scoped.exit_code == 0, scoped.output
    assert "    组织：表中、工作表名和文件名中都没有组织，按 --org 取为“实验小学教工党支部”" in scoped.output.splitlines()
    out, _ = check(tmp_path, "out", ledgers, DEMO / "roster", "--org", "实小教工党支部")
    document = findings(out)
    theme = [(f["rule"], f["period"]) for f in document["findings"] if f["rule"] == "theme-day-monthly"]
    assert theme == [("theme-day-monthly", "2024-12")]  # January to November held, December missing
    assert document["inputs"][0]["accepted"] == 11
