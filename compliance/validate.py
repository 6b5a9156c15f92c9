"""Validate: data-quality checks on accepted records that depend on the run (the as-of date).

Records dated after the as-of date are kept out of the evaluation and reported; 实到 above 应到 is reported but
the record counts. (The great-expectations suite over the same records is the ingestion issue's gate.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from compliance.normalise import Normalised, issues_frame


def check_quality(
    normalised: Normalised, as_of: np.datetime64, org_names: list[str]
) -> tuple[np.ndarray, pd.DataFrame]:
    """(usable: bool per record, warnings) for the normalised records."""
    records = normalised.records
    days = records["date"].to_numpy(dtype="datetime64[D]")
    after = days > as_of
    expected = records["expected"].to_numpy(dtype="float64", na_value=np.nan)
    present = records["present"].to_numpy(dtype="float64", na_value=np.nan)
    too_many = present > expected  # NaN compares False
    problems = [
        (after, "日期", lambda i: str(days[i]), f"日期晚于检查日 {as_of}，不计入本次检查"),
        (too_many, "实到", lambda i: str(int(present[i])), "实到人数多于应到人数"),
    ]
    rows = []
    for mask, column, value, reason in problems:
        for i in np.flatnonzero(mask):
            table = normalised.tables[records["table"].iat[i]]
            rows.append(
                {"source": table.source, "sheet": table.sheet, "row": int(records["row"].iat[i]),
                 "column": column, "value": value(i), "reason": reason,
                 "org": org_names[records["org"].iat[i]]}
            )
    return ~after, issues_frame(rows)
