"""The manual served by the app itself at /help/ (no network: pages and screenshots come from the package), the
page's 帮助 link to it, and errors that link their entry of 常见问题."""

from __future__ import annotations

import re

import pytest

from compliance.manual import PAGES, SECRETARY
from tests.serve.conftest import TOKEN
from tests.serve.test_api import demo_files


@pytest.mark.parametrize("name", PAGES)
def test_every_page_of_the_manual_is_served(plain, name):
    with plain.client() as client:
        shown = client.get("/help/" + ("" if name == "index" else name))
        assert shown.status_code == 200
        assert f"<title>{PAGES[name]} · 党组织活动台账检查</title>" in shown.text
        policy = shown.headers["content-security-policy"]
        assert "img-src 'self' data:" in policy and "default-src 'none'" in policy
        for src in re.findall(r'<img src="([^"]+)"', shown.text):  # relative to /help/: served beside the pages
            image = client.get("/help/" + src)
            assert image.status_code == 200 and image.headers["content-type"] == "image/png", src
            assert image.content.startswith(b"\x89PNG")
        for href in re.findall(r'<a href="([^"#]+)', shown.text):
            target = href if href.startswith("/") else "/help/" + href
            assert client.get(target).status_code == 200, href


def test_only_the_manual_is_served(plain):
    with plain.client() as client:
        assert client.get("/help").headers["location"] == "/help/"
        for path in ("/help/nothing", "/help/images/nothing.png", "/help/images/..%2f__init__.py",
                     "/help/images/../faq.md", "/help/__init__", "/help/faq.md"):
            assert client.get(path).status_code == 404, path


def test_the_page_links_its_help(plain):
    with plain.client() as client:
        home = client.get("/")
        posted = client.post("/check", files=demo_files(), data={"as_of": "2024-11-15"})
        index = client.get(posted.headers["location"])
    assert f'<a href="{SECRETARY}" id="help">帮助</a>' in home.text
    bar = index.text.split('<div class="serve-bar" id="serve-bar">')[1].split("</div>")[0]
    assert f'<a href="{SECRETARY}" id="help">帮助</a>' in bar
    assert '原因和改法见<a href="/help/faq">常见问题</a>' in bar  # the demo has rejected rows


def test_a_refused_upload_links_its_entry(plain):
    with plain.client() as client:
        shown = client.post("/check", files=demo_files(roster=False), data={"period": "2024上半年"})
    assert shown.status_code == 422
    assert ('<p class="hint" id="faq">怎么办：见使用说明<a href="/help/faq#period">常见问题第 16 条“检查日或检查期间有误”</a>。</p>'
            in shown.text)


def test_a_failed_check_links_its_entry(plain):
    with plain.client() as client:
        posted = client.post("/check", files=[*demo_files(roster=False), ("roster", ("组织.csv", b"x"))],
                             data={"as_of": "2024-11-15"})
        shown = client.get(posted.headers["location"])
    assert shown.status_code == 422 and "名册文件夹中缺少 领导干部.csv" in shown.text
    assert '<a href="/help/faq#roster">常见问题第 5 条“名册有误”</a>' in shown.text


def test_behind_a_token_the_manual_needs_it_too(guarded):
    with guarded.client() as client:
        assert client.get("/help/secretary").status_code == 401
        assert client.get("/help/secretary", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
