"""Page names: derived from organisation names, sanitised, unique, and always inside --out/orgs."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import yaml

from compliance.render import html
from compliance.render.html import safe_filename
from tests.helpers import DEFAULT_RULES, check, row

THEME_DAY = next(r for r in yaml.safe_load(DEFAULT_RULES.read_text(encoding="utf-8"))["rules"]
                 if r["id"] == "theme-day-monthly")


@pytest.mark.parametrize(("name", "page"), [
    ("第一中学党委", "第一中学党委"),
    ("a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"),
    ("../../etc/passwd", "_.._etc_passwd"),
    ("..", "组织"),
    (" . ", "组织"),
    ("CON", "_CON"),
    ("nul.txt", "_nul.txt"),
    ("com1", "_com1"),
    ("COM¹", "_COM1"),  # (superscript digits: reserved by Windows too; NFKC folds them)
    ("CONIN$", "_CONIN$"),
    ("nul .txt", "_nul .txt"),  # a space before the extension: still the device
    ("党支部. . ", "党支部"),  # Windows drops trailing dots and spaces: two names would become one
    ("换行\n制表\t党支部", "换行_制表_党支部"),
    ("ＡＢＣ第一党支部", "ABC第一党支部"),  # full width folded
    ("长" * 80, "长" * 50),
])
def test_a_name_becomes_a_safe_page_name(name, page):
    assert safe_filename(name, set()) == page


def test_names_that_fold_or_cut_the_same_get_distinct_pages_in_a_fixed_way():
    taken: set[str] = set()
    names = ["ABC党支部", "ＡＢＣ党支部", "abc党支部", "第一中学黨委", "第一中学党委", "长" * 60, "长" * 61]
    pages = [safe_filename(n, taken) for n in names]
    assert pages == ["ABC党支部", "ABC党支部-8fa94f4a", "abc党支部-f23a050e", "第一中学黨委", "第一中学党委-212f222a",
                     "长" * 50, "长" * 50 + "-09884acf"]
    assert len({p.casefold() for p in pages}) == len(pages)
    assert all(len(f"{p}.html".encode()) <= 255 for p in pages)


def test_hostile_organisation_names_get_their_own_page_inside_orgs(tmp_path):
    orgs = [["../../逃逸党支部", "党支部", "", "2020-01-01", "", ""],
            ["CON", "党支部", "", "2020-01-01", "", ""],
            ["一支部/二支部", "党支部", "", "2020-01-01", "", ""],
            ["一支部_二支部", "党支部", "", "2020-01-01", "", ""]]
    ledger = [row(o[0], "2024-01-05", "主题党日") for o in orgs]
    result = check(tmp_path, THEME_DAY, ledger, as_of="2024-01-31", orgs=orgs)
    out = tmp_path / "out"
    out.mkdir()
    html.render(result, out)
    pages = sorted(p.name for p in (out / "orgs").iterdir())
    assert pages == ["_.._逃逸党支部.html", "_CON.html", "一支部_二支部-0a7063b8.html", "一支部_二支部.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledgers", "out", "roster", "rules.yaml"]  # nothing escaped
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in pages:  # linked, percent-encoded
        assert f'href="orgs/{quote(page)}"' in index
