"""Text normalisation shared by the catalogue and the ledgers: one spelling for one thing.

Traditional characters become simplified (OpenCC ``t2s``), full-width forms half-width (NFKC), and stray
whitespace goes. Names of people lose inner whitespace too ("王 芳" is 王芳). Callers convert each distinct
value once, never each cell.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from functools import cache, lru_cache, partial
from itertools import accumulate, compress, filterfalse
from operator import not_

import opencc

_SPACES = re.compile(r"\s+")
_LIST_SEPARATORS = re.compile(r"[、,，;；/]+")
_DOTS = re.compile(r"[·•・‧∙⋅.．]")  # the middle dot of minority names, in every variant, or none at all
BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")  # a bracketed aside, in either width
_CODE = re.compile(r"[(（\[【]\s*[A-Za-z0-9\-_]+\s*[)）\]】]|^\s*[A-Za-z]?\d{4,}\s+|\s+[A-Za-z]?\d{4,}\s*$")
# Posts written after a name (陈建国（书记）, 刘洋 校长, 陈静书记), longest first.
POSTS = tuple(sorted((
    "书记", "副书记", "党委书记", "党委副书记", "支部书记", "总支书记", "校长", "副校长", "执行校长", "主任", "副主任",
    "委员", "组织委员", "宣传委员", "纪检委员", "局长", "副局长", "部长", "副部长", "院长", "副院长", "主席", "组长",
    "同志", "老师", "教师", "园长", "副园长",
), key=len, reverse=True))


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


# Each distinct spelling's normal form, computed once per process (a province's roster holds 100k distinct
# spellings: its names, aliases, parents, leaders and units — more than any small cache, and each is met several
# times). Emptied when it outgrows _KEPT, so that a long-lived server's memory stays bounded.
_TEXTS: dict[str, str] = {}
_NAMES: dict[str, str] = {}
_KEPT = 1 << 19


def normalise_text(value: str) -> str:
    """Simplified, half-width, trimmed, inner runs of whitespace collapsed to one space."""
    text = _TEXTS.get(value)
    return text if text is not None else normalise_texts([value])[0]


def normalise_texts(values: Iterable[str]) -> list[str]:
    """``normalise_text`` of each value: those not seen before in this process converted to simplified characters
    in one call of OpenCC for all of them (a call per value costs more than its conversion); text with no
    character beyond ASCII is not given to OpenCC at all (it has nothing to convert there). (The passes over the
    values are ``map``/``filterfalse`` of the cache's own methods: a province's roster gives ~100k values, and a
    Python-level loop per pass cost more than the conversion itself.)"""
    values = values if isinstance(values, list) else list(values)
    missing = list(dict.fromkeys(filterfalse(_TEXTS.__contains__, values)))
    if not missing:
        return list(map(_TEXTS.__getitem__, values))
    texts, fixed = _normal_texts(missing)
    answer = _answer(_TEXTS, values, missing, texts)
    _TEXTS.update(zip(missing, texts, strict=True))
    if fixed and len(_NAMES) + len(missing) <= _KEPT:  # each its own name too: known as one (no second pass)
        _NAMES.update(zip(missing, missing, strict=True))
    return answer if answer is not None else list(map(_TEXTS.__getitem__, values))


def _answer(cache: dict[str, str], values: list[str], missing: list[str], converted: list[str]) -> list[str] | None:
    """What a batch converts to, where it need not or cannot be looked up in ``cache`` once the new values are added
    to it: every value new (the converted values are in the batch's order, a value that comes twice converted
    twice), or a cache that the new values would take past ``_KEPT`` — emptied, to keep only them, after the others
    are looked up. None: look the batch up."""
    full = len(cache) + len(missing) > _KEPT
    if len(missing) == len(values):
        if full:
            cache.clear()
        return converted
    if not full:
        return None
    known = list(map(cache.get, values))  # (None where new: no normal form is None)
    new = dict(zip(missing, converted, strict=True))
    cache.clear()
    return [new[value] if form is None else form for value, form in zip(values, known, strict=True)]


def _normal_texts(values: list[str]) -> tuple[list[str], bool]:
    """``normalise_text`` of each value, computed, and whether every value is already in its normal form, holding
    no whitespace (its own text and name: what most of a roster's names are). Most values hold no whitespace once
    half-width: one search of them all joined tells, and they go to OpenCC as they are, joined once."""
    forms = list(map(_nfkc, values))
    joined = "\n".join(forms)
    if not _blank(joined) and joined.count("\n") == len(forms) - 1:
        texts = _simplified(forms, joined)
        return texts, forms == values and texts == forms
    # (str.split() splits at the whitespace \s matches — one test of str.isspace — and drops it at both ends:
    # the join is _SPACES.sub(" ", …).strip(), without a regex per value)
    return _simplified(list(map(" ".join, map(str.split, forms)))), False


# Whitespace other than a line break: every character str.isspace() (and so str.split() and the regex \s) takes
# for whitespace, but "\n" (tests/test_spelling.py computes them again).
BLANKS = ("\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f", " ", "\x85", "\xa0", "\u1680",
          *map(chr, range(0x2000, 0x200B)), "\u2028", "\u2029", "\u202f", "\u205f", "\u3000")


def _blank(text: str) -> bool:
    """Does ``text`` hold whitespace other than a line break? (A search per character: on 300k characters of names
    a third of the time of one regex search for a class of them.)"""
    return any(map(text.__contains__, BLANKS))


_nfkc = partial(unicodedata.normalize, "NFKC")


def _simplified(texts: list[str], joined: str | None = None) -> list[str]:
    """OpenCC's t2s of each text (none holds a line break: whitespace is collapsed first), in one call: the texts
    joined by line breaks — no dictionary entry spans one, so each converts as it would alone. (``joined``: the
    texts so joined, where the caller has them.)"""
    plain = list(map(str.isascii, texts))
    if all(plain):
        return texts
    others = texts if not any(plain) else list(compress(texts, map(not_, plain)))
    converted = _converter().convert(joined if joined is not None and others is texts
                                     else "\n".join(others)).split("\n")
    if len(converted) != len(others):  # (never seen: a line break made or lost) each alone, then
        converted = [_converter().convert(text) for text in others]
    if others is texts:
        return converted
    replaced = iter(converted)
    return [text if ascii_ else next(replaced) for text, ascii_ in zip(texts, plain, strict=True)]


def normalise_name(value: str) -> str:
    """A name of a person or organisation: normalised text with no whitespace at all."""
    name = _NAMES.get(value)
    if name is None:
        if len(_NAMES) >= _KEPT:
            _NAMES.clear()
        name = _NAMES[value] = "".join(normalise_text(value).split())  # (_SPACES.sub("", …), as in normalise_texts)
    return name


def normalise_names(values: Iterable[str], *, distinct: bool = False) -> list[str]:
    """``normalise_name`` of each value, the new ones converted together (as ``normalise_texts`` converts them, and
    kept as texts too; passes as there). Most values of a roster are their own name (``_normal_texts``).
    ``distinct``: no value comes twice (a column's distinct cells), so that none is looked for twice — a hint: a
    value that does come twice is converted twice, to the same name."""
    values = values if isinstance(values, list) else list(values)
    new = filterfalse(_NAMES.__contains__, values)
    missing = list(new) if distinct else list(dict.fromkeys(new))
    if not missing:
        return list(map(_NAMES.__getitem__, values))
    texts, fixed = _normal_texts(missing)  # (computed, not looked up: a new name is most often a new text)
    if len(_TEXTS) + len(missing) > _KEPT:  # (emptied, as normalise_texts empties it)
        _TEXTS.clear()
    _TEXTS.update(zip(missing, texts, strict=True))
    joined = "" if fixed else "\n".join(texts)  # (most names hold no whitespace: one search of all tells)
    names = missing if fixed else texts if not _blank(joined) and joined.count("\n") == len(
        texts) - 1 else list(map("".join, map(str.split, texts)))
    answer = _answer(_NAMES, values, missing, names)
    _NAMES.update(zip(missing, names, strict=True))
    return answer if answer is not None else list(map(_NAMES.__getitem__, values))


def organisation_key(value: str) -> str:
    """An organisation's name as looked up: normalised, without a code in brackets or set apart by a space
    (…党支部（33010200101）, 33010200101 …党支部), a formal name as rosters keep it (``short_name``)."""
    return short_name(normalise_name(_CODE.sub("", value)))


# A formal name as platforms export it: 中共 (中国共产党), the unit, then 支部委员会, 总支部委员会, 委员会, 工作委员会…
_FORMAL = re.compile(
    r"^(?:中国共产党|中共)(.+?)(总支部委员会|支部委员会|工作委员会|委员会|党总支|党支部|党委|工委|党组|总支|支部)$"
)
_SHORT = {"总支部委员会": "党总支", "支部委员会": "党支部", "工作委员会": "工委", "委员会": "党委"}


def short_name(name: str) -> str:
    """A normalised organisation name as rosters keep it: 中共北京邮电大学XXXX支部委员会 is 北京邮电大学XXXX党支部,
    中共…总支部委员会 a …党总支, 中共…委员会 a …党委, 中共…工作委员会 a …工委, 中共…党组 a …党组. Other names
    are returned as they are."""
    if not name.startswith(("中共", "中国共产党")):  # (a province's names are looked up one by one: no regex for most)
        return name
    match = _FORMAL.match(name)
    return match[1] + _SHORT.get(match[2], match[2]) if match else name


@lru_cache(maxsize=1 << 18)
def person_key(value: str) -> str:
    """The people a cell names, as ``张三、李四``: each normalised, without a post after it (陈建国（书记）, 刘洋 校长,
    陈静书记 → 陈建国, 刘洋, 陈静) and without middle dots; names may be separated by 、 , ; / or by spaces and line
    breaks — but single characters separated by spaces are one padded name ("王 芳")."""
    text = normalise_text(value.replace("\n", " "))
    if not text.endswith(POSTS) and not _NOT_PLAIN.search(text):  # one plain name, as most cells hold: itself
        return text
    return _people(text)


def person_keys(values: list[str]) -> list[str]:
    """``person_key`` of each value (a roster's leaders: ~20k names, most of them plain): the cells normalised
    together, and only those more than one plain name read name by name."""
    texts = normalise_texts([value.replace("\n", " ") for value in values])
    odd = _found(_NOT_PLAIN_OR_POST, texts)  # (normalised: no text holds a line break)
    more = map(_more_than_a_name, texts) if odd is None else odd
    return [_people(text) if odd else text for text, odd in zip(texts, more, strict=True)]


def _found(pattern: re.Pattern, texts: list[str]) -> list[bool] | None:
    """Which of the texts ``pattern`` finds something in, by one search of all of them joined by line breaks (the
    pattern must match no line break, and see a text's end as ``(?=\\n|\\Z)``); None if a text holds a line break."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        return None
    found = [False] * len(texts)
    at = [match.start() for match in pattern.finditer(joined)]
    if at:  # text i holds the positions from its start up to the next one's, ends[i]
        ends = list(accumulate(map((1).__add__, map(len, texts))))
        for position in at:
            found[bisect_right(ends, position)] = True
    return found


def _more_than_a_name(text: str) -> bool:
    return text.endswith(POSTS) or _NOT_PLAIN.search(text) is not None


# What makes a normalised cell more than one plain name: whitespace, a bracket, a list separator (_LIST_SEPARATORS),
# a dot (_DOTS). A cell with none of them, not ending with a post, is the name ``_people`` would give.
_NOT_PLAIN = re.compile(r"[\s(（\[【)）\]】、,，;；/·•・‧∙⋅.．]")
# either test at once, for texts joined by line breaks (``_found``)
_NOT_PLAIN_OR_POST = re.compile(r"[^\S\n]|[(（\[【)）\]】、,，;；/·•・‧∙⋅.．]|(?:" + "|".join(POSTS) + r")(?=\n|\Z)")


def _people(text: str) -> str:
    """``person_key`` of a normalised cell, read name by name."""
    text = BRACKETED.sub(" ", text)
    names: list[str] = []
    for part in (p for p in _LIST_SEPARATORS.split(text) if p.strip()):
        tokens = part.split()
        merged: list[str] = []
        for token in tokens:  # "王 芳" is one name; "李明 王芳" two; "刘洋 校长" a name and a post
            if merged and (len(token) == 1 or len(merged[-1]) == 1) and token not in POSTS:
                merged[-1] += token
            else:
                merged.append(token)
        for token in merged:
            name = _DOTS.sub("", token)
            while name.endswith(POSTS) and (post := next((p for p in POSTS if name.endswith(p) and len(name) > len(p)),
                                                          None)):
                name = name.removesuffix(post)
            if name and name not in POSTS:
                names.append(name)
    return "、".join(names)


def split_list(value: str) -> list[str]:
    """``张三、李四`` → ``["张三", "李四"]``; an empty string gives an empty list."""
    return [part for part in (p.strip() for p in _LIST_SEPARATORS.split(value)) if part]


def split_lists(values: list[str]) -> list[list[str]]:
    """``split_list`` of each value: one without a separator is itself, stripped (a roster's aliases: most are one
    name), without splitting it."""
    found = _found(_LIST_SEPARATORS, values)
    return [split_list(value) if separated else ([part] if (part := value.strip()) else [])
            for value, separated in zip(values, found if found is not None else map(_LIST_SEPARATORS.search, values),
                                        strict=True)]


_NAMED = re.compile(r"([^、,，;；/()（）\[\]【】]+)(?:[(（\[【]([^)）\]】]*)[)）\]】])?")
# What a list of people holds when it names nobody (缺席人员：无).
NOBODY = frozenset({"无", "没有", "无人", "全到", "全部到会", "全员到会", "无缺席", "暂无", "-", "—", "－"})


def name_list(value: str) -> list[tuple[str, str | None]]:
    """A cell listing people, each perhaps with a note in brackets, as (name, note) pairs: ``张三,李四(出差)`` →
    ``[("张三", None), ("李四", "出差")]``; ``张三、李四(请假)、王五(缺席)、赵六(列席)`` likewise (the attendance
    lists' cells); ``无`` → ``[]``. Names as ``person_key`` reads them (a padded "王 芳", a post after a name); a
    note belongs to the name just before it. One parser for 缺席人员及原因 in minutes and 参会人员 cells."""
    out: list[tuple[str, str | None]] = []
    for match in _NAMED.finditer(normalise_text(value.replace("\n", "、"))):
        names = [n for n in split_list(person_key(match.group(1))) if n not in NOBODY]
        note = normalise_text(match.group(2)) if match.group(2) and match.group(2).strip() else None
        note = None if note in POSTS else note  # 陈建国（书记）: a post, not a note
        out.extend((name, note if k == len(names) - 1 else None) for k, name in enumerate(names))
    return out
