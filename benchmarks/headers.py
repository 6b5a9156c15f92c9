"""What header understanding costs per table: finding the header row and deciding what every column means.

    python -m benchmarks.headers

Over every table of the bundled ledgers (fixtures/demo, fixtures/messy and the nine fixtures/layouts exports, read
once), it times ``locate_header`` on the sheet's first rows plus ``understand`` on the table — the work the intake
adds per table on top of reading cells — with a fresh ``HeaderReader`` per table (nothing cached from another
table: the worst case) and with one reader shared (what a run does). Then the same on one wide export of 200,000
rows, to show that the cost does not grow with the rows (cells are sampled, never scanned). Prints one table;
the issue's target is under 5 ms per table.
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from compliance.engine.kinds import load_catalogue
from compliance.intake.discover import discover
from compliance.intake.header import HEADER_SEARCH_ROWS, locate_header
from compliance.intake.meaning import HeaderReader
from compliance.intake.roster import read_roster
from compliance.intake.sheets import Sheet, read_rows, to_table
from compliance.intake.understand import understand

REPO = Path(__file__).resolve().parents[1]
FOLDERS = [REPO / "fixtures" / "demo" / "ledgers", REPO / "fixtures" / "messy" / "ledgers",
           *sorted(p for p in (REPO / "fixtures" / "layouts").iterdir() if p.is_dir())]
REPEAT = 20


def sheets() -> list[tuple[str, Sheet]]:
    out = []
    for folder in FOLDERS:
        for path, shown in discover([folder]):
            for name, content in read_rows(path, shown).items():
                if content.has_content():
                    out.append((f"{folder.name}/{shown}:{name or ''}", content))
    return out


def wide_export(rows: int) -> Sheet:
    """A platform export of ``rows`` rows: codes, planned and actual dates, recorder, absences, a status."""
    rng = np.random.default_rng(1)
    start = date(2024, 1, 1)
    days = [(start + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 365, rows)]
    frame = pd.DataFrame({
        0: [str(i) for i in range(rows)], 1: "0102001", 2: "第一中学第一党支部", 3: "支委会", 4: "详见会议记录",
        5: "研究支部工作", 6: days, 7: days, 8: "赵敏", 9: "李明", 10: "5", 11: "5", 12: "0", 13: "0", 14: "已审核",
    }, dtype=object)
    header = pd.DataFrame([["序号", "组织编码", "所在党支部", "会议类型", "会议内容", "会议议题", "计划召开时间",
                            "实际召开时间", "记录人", "主持人姓名", "应到人数", "实到人数", "请假人数", "列席人数",
                            "审核状态"]], dtype=object)
    return Sheet(frame=pd.concat([header, frame], ignore_index=True))


def cost(content: Sheet, catalogue, roster, shared: HeaderReader | None) -> float:
    """Seconds to find the header and understand the table (best of REPEAT)."""
    times = []
    for _ in range(REPEAT):
        reader = shared or HeaderReader(catalogue.column_of)
        began = time.perf_counter()
        found = locate_header(content.head(HEADER_SEARCH_ROWS), reader)
        located = time.perf_counter() - began
        if found is None:
            times.append(located)
            continue
        table = to_table(content, found[0], "x", None)  # reading (it builds the cells frame): not counted
        began = time.perf_counter()
        understand(table, reader, catalogue, roster)
        times.append(located + time.perf_counter() - began)
    return min(times)


def main() -> None:
    catalogue = load_catalogue()
    roster = read_roster(REPO / "fixtures" / "demo" / "roster")
    tables = sheets()
    shared = HeaderReader(catalogue.column_of)
    cold = [cost(content, catalogue, roster, None) * 1000 for _, content in tables]
    warm = [cost(content, catalogue, roster, shared) * 1000 for _, content in tables]
    wide = wide_export(200_000)
    wide_cold = cost(wide, catalogue, roster, None) * 1000
    print(f"header understanding, {len(tables)} tables of the bundled ledgers (best of {REPEAT} each), ms per table")
    print(f"{'':<28}{'median':>8}{'p95':>8}{'max':>8}")
    for name, values in (("fresh reader per table", cold), ("one reader for the run", warm)):
        ordered = sorted(values)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        print(f"{name:<28}{statistics.median(values):>8.2f}{p95:>8.2f}{max(values):>8.2f}")
    slowest = max(zip(cold, (n for n, _ in tables), strict=True))
    print(f"slowest: {slowest[1]} ({slowest[0]:.2f} ms)")
    print(f"a 15-column platform export of 200,000 rows, fresh reader: {wide_cold:.2f} ms")
    print("target: under 5 ms per table")


if __name__ == "__main__":
    main()
