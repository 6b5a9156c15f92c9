"""One spelling for one thing: people and organisations as ledgers write them (DOMAIN.md, "What real ledgers look
like": a post after a name, names in one cell, padded names, codes beside organisations)."""

from __future__ import annotations

import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.spelling import name_list, organisation_key, person_key


@pytest.mark.parametrize(("written", "key"), [
    ("陈建国（书记）", "陈建国"), ("陈建国(校长)", "陈建国"), ("刘洋 校长", "刘洋"), ("陈静书记", "陈静"),
    ("赵强同志", "赵强"), ("李明（书记）、王芳（校长）", "李明、王芳"),
    ("李明 王芳", "李明、王芳"), ("李明\n王芳", "李明、王芳"), ("李明，王芳", "李明、王芳"),  # several in one cell
    ("王 芳", "王芳"), ("王\u3000芳", "王芳"), ("张 建 国", "张建国"),  # one padded name
    ("阿依古丽·买买提", "阿依古丽买买提"), ("阿依古丽•买买提", "阿依古丽买买提"), ("阿依古丽・买买提", "阿依古丽买买提"),
    ("阿依古丽‧买买提", "阿依古丽买买提"), ("阿依古丽买买提", "阿依古丽买买提"),
    ("錢偉", "钱伟"), ("书记", ""),
])
def test_person_keys(written, key):
    assert person_key(written) == key


@pytest.mark.parametrize(("written", "key"), [
    ("第一中学第一党支部（33010200101）", "第一中学第一党支部"), ("33010200101 第一中学第一党支部", "第一中学第一党支部"),
    ("第一中学第一党支部 33010200101", "第一中学第一党支部"), ("第一中学 第一党支部", "第一中学第一党支部"),
    ("第101中学党支部", "第101中学党支部"), ("第一中学（北校区）党支部", "第一中学(北校区)党支部"),
])
def test_organisation_keys(written, key):
    assert organisation_key(written) == key


@pytest.mark.parametrize(("written", "names"), [
    ("张三,李四(出差)", [("张三", None), ("李四", "出差")]),  # minutes' 缺席人员及原因
    ("张三、李四(请假)、王五(缺席)、赵六(列席)",  # an attendance list's 参会人员 cell
     [("张三", None), ("李四", "请假"), ("王五", "缺席"), ("赵六", "列席")]),
    ("张三，李四（出差、培训）\n王 五", [("张三", None), ("李四", "出差、培训"), ("王五", None)]),
    ("李明 王芳（出差）", [("李明", None), ("王芳", "出差")]), ("陈建国（书记）", [("陈建国", None)]),
    ("无", []), ("", []),
])
def test_name_lists(written, names):
    assert name_list(written) == names


def test_spellings_converted_together_are_converted_as_each_alone():
    """normalise_texts hands OpenCC every new spelling in one call: each comes out as it does alone, phrases whose
    characters alone are not converted (瞭解 → 了解, 藉口 → 借口) included, and ASCII text is left to itself."""
    import opencc

    from compliance.spelling import _simplified, normalise_names, normalise_texts

    converter = opencc.OpenCC("t2s")
    texts = ["瞭解", "瞭", "藉口", "藉", "乾燥", "乾隆", "主題黨日", "第一中學 第二黨支部", "支委會", "ABC 123", "",
             "甚麼", "狼藉", "後面", "王后"]
    assert _simplified(texts) == [converter.convert(t) for t in texts]
    assert _simplified(texts)[:5] == ["了解", "瞭", "借口", "藉", "干燥"]
    assert normalise_texts(["  主題黨日 ", "ＡＢＣ", "主題黨日"]) == ["主题党日", "ABC", "主题党日"]
    assert normalise_names(["王 芳", "黃 建國", "王 芳"]) == ["王芳", "黄建国", "王芳"]


def test_whitespace_is_one_thing_to_split_and_to_regex():
    """normalise_text collapses whitespace with str.split() (no regex per value): that is ``\\s+`` → one space, then
    strip, only while the two agree on what whitespace is — checked for every code point."""
    import re
    import sys

    assert [c for c in map(chr, range(sys.maxunicode + 1)) if bool(re.fullmatch(r"\s", c)) != c.isspace()] == []
    spaces = re.compile(r"\s+")
    for text in ("", " ", "  王 \t芳\u3000 ", "\x1c李明\x85\u2028", "第一中学\u00a0 党委 ", "a\u200bb"):
        assert " ".join(text.split()) == spaces.sub(" ", text).strip()
        assert "".join(text.split()) == spaces.sub("", text)


@pytest.mark.parametrize("written", [
    "王芳", "欧阳建国", "錢偉", "王 芳", "陈建国（书记）", "陈静书记", "书记", "副书记", "校长", "阿依古丽·买买提", "A.李",
    "李明、王芳", "李明/王芳", "李明;王芳", "张三(出差)", "王芳）", "【王芳】", "李明\n王芳", "", " ", "王芳 ", "王芳．",
    "赵强同志", "刘洋 校长", "林书记", "周主任", "黨支部書記", "张三 李四 王五",
])
def test_a_plain_name_is_its_own_key(written):
    """person_key's shortcut — a normalised cell with no whitespace, bracket, separator or dot, and no post at its
    end, is returned as it is — gives what reading it name by name gives."""
    from compliance.spelling import _people, normalise_text

    assert person_key(written) == _people(normalise_text(written.replace("\n", " ")))


def test_a_full_cache_is_emptied_without_losing_a_value(monkeypatch):
    """The caches of normal forms are emptied when a call would take them past their size, and then keep that call's
    new values: its values seen before are looked up first, not in the emptied cache (a KeyError, and a traceback,
    before), nor converted again."""
    from compliance import spelling

    monkeypatch.setattr(spelling, "_KEPT", 4)
    monkeypatch.setattr(spelling, "_TEXTS", {})
    monkeypatch.setattr(spelling, "_NAMES", {})
    assert spelling.normalise_texts(["黨支部", "王 芳"]) == ["党支部", "王 芳"]
    assert spelling.normalise_texts(["王 芳", "會議", "課程", "組織"]) == ["王 芳", "会议", "课程", "组织"]
    assert list(spelling._TEXTS) == ["會議", "課程", "組織"]  # (王 芳 looked up, then forgotten)
    assert spelling.normalise_names(["黨支部", "王 芳"]) == ["党支部", "王芳"]
    assert spelling.normalise_names(["王 芳", "會議", "課程", "組織"]) == ["王芳", "会议", "课程", "组织"]


def test_the_bulk_forms_are_each_value_alone():
    """person_keys and split_lists (a roster's leaders and aliases, whole columns at once, with shortcuts for a
    plain name and a list of one) give what person_key and split_list give value by value."""
    from compliance.spelling import person_keys, split_list, split_lists

    cells = ["王芳", "王 芳", "錢偉", "陈建国（书记）", "陈静书记", "书记", "李明、王芳", "李明\n王芳", "", " ", "王芳．",
             "刘洋 校长", "黨支部書記", "张三 李四 王五", "阿依古丽·买买提", "一中﹐二中", "一中，", "、", " 一中 ", "a/b;c"]
    assert person_keys(cells) == [person_key(cell) for cell in cells]
    assert split_lists(cells) == [split_list(cell) for cell in cells]


@settings(max_examples=300 if os.environ.get("COMPLIANCE_FUZZ") == "long" else 60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(["王", "芳", "李明", "书记", "副校长", "同志", " ", "\u3000", "、", ",", "；",
                                          "/", "（", "）", "·", ".", "黨", "\n", "a", ""]), max_size=6).map("".join),
                max_size=12))
def test_the_bulk_forms_searched_all_at_once(cells):
    """person_keys and split_lists find the cells that need more than the shortcut by one search of all of them
    joined: the same answers as value by value, whatever the cells hold (posts at a cell's end or in its middle, a
    separator at either end, line breaks, which split_lists then reads value by value)."""
    from compliance.spelling import person_keys, split_list, split_lists

    assert person_keys(cells) == [person_key(cell) for cell in cells]
    assert split_lists(cells) == [split_list(cell) for cell in cells]
    flat = [cell.replace("\n", "") for cell in cells]
    assert split_lists(flat) == [split_list(cell) for cell in flat]


def test_the_blanks_are_every_whitespace_but_a_line_break():
    """``BLANKS``, which the bulk conversions search for to know that no value needs its whitespace collapsed, are
    exactly the characters str.split() splits at, but the line break that joins the values."""
    import sys

    from compliance.spelling import BLANKS

    assert set(BLANKS) == {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()} - {"\n"}
    assert len(BLANKS) == len(set(BLANKS))


@settings(max_examples=300 if os.environ.get("COMPLIANCE_FUZZ") == "long" else 60, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from(["黨", "支部", "党", "Ａ", "a", "１", " ", "\u3000", "\xa0", "\t", "\n", "、",
                                          "乾燥", "學校", "王"]), max_size=5).map("".join), max_size=10),
       st.booleans(), st.integers(1, 12))
def test_a_batch_is_each_value_alone_whatever_the_cache_holds(values, fresh, kept):
    """normalise_texts and normalise_names of a batch — new to the process or not, in normal form already or not,
    with whitespace or none — give for each value what converting it alone gives: NFKC, whitespace collapsed (or,
    for a name, gone), then OpenCC's t2s."""
    import unicodedata

    from compliance import spelling

    if fresh:
        spelling._TEXTS.clear()
        spelling._NAMES.clear()
    texts = [spelling._converter().convert(" ".join(unicodedata.normalize("NFKC", v).split())) for v in values]
    names = ["".join(text.split()) for text in texts]
    assert spelling.normalise_names(values) == names
    assert spelling.normalise_texts(values) == texts
    assert spelling.normalise_names(values, distinct=True) == names
    size = spelling._KEPT
    spelling._KEPT = kept  # (a cache this small is emptied by most batches: the same answers)
    try:
        assert spelling.normalise_texts(values[::-1]) == texts[::-1]
        assert spelling.normalise_names(values[::-1]) == names[::-1]
        assert spelling.normalise_names([*values, "學校"], distinct=True) == [*names, "学校"]
    finally:
        spelling._KEPT = size
