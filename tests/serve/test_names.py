"""The names uploaded files get on the server's disk (``safe_parts``): inside the run, and ones Windows accepts —
the server may run there, and a run's folder is copied there."""

from __future__ import annotations

import pytest

from compliance.serve.workspace import safe_parts


@pytest.mark.parametrize(("sent", "parts"), [
    ("台账/第一中学.xlsx", ["台账", "第一中学.xlsx"]),
    ("../../etc/passwd", ["etc", "passwd"]),
    ("C:\\Users\\书记\\台账.xlsx", ["Users", "书记", "台账.xlsx"]),
    ("a:b.csv", ["a_b.csv"]),  # on NTFS a:b would be the stream b of a file a
    ('台账<2024>|"终稿"?*.xlsx', ["台账_2024_终稿_.xlsx"]),
    ("CON.xlsx", ["_CON.xlsx"]),
    ("台账/aux", ["台账", "_aux"]),
    ("lpt1 .csv", ["_lpt1 .csv"]),
    ("台账.csv.", ["台账.csv"]),
    ("台账. . /一支部.csv", ["台账", "一支部.csv"]),
    ("?", ["_"]),
    ("...", ["未命名文件"]),  # nothing left once the trailing dots go
    ("..", []),
])
def test_an_uploaded_name_becomes_parts_windows_accepts(sent, parts):
    assert safe_parts(sent) == parts
