"""``compliance serve --store`` on a generated district: links for three schools; two submit through the API, one
through the page; the admin's district index equals ``compliance check`` of the two schools' ledgers for their
subtrees, and the third is 未提交 until it submits; a school's token is refused (403) on everything not its own; a
restart keeps everything; a server killed during a submission leaves nothing of it."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from benchmarks.units import ADMIN, Server, generate, submit
from compliance.cli import main
from compliance.serve.store.store import Store

AS_OF = "2024-12-31"


def cli_check(folder: Path, name: str, content: bytes, roster: Path, unit: str, monkeypatch) -> bytes:
    """``compliance check 台账 --roster R --org UNIT --format json`` in a folder laid out as the server lays out a
    run, so that files are named alike: the findings.json it writes."""
    (folder / "台账").mkdir(parents=True)
    (folder / "台账" / name).write_bytes(content)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["check", "台账", "--roster", str(roster), "--org", unit, "--as-of", AS_OF,
                                       "--format", "json", "--out", "out", "-q"])
    assert result.exit_code == 1, result.output
    return (folder / "out" / "findings.json").read_bytes()


def read(store: Path, what: str, *args):
    """One reading of the store by a connection of its own, closed at once (as another program would read it)."""
    opened = Store(str(store))
    try:
        return getattr(opened, what)(*args)
    finally:
        opened.close()


def issue(store: Path, roster: Path, *orgs: str, rotate: bool = False) -> dict[str, str]:
    args = ["links", "--store", str(store), "--roster", str(roster), "--base-url", "http://127.0.0.1:9/",
            "--format", "json", *[a for org in orgs for a in ("--org", org)], *(["--rotate"] if rotate else [])]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return {item["org"]: item["token"] for item in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The district, its store with links for three schools, and a server on it (two schools have submitted)."""
    tmp = tmp_path_factory.mktemp("district")
    district = generate(tmp / "generated")
    units = district.units[:3]
    store = tmp / "全区.db"
    tokens = issue(store, district.roster, *units)
    server = Server(store, district.roster, tmp)
    answers = {}
    for unit in units[:2]:
        with server.client(tokens[unit]) as client:
            answers[unit] = submit(client, f"{unit}台账.csv", district.ledger(unit))
    state = {"tmp": tmp, "district": district, "units": units, "store": store, "tokens": tokens, "server": server,
             "answers": answers}
    try:
        yield state
    finally:
        state["server"].stop()


def test_links_give_each_unit_a_token_and_keep_only_its_hash(world):
    store, tokens = world["store"], world["tokens"]
    assert sorted(tokens) == sorted(world["units"])
    assert all(len(token) >= 40 for token in tokens.values())
    content = store.read_bytes() + (store.with_name(store.name + "-wal").read_bytes()
                                    if store.with_name(store.name + "-wal").exists() else b"")
    assert not any(token.encode() in content for token in tokens.values())
    again = CliRunner().invoke(main, ["links", "--store", str(store), "--roster", str(world["district"].roster),
                                      "--base-url", "http://127.0.0.1:9/", "--org", world["units"][0]])
    assert again.exit_code == 0 and again.stdout == ""
    assert again.stderr == f"已有有效链接，未重新签发（要换新链接请加 --rotate）：{world['units'][0]}\n"


def test_an_api_submission_answers_the_command_lines_findings_and_its_number(world, tmp_path, monkeypatch):
    district = world["district"]
    numbers = []
    for n, unit in enumerate(world["units"][:2]):
        response = world["answers"][unit]
        assert response.status_code == 200, response.text
        number = int(response.headers["x-compliance-submission"])
        numbers.append(number)
        first, rest = response.content.split(b"\n", 2)[:2], response.content.split(b"\n", 2)[2]
        assert first == [b"{", f'"submission":{number},'.encode()]
        expected = cli_check(tmp_path / str(n), f"{unit}台账.csv", district.ledger(unit), district.roster, unit,
                             monkeypatch)
        assert b"{\n" + rest == expected  # byte for byte the command line's findings.json
        assert response.headers["x-compliance-exit"] == "1"
        assert json.loads(response.content)["scope"] == [unit]
    assert numbers == [1, 2]


def test_the_district_index_is_the_two_units_checks_and_the_third_is_not_submitted(world, tmp_path, monkeypatch):
    district, units = world["district"], world["units"]
    with world["server"].client() as client:
        response = client.get("/api/district/findings.json")
    assert response.status_code == 200
    document = response.json()
    expected = []
    for n, unit in enumerate(units[:2]):
        own = json.loads(cli_check(tmp_path / str(n), f"{unit}台账.csv", district.ledger(unit), district.roster,
                                   unit, monkeypatch))
        expected += own["findings"]
    assert expected and len(expected) == len(document["findings"])
    order = list(district.parent)
    assert document["findings"] == sorted(expected, key=lambda f: order.index(f["org"]))
    if units[2] not in {u["org"] for u in document["units"] if u["submitted"]}:  # before the page test submits
        assert document["units"][2] == {"org": units[2], "submitted": False, "status": "未提交",
                                        "last_submission": None}
        third = [row for row in document["orgs"] if row["org"] in district.subtree(units[2])]
        assert third and all(row["status"] == "未提交" and row["submission"] is None for row in third)
    first = document["units"][0]
    assert first["submitted"] and first["last_submission"]["id"] == 1 and first["last_submission"]["as_of"] == AS_OF
    rows = {row["org"]: row for row in document["orgs"]}
    assert all(rows[org]["submission"] == 1 and rows[org]["unit"] == units[0] for org in district.subtree(units[0]))
    assert rows["第1区委教育工委"]["status"] == "无链接"  # no unit with a link covers the work committee
    assert rows[district.units[3]]["status"] == "无链接" and rows[district.units[3]]["submission"] is None
    violations = sum(1 for f in document["findings"] if f["status"] == "violation")
    assert document["summary"]["violation"] == violations


def test_a_submission_keeps_every_report_of_its_check(world):
    """The organisation pages and the problem list are stored with the submission, not only the index: the worker
    writes them all before it answers a unit's check (a page's check answers at its index and writes the rest
    after); the worker's marks (.pages, .rendered) are not reports."""
    unit, district = world["units"][0], world["district"]
    pages = sorted(f"orgs/{org}.html" for org in district.subtree(unit))
    assert len(pages) > 1
    assert read(world["store"], "report_paths", 1) == ["findings.xlsx", "index.html", *pages]


def test_a_units_token_sees_only_its_own(world):
    units, tokens = world["units"], world["tokens"]
    with world["server"].client(tokens[units[0]]) as client:
        assert client.get("/api/district/findings.json").status_code == 403
        assert client.get("/district.zip").status_code == 403
        assert client.get("/submissions/2/").status_code == 403  # the second school's
        assert client.get("/submissions/2/findings.json").status_code == 403
        assert client.get("/submissions/2/uploads.zip").status_code == 403
        assert client.get(f"/units/{units[1]}/").status_code == 403
        refused = client.get("/api/district/findings.json").json()
        assert refused == {"error": "本单位的链接只能查看本单位的提交，不能查看全区的情况"}
        own = client.get("/api/submissions").json()["submissions"]
        assert [(s["id"], s["org"]) for s in own] == [(1, units[0])]
        assert client.get("/submissions/1/findings.json").status_code == 200
        page = client.get("/")
        assert page.status_code == 200 and f'<h1 id="unit">{units[0]}</h1>' in page.text
        assert units[1] not in page.text
    with world["server"].client(None) as client:  # no token at all
        assert client.get("/api/submissions").status_code == 401
        assert client.get("/u/not-a-real-token").status_code == 404
    with world["server"].client() as client:  # the admin sees every unit's
        listed = client.get("/api/submissions").json()["submissions"]
        assert {s["org"] for s in listed} >= set(units[:2])
        assert client.get("/submissions/2/").status_code == 200
    audit = read(world["store"], "audit_lines")
    refused = [line for line in audit if line["action"] == "refused" and line["actor"] == units[0]]
    assert {line["subject"] for line in refused} >= {"GET /api/district/findings.json", "GET /submissions/2/"}
    assert [line["subject"] for line in audit if line["action"] == "submit"][:2] == ["submission 1", "submission 2"]


def test_a_submission_keeps_its_files_once_by_content(world):
    unit, district = world["units"][0], world["district"]
    before = read(world["store"], "counts")
    with world["server"].client(world["tokens"][unit]) as client:  # the same ledger again, under another name
        response = submit(client, "再次上传.csv", district.ledger(unit))
        assert response.status_code == 200
        number = int(response.headers["x-compliance-submission"])
        uploads = client.get(f"/submissions/{number}/uploads.zip")
    after = read(world["store"], "counts")
    assert after["files"] == before["files"] and after["submission_files"] == before["submission_files"] + 1
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(uploads.content)) as book:
        assert book.namelist() == ["台账/再次上传.csv"]
        assert book.read("台账/再次上传.csv") == district.ledger(unit)
    assert [line["subject"] for line in read(world["store"], "audit_lines") if line["action"] == "download"][-1] == \
        f"submission {number} uploads.zip"


@pytest.fixture(scope="module")
def browser():
    from tests.browser import chromium

    yield from chromium()


def test_the_third_unit_submits_through_its_page_and_the_admin_sees_the_district(world, browser, tmp_path):
    from tests.browser import manual_screenshot, watched

    unit, district, server = world["units"][2], world["district"], world["server"]
    # the admin, logged in with the token: the third school has not submitted
    admin = browser.new_context(viewport={"width": 1200, "height": 760})
    page = watched(admin.new_page())
    page.goto(server.url + "/login")
    page.fill("#token", ADMIN)
    page.click("button[type=submit]")
    page.wait_for_selector("#district")
    assert page.locator("#missing").inner_text() == f"未提交：{unit}"
    statuses = {row.get_attribute("data-name"): row.get_attribute("data-status")
                for row in page.locator("#district tbody tr").all()}
    assert {org: statuses[org] for org in district.subtree(unit)} == dict.fromkeys(district.subtree(unit), "未提交")
    # the manual's picture shows one fixed time, so that it changes only when the page does (not every run)
    page.evaluate("""() => document.querySelectorAll("#district .at").forEach((cell, n) => {
        cell.textContent = n < 5 ? "2024-12-28T09:12:40Z" : "2024-12-30T15:03:18Z"; })""")
    manual_screenshot(page, "district.png")
    # the school, in a browser of its own, opens its link and submits
    ledger = tmp_path / f"{unit}台账.csv"
    ledger.write_bytes(district.ledger(unit))
    school = browser.new_context()
    own = watched(school.new_page())
    own.goto(f"{server.url}/u/{world['tokens'][unit]}")
    assert own.locator("#unit").inner_text() == unit
    own.set_input_files("#ledgers", str(ledger))
    own.fill("#as_of", AS_OF)
    own.click("#go")
    own.wait_for_selector("#serve-bar", timeout=60_000)
    number = int(own.url.rstrip("/").rsplit("/", 1)[1])
    assert own.locator("#serve-bar p").first.inner_text().startswith(f"第 {number} 号提交：{unit}，")
    names = sorted(row.get_attribute("data-name") for row in own.locator("#matrix tbody tr").all())
    assert names == sorted(district.subtree(unit))
    own.goto(server.url + "/")
    assert own.locator(f'#history tr[data-id="{number}"]').count() == 1
    assert own.locator("#trend rect").count() == 1
    own.goto(server.url + "/api/district/findings.json")  # the school's cookie is not the admin's session
    assert "本单位的链接只能查看本单位的提交" in own.content()
    assert own.problems == [] or all("403" in str(p) for p in own.problems)
    school.close()
    # the admin's page now has it, one click from its history
    page.reload()
    assert page.locator("#missing").count() == 0
    statuses = {row.get_attribute("data-name"): row.get_attribute("data-status")
                for row in page.locator("#district tbody tr").all()}
    assert all(statuses[org] == "已提交" for org in district.subtree(unit))
    page.click(f'#district tr[data-name="{unit}"] a:text("历史")')
    assert page.locator("#unit").inner_text() == unit
    assert page.locator(f'#history tr[data-id="{number}"]').count() == 1
    assert page.problems == []
    admin.close()


def test_a_restart_keeps_everything(world):
    server = world["server"]
    with server.client() as client:
        before = client.get("/api/submissions").json()
        district = client.get("/api/district/findings.json").content
    # the README's backup, taken while the server runs: SQLite's online backup
    import sqlite3

    copy = world["tmp"] / "备份.db"
    source, target = sqlite3.connect(world["store"]), sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    assert read(copy, "counts") == read(world["store"], "counts")
    assert [s.as_dict() for s in read(copy, "submissions")] == before["submissions"]
    server.stop()
    world["server"] = server = Server(world["store"], world["district"].roster, world["tmp"])
    with server.client() as client:
        assert client.get("/api/submissions").json() == before
        assert client.get("/api/district/findings.json").content == district
    with server.client(world["tokens"][world["units"][1]]) as client:  # the links still open
        assert client.get("/api/submissions").status_code == 200


def test_a_server_killed_during_a_submission_leaves_nothing_of_it(world):
    server, unit, district = world["server"], world["units"][1], world["district"]
    before = read(world["store"], "counts")
    big = district.ledger(unit)  # one school's year
    answered = []

    def post():
        try:
            with server.client(world["tokens"][unit]) as client:
                answered.append(submit(client, "被中断的提交.csv", big))
        except Exception as exc:  # the server went away mid-request: that is the point
            answered.append(exc)

    thread = threading.Thread(target=post)
    thread.start()
    deadline = time.monotonic() + 60
    while not list(world["tmp"].glob("compliance-serve-*/*/台账/被中断的提交.csv")):
        assert time.monotonic() < deadline, "the upload never arrived"
        time.sleep(0.005)
    server.kill()
    thread.join(60)
    assert len(answered) == 1 and not hasattr(answered[0], "status_code")  # never answered
    assert read(world["store"], "counts") == before
    world["server"] = server = Server(world["store"], district.roster, world["tmp"])
    assert read(world["store"], "counts") == before  # nothing half-written found at the next start either
    assert not list(world["tmp"].glob("compliance-serve-*/*.uploads"))  # the dead server's folders are gone
    with server.client(world["tokens"][unit]) as client:  # and the store takes the next submission
        response = submit(client, "重新提交.csv", big)
    assert response.status_code == 200, response.text
    assert int(response.headers["x-compliance-submission"]) == before["submissions"] + 1
    assert read(world["store"], "counts")["submissions"] == before["submissions"] + 1


def test_a_submission_is_one_transaction(tmp_path):
    """A failure after the files and the submission row were written (a report that cannot be read) leaves none
    of them: the store is as before."""
    from compliance.serve.store.store import Link, Upload

    store = Store(str(tmp_path / "s.db"))
    (org, token), = store.issue(["实验小学党总支"])[0]
    link = store.link_for(token)
    assert link == Link(1, org)
    ledger = tmp_path / "台账.csv"
    ledger.write_text("组织,日期,类型\n实验小学教工党支部,2024-01-05,主题党日\n", encoding="utf-8")
    findings = json.dumps({"as_of": AS_OF, "period": {"label": "2024"},
                           "summary": {"violation": 1, "due": 0, "unverifiable": 0, "waived": 0, "rejected": 0},
                           "stats": {"by_org": [{"judged": 4, "met": 3}]}}).encode()
    before = store.counts()
    with pytest.raises(FileNotFoundError):
        store.submit(link, findings, [Upload("ledgers", "台账.csv", ledger)], [("index.html", tmp_path / "无")], 1)
    assert store.counts() == before
    number = store.submit(link, findings, [Upload("ledgers", "台账.csv", ledger)], [], 1)
    assert store.submission(number).rate == 0.75
    assert store.counts()["files"] == 1


def test_keep_days_deletes_uploaded_files_and_keeps_the_findings(tmp_path):
    from datetime import UTC, datetime, timedelta

    from compliance.serve.store.routes import _uploads_zip
    from compliance.serve.store.store import Upload

    store = Store(str(tmp_path / "s.db"))
    (_, token), = store.issue(["实验小学党总支"])[0]
    ledger = tmp_path / "台账.csv"
    ledger.write_text("组织,日期,类型\n实验小学教工党支部,2024-01-05,主题党日\n", encoding="utf-8")
    findings = json.dumps({"as_of": AS_OF, "period": {"label": "2024"},
                           "summary": {"violation": 0, "due": 0, "unverifiable": 0, "waived": 0, "rejected": 0},
                           "stats": {"by_org": []}}).encode()
    number = store.submit(store.link_for(token), findings, [Upload("ledgers", "台账.csv", ledger)], [], 0)
    assert store.expire_files(30) == 0  # stored today
    assert store.expire_files(30, datetime.now(UTC) + timedelta(days=31)) == 1
    assert store.uploads(number) == [("ledgers", "台账.csv", None)]
    assert store.findings(number) == findings
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(_uploads_zip(store, number))) as book:
        assert book.namelist() == ["已删除.txt"]
        assert book.read("已删除.txt").decode() == "按保留期限（--keep-days）已删除的文件：\n台账/台账.csv\n"
    # the same file uploaded again is stored again
    number = store.submit(store.link_for(token), findings, [Upload("ledgers", "台账.csv", ledger)], [], 0)
    assert store.uploads(number)[0][2] == ledger.read_bytes()


def test_rotate_revokes_the_old_link(tmp_path):
    store = Store(str(tmp_path / "s.db"))
    (_, old), = store.issue(["实验小学党总支"])[0]
    issued, skipped = store.issue(["实验小学党总支"])
    assert issued == [] and skipped == ["实验小学党总支"]
    (_, new), = store.issue(["实验小学党总支"], rotate=True)[0]
    assert store.link_for(old) is None and store.link_for(new).org == "实验小学党总支"
    assert store.revoke(["实验小学党总支"]) == ["实验小学党总支"] and store.link_for(new) is None


def test_a_store_of_the_previous_schema_opens_after_its_migration(tmp_path):
    """A store made by the first schema (0001: no 完成率 columns) with a submission in it: this release migrates it
    and the submission's 完成率 is filled in from its findings.json."""
    import zlib

    import sqlalchemy as sa

    old = Store(str(tmp_path / "old.db"), revision="0001")
    assert old.revision() == "0001"
    document = (Path(__file__).resolve().parent / "data" / "submission-0001.json").read_bytes()
    with old.engine.begin() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("submissions")}
        assert "judged" not in columns
        connection.execute(sa.text("INSERT INTO links (id, org, token_hash, issued_at) VALUES "
                                   "(1, '实验小学党总支', :hash, '2024-12-01T08:00:00Z')"), {"hash": "0" * 64})
        connection.execute(sa.text(
            "INSERT INTO submissions (id, org, link_id, created_at, as_of, period, exit_code, violation, due, "
            "unverifiable, waived, rejected, findings) VALUES (1, '实验小学党总支', 1, '2024-12-31T09:00:00Z', "
            "'2024-12-31', '2024', 1, 6, 0, 1, 0, 0, :findings)"), {"findings": zlib.compress(document)})
    old.close()
    new = Store(str(tmp_path / "old.db"))
    assert new.revision() == "0002"
    item = new.submission(1)
    by_org = json.loads(document)["stats"]["by_org"]
    assert (item.judged, item.met) == (sum(s["judged"] for s in by_org), sum(s["met"] for s in by_org)) == (60, 54)
    assert item.rate == 0.9
    assert new.findings(1) == document


def test_twenty_units_submitting_at_once_all_land(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    district = generate(tmp_path / "generated")
    units = district.units[:20]
    assert len(units) == 20
    store = tmp_path / "全区.db"
    tokens = issue(store, district.roster, *units)
    server = Server(store, district.roster, tmp_path, 2)
    try:
        def one(unit):
            with server.client(tokens[unit]) as client:
                return unit, submit(client, "台账.csv", district.ledger(unit))

        with ThreadPoolExecutor(20) as pool:
            answers = dict(pool.map(one, units))
        assert {unit: r.status_code for unit, r in answers.items()} == dict.fromkeys(units, 200)
        numbers = sorted(int(r.headers["x-compliance-submission"]) for r in answers.values())
        assert numbers == list(range(1, 21))
        with server.client() as client:
            listed = client.get("/api/submissions").json()["submissions"]
            document = client.get("/api/district/findings.json").json()
        assert sorted(s["org"] for s in listed) == sorted(units)
        assert document["summary"]["submitted"] == 20 and document["summary"]["not_submitted"] == 0
        for unit, response in answers.items():  # each submission holds its own unit's findings
            number = int(response.headers["x-compliance-submission"])
            kept = read(store, "findings", number)
            assert kept == b"{\n" + response.content.split(b"\n", 2)[2]
            assert json.loads(kept)["scope"] == [unit]
    finally:
        server.stop()


def test_store_needs_the_admins_token_and_the_roster(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPLIANCE_TOKEN", raising=False)
    store = str(tmp_path / "全区.db")
    result = CliRunner().invoke(main, ["serve", "--store", store, "--roster", "名册"])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：--store 需要同时给出 --token（或环境变量 COMPLIANCE_TOKEN）")
    result = CliRunner().invoke(main, ["serve", "--store", store, "--token", ADMIN])
    assert result.exit_code == 2
    assert result.stderr.startswith("错误：--store 需要同时给出 --roster：全区名册决定各单位的检查范围和“未提交”的单位。")
    result = CliRunner().invoke(main, ["serve", "--keep-days", "30"])
    assert result.exit_code == 2 and "--keep-days 只和 --store 一起使用" in result.stderr


def test_links_as_text_name_each_unit_and_its_url(tmp_path):
    roster = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "roster"
    store = tmp_path / "全区.db"
    result = CliRunner().invoke(main, ["links", "--store", str(store), "--roster", str(roster),
                                       "--base-url", "https://dangjian.example.edu.cn/", "--org", "实小党总支",
                                       "--org", "一中党委"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["实验小学党总支", "第一中学党委"]
    token = lines[0].split("\t")[1].removeprefix("https://dangjian.example.edu.cn/u/")
    assert read(store, "link_for", token).org == "实验小学党总支"
    unknown = CliRunner().invoke(main, ["links", "--store", str(store), "--roster", str(roster),
                                        "--base-url", "https://x.example/", "--org", "实验小学党"])
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("错误：--org：名册中没有组织“实验小学党”，最接近的名称：实验小学党总支")
    revoked = CliRunner().invoke(main, ["links", "--store", str(store), "--roster", str(roster),
                                        "--base-url", "https://x.example/", "--org", "实小党总支", "--revoke"])
    assert revoked.stdout == "实验小学党总支：链接已作废\n"
    assert read(store, "link_for", token) is None


def test_a_link_issued_or_rotated_while_the_server_runs_takes_effect(world):
    """``compliance links`` run beside a running server: a new link opens at once; a rotated one stops within the
    seconds a token is remembered (5), and the new one opens."""
    unit = world["district"].units[3]
    first = issue(world["store"], world["district"].roster, unit)[unit]
    with world["server"].client(first) as client:
        assert client.get("/api/submissions").json() == {"submissions": []}
    second = issue(world["store"], world["district"].roster, unit, rotate=True)[unit]
    time.sleep(5.5)
    with world["server"].client(first) as client:
        assert client.get("/api/submissions").status_code == 401
    with world["server"].client(second) as client:
        assert client.get("/api/submissions").status_code == 200
    with world["server"].client(None) as client:  # a browser still holding the old link's cookie: told, not locked out
        for _ in range(8):
            answer = client.get("/", headers={"Cookie": f"compliance_unit={first}"})
            assert answer.status_code == 401 and "本单位的链接已作废，请向区里索取新的链接" in answer.text
        assert 'compliance_unit=""' in answer.headers["set-cookie"]
        assert client.get(f"/u/{second}").status_code == 303  # the new link opens from the same address
    with world["server"].client() as client:
        units = client.get("/api/district/findings.json").json()["units"]
    assert {"org": unit, "submitted": False, "status": "未提交", "last_submission": None} in units
