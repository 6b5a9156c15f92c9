"""Ledger text that cannot reorder what is shown around it.

Bidirectional controls (U+202E RIGHT-TO-LEFT OVERRIDE and its kin) in an organisation's name make ``‮lmth.exe支部``
read as something else, on a page and in a file name. Where such text becomes a file name the controls are
removed; where it is shown, each becomes visible as its code point, ``[U+202E]``.
"""

from __future__ import annotations

import re

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# a search, not str.translate: translate visits every character in Python's dict lookup (0.75 s for a province's
# 13 MB index), the regular expression scans in C and calls back only where a control is (0.04 s)
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_REMOVED = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def _code_point(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group()):04X}]"


def visible_bidi(text: str) -> str:
    """``text`` with every bidirectional control written as its code point (plain ASCII: safe in HTML too)."""
    return _BIDI.sub(_code_point, text)


def without_bidi(text: str) -> str:
    return text.translate(_REMOVED)


# What Windows refuses in a file name: its reserved characters and the C0 controls (and DEL), and — whatever the
# extension, and with spaces before it — the names of its devices (CON.html, "nul .txt", COM¹). Organisation names
# and uploaded files' names become file names: these never reach the disk as they are, on any system, so that
# reports and runs copy to a Windows disk as they were written.
WINDOWS_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"{port}{n}" for port in ("COM", "LPT") for n in "123456789¹²³")})


def windows_reserved(name: str) -> bool:
    """Is ``name`` (a file name with its extension) one of the device names Windows reserves?"""
    return name.split(".")[0].rstrip(" ").upper() in WINDOWS_RESERVED
