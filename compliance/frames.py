"""Tables of Python objects that stay so.

pandas 3 copies every column of Python strings into its own string dtype when a DataFrame is built. For the
engine's columns — period labels, messages, names — that are only looked up, sorted on and handed to renderers,
the copy (and the copy back) is pure cost: about a second per million cells. ``frame`` keeps them as objects.
"""

from __future__ import annotations

from collections.abc import Sized

import numpy as np
import pandas as pd


def objects(values) -> pd.Series:
    """An object column as it is, without inference into pandas' string dtype."""
    return pd.Series(values, dtype=object, copy=False)


def frame(columns: dict[str, object], *, copy: bool = True) -> pd.DataFrame:
    """A DataFrame of ``columns``: object arrays and string constants stay Python objects; the rest as given.

    ``copy=False`` for a frame that is only read (sorted, taken from, turned into arrays): each column stays its
    own block over the array given — pandas would otherwise copy the object columns into one 2-D block, 0.4 s and
    a copy of every column for a province's judgements — and writing to the frame would write to the arrays."""
    length = next((len(v) for v in columns.values() if isinstance(v, Sized) and not np.isscalar(v)), 0)
    out = {}
    for name, value in columns.items():
        if isinstance(value, str) or value is None:
            value = constant(length, value)
        if isinstance(value, np.ndarray) and value.dtype.kind == "U":
            value = value.astype(object)
        if isinstance(value, np.ndarray) and value.dtype == object:
            value = objects(value)
        out[name] = value
    return pd.DataFrame(out, copy=copy)


def constant(length: int, value: object) -> np.ndarray:
    """An object array holding one value ``length`` times (the same object: ``np.full`` would make a new string
    per element)."""
    out = np.empty(length, dtype=object)
    out.fill(value)
    return out
