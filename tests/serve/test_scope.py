"""The page and the API on a server started with the district's roster (``compliance serve --roster 区名册``): a
unit's upload is a self-check of that unit — the organisations its ledgers name, with what is below them — unless
the 检查范围 field (``org``) names others; an uploaded roster is checked whole, as on the command line."""

from __future__ import annotations

import json
import re

import pytest

from compliance.serve.app import Options, org_names
from compliance.serve.worker import Settings
from tests.browser import chromium, watched
from tests.serve.conftest import running
from tests.serve.test_api import DEMO, command_line, demo_files

SCHOOL = [("ledgers", ("实验小学.csv", (DEMO / "ledgers" / "实验小学.csv").read_bytes()))]
OTHERS = ["区委教育工委", "区教育局党组", "第一中学党委", "第一中学第一党支部", "第一中学第二党支部", "第一中学退休党支部"]


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    from compliance.intake.roster import read_roster

    parent = tmp_path_factory.mktemp("district-server")
    roster = DEMO / "roster"
    options = Options(Settings(roster=str(roster)), workers=1, parent=str(parent),
                      org_names=org_names(read_roster(roster)))
    with running(options) as server:
        yield server


def test_an_upload_is_about_the_units_its_ledgers_name(district):
    with district.client() as client:
        response = client.post("/api/check", files=SCHOOL, data={"as_of": "2024-12-31"})
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["scope"] == ["实验小学党总支"]
    assert {f["org"] for f in document["findings"]} == {"实验小学党总支", "实验小学教工党支部"}
    assert document["summary"]["organisations"] == 2
    assert not any(name in response.text for name in OTHERS)


def test_the_org_field_chooses_the_scope_as_org_does_on_the_command_line(district, tmp_path, monkeypatch):
    with district.client() as client:
        response = client.post("/api/check", files=demo_files(roster=False),
                               data={"as_of": "2024-12-31", "org": ["一中第一党支部", "实小党总支"]})
    assert response.status_code == 200, response.text
    code, _, expected = command_line(tmp_path, monkeypatch, sorted((DEMO / "ledgers").iterdir()), "--roster", "名册",
                                     "--as-of", "2024-12-31", "--org", "一中第一党支部", "--org", "实小党总支")
    assert response.content == expected  # byte for byte the command line's findings.json
    assert json.loads(response.content)["scope"] == ["第一中学第一党支部", "实验小学党总支"]
    assert response.headers["x-compliance-exit"] == str(code)


def test_an_unknown_org_is_refused_with_the_nearest_names(district):
    with district.client() as client:
        response = client.post("/api/check", files=SCHOOL, data={"org": "实验小学党"})
    assert response.status_code == 422
    assert response.json()["error"] == "检查范围（org）：名册中没有组织“实验小学党”，最接近的名称：实验小学党总支、实验小学教工党支部"


def test_an_uploaded_roster_is_checked_whole(district):
    with district.client() as client:
        response = client.post("/api/check", files=demo_files(roster=True), data={"as_of": "2024-12-31"})
    assert response.status_code == 200, response.text
    assert response.json()["scope"] is None and response.json()["summary"]["organisations"] == 8


@pytest.fixture(scope="module")
def browser():
    yield from chromium()


def test_the_page_checks_one_schools_upload_and_says_its_scope(district, browser, tmp_path):
    ledger = tmp_path / "实验小学.csv"
    ledger.write_bytes((DEMO / "ledgers" / "实验小学.csv").read_bytes())
    page = watched(browser.new_page())
    page.goto(district.url + "/")
    assert page.locator("#org").get_attribute("placeholder") == "不填：上传的台账中的组织"
    assert page.locator("#org-names option").count() == 16  # 8 names and 8 aliases of the district's roster
    page.set_input_files("#ledgers", str(ledger))
    page.fill("#as_of", "2024-12-31")
    page.click("#go")
    page.wait_for_selector("#serve-bar")
    assert page.locator("#serve-bar p").first.inner_text() == "检查范围：实验小学党总支及其下级组织"
    assert page.locator("#scope").inner_text() == "检查范围：实验小学党总支及其下级组织（名册中的其他组织不在本次检查之内）"
    names = [row.get_attribute("data-name") for row in page.locator("#matrix tbody tr").all()]
    assert sorted(names) == ["实验小学党总支", "实验小学教工党支部"]
    html = page.content()
    assert not any(name in html for name in OTHERS)
    assert re.search(r"违规 \d+ 项", page.locator("#serve-bar").inner_text())
    assert page.problems == []
    page.close()
