"""Ledger text that would reorder what is shown around it: a bidirectional override in an organisation's name is
shown as its code point on every page the server sends and in reports.zip, and is gone from file names."""

from __future__ import annotations

import io
import zipfile
from urllib.parse import quote

from compliance.text import BIDI_CONTROLS, visible_bidi, without_bidi

SPOOF = "\u202elmth.exe第一党支部"  # shows as 第一党支部exe.html when the override is obeyed


def test_a_bidi_override_is_shown_on_pages_and_gone_from_file_names(plain):
    ledger = f"组织,日期,类型\n{SPOOF},2024-03-05,主题党日\n".encode()
    with plain.client() as client:
        posted = client.post("/check", files=[("ledgers", ("台账.csv", ledger))], data={"as_of": "2024-12-31"})
        where = posted.headers["location"]
        index = client.get(where)
        org = client.get(f"{where}orgs/{quote('lmth.exe第一党支部')}.html")
        reports = zipfile.ZipFile(io.BytesIO(client.get(f"{where}reports.zip").content))
    assert index.status_code == 200 and org.status_code == 200
    for text in (index.text, org.text, *(reports.read(name).decode() for name in reports.namelist())):
        assert not set(text) & set(BIDI_CONTROLS)
    assert "[U+202E]lmth.exe第一党支部" in index.text and "[U+202E]lmth.exe第一党支部" in org.text
    assert sorted(reports.namelist()) == ["index.html", "orgs/lmth.exe第一党支部.html"]


def test_every_bidi_control_is_shown_or_removed():
    assert visible_bidi("a\u202ab\u2066c\u200fd\u061c") == "a[U+202A]b[U+2066]c[U+200F]d[U+061C]"
    assert visible_bidi("支部" + BIDI_CONTROLS) == ("支部[U+061C][U+200E][U+200F][U+202A][U+202B][U+202C][U+202D]"
                                                  "[U+202E][U+2066][U+2067][U+2068][U+2069]")
    assert visible_bidi("第一党支部 ‎") == "第一党支部 [U+200E]" and visible_bidi("无控制符") == "无控制符"
    assert without_bidi("".join(BIDI_CONTROLS) + "支部") == "支部"
    assert len(BIDI_CONTROLS) == 12
