"""One spelling for one thing: people and organisations as ledgers write them (DOMAIN.md, "What real ledgers look
like": a post after a name, names in one cell, padded names, codes beside organisations)."""

from __future__ import annotations

import pytest

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
