"""Workbooks run nothing and fetch nothing (issue 7): a macro-enabled .xlsm is read for its cell values only; a
formula is not evaluated (its saved result is read); an external link or a web-service formula is not followed."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import urllib.request
import zipfile
from pathlib import Path
from typing import ClassVar

import openpyxl
from click.testing import CliRunner

from compliance.cli import main
from compliance.engine.kinds import load_catalogue
from compliance.pipeline import take_in
from tests.helpers import DEMO

VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _ledger(path: Path, topic_cell: str = "占位") -> Path:
    book = openpyxl.Workbook()
    book.active.title = "第一党支部"
    book.active.append(["组织", "日期", "类型", "主题"])
    book.active.append(["第一中学第一党支部", "2024-03-05", "主题党日", topic_cell])
    book.save(path)
    return path


def _edit(path: Path, edits: dict[str, tuple[str, str]], added: dict[str, bytes] | None = None,
          out: Path | None = None) -> Path:
    """Copy a workbook, replacing text in parts ({part: (old, new)}) and adding parts."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    for part, (old, new) in edits.items():
        assert old.encode() in parts[part], (part, old)
        parts[part] = parts[part].replace(old.encode(), new.encode())
    parts.update(added or {})
    out = out or path
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out


def _check(folder: Path, tmp: Path) -> tuple[int, list[dict]]:
    out = tmp / "reports"
    result = CliRunner().invoke(main, ["check", str(folder), "--roster", str(DEMO / "roster"), "--as-of",
                                       "2024-03-31", "--period", "2024-03", "--out", str(out), "--format", "json",
                                       "--quiet"])
    assert result.exit_code in (0, 1), result.output
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return result.exit_code, document


class _Listener(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        _Listener.requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"fetched")

    def log_message(self, *args):
        pass


def _server():
    _Listener.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_a_macro_enabled_workbook_is_read_for_its_values_only(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    source = _ledger(plain / "台账.xlsx", "学习党章")
    macro = tmp_path / "macro"
    macro.mkdir()
    # a VBA project that would write a file and fetch a page when opened with macros enabled
    vba = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"Attribute VB_Name\nSub Auto_Open()\nShell \"touch pwned\"\nEnd Sub\n"
    _edit(source, {
        "[Content_Types].xml": ('<Default Extension="xml"',
                                f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}" /><Default Extension="xml"'),
        "xl/_rels/workbook.xml.rels": ("</Relationships>", '<Relationship Type="http://schemas.microsoft.com/office/'
                                       '2006/relationships/vbaProject" Target="vbaProject.bin" Id="rId9" />'
                                       "</Relationships>"),
    }, {"xl/vbaProject.bin": vba}, out=macro / "台账.xlsm")
    with zipfile.ZipFile(macro / "台账.xlsm") as archive:
        assert "xl/vbaProject.bin" in archive.namelist()
    code_plain, plain_findings = _check(plain, tmp_path / "a")
    code_macro, macro_findings = _check(macro, tmp_path / "b")
    assert code_macro == code_plain

    def strip(document):  # the same findings; only the file's name and hash differ
        return [(f["rule"], f["org"], f["period"], f["status"]) for f in document["findings"]]

    assert strip(macro_findings) == strip(plain_findings)
    assert [(i["source"], i["read"], i["accepted"]) for i in macro_findings["inputs"] if i["source"] == "台账.xlsm"] \
        == [("台账.xlsm", 1, 1)]
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_formulas_and_external_links_are_not_followed(tmp_path):
    """A cell whose formula reads another workbook over HTTP, one calling WEBSERVICE and an external-link part
    pointing at a local server: the saved results are read, the server hears nothing."""
    server, url = _server()
    try:
        with urllib.request.urlopen(f"{url}/ping", timeout=10) as answer:  # the listener hears a request
            assert answer.read() == b"fetched"
        assert _Listener.requests == ["/ping"]
        _Listener.requests.clear()
        folder = tmp_path / "ledgers"
        folder.mkdir()
        path = _ledger(folder / "台账.xlsx")
        cell = '<c r="D2" t="inlineStr"><is><t>占位</t></is></c>'
        linked = (f'<c r="D2" t="str"><f>WEBSERVICE("{url}/topic")&amp;[1]Sheet1!A1</f><v>学习党章 已保存的结果</v></c>'
                  f'<c r="E2" t="str"><f>HYPERLINK("{url}/click","点击")</f><v>点击</v></c>'
                  f'<c r="F2"><f>\'{url}/[book.xlsx]Sheet1\'!A1</f></c>')
        external = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><externalLink xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
        )
        external_rels = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats'
            '.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/externalLinkPath" Target="{url}/book.xlsx" TargetMode="External"/>'
            "</Relationships>"
        )
        _edit(path, {
            "xl/worksheets/sheet1.xml": (cell, linked),
            "xl/_rels/workbook.xml.rels": ("</Relationships>", '<Relationship Type="http://schemas.openxmlformats.org/'
                                           'officeDocument/2006/relationships/externalLink" Target="externalLinks/'
                                           'externalLink1.xml" Id="rId8" /></Relationships>'),
            "xl/workbook.xml": ("</workbook>", '<externalReferences><externalReference r:id="rId8"/>'
                                "</externalReferences></workbook>"),
        }, {"xl/externalLinks/externalLink1.xml": external.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": external_rels.encode()})
        result = CliRunner().invoke(main, ["validate", str(folder), "--format", "json"])
        assert result.exit_code == 0, result.output
        check = CliRunner().invoke(main, ["check", str(folder), "--as-of", "2024-03-31", "--period", "2024-03",
                                          "--out", str(tmp_path / "reports"), "--format", "json,html,xlsx", "--quiet"])
        assert check.exit_code in (0, 1), check.output
        assert _Listener.requests == []
    finally:
        server.shutdown()
    # the saved result is what the ledger says
    intake = take_in([folder], None, load_catalogue(), dt.date(2024, 3, 31))
    assert list(intake.gate.records["topic"]) == ["学习党章 已保存的结果"]
