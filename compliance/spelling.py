"""Text normalisation shared by the catalogue and the ledgers: one spelling for one thing.

Traditional characters become simplified (OpenCC ``t2s``), full-width forms half-width (NFKC), and stray
whitespace goes. Names of people lose inner whitespace too ("王 芳" is 王芳). Callers convert each distinct
value once, never each cell.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import opencc

_SPACES = re.compile(r"\s+")
_LIST_SEPARATORS = re.compile(r"[、,，;；/]+")


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1 << 16)
def normalise_text(value: str) -> str:
    """Simplified, half-width, trimmed, inner runs of whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", value)
    text = _SPACES.sub(" ", text).strip()
    return _converter().convert(text) if text else text


@lru_cache(maxsize=1 << 16)
def normalise_name(value: str) -> str:
    """A name of a person or organisation: normalised text with no whitespace at all."""
    return _SPACES.sub("", normalise_text(value))


def split_list(value: str) -> list[str]:
    """``张三、李四`` → ``["张三", "李四"]``; an empty string gives an empty list."""
    return [part for part in (p.strip() for p in _LIST_SEPARATORS.split(value)) if part]
