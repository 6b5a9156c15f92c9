"""What attendance lists cost: a platform's export of one row per member (序号 | 姓名 | 所属党组织 | 主题 | 时间), a
million rows, through the intake — the grouping into activities is column work (pandas), never a loop over rows.

    python -m benchmarks.attendance                  # 1,000,000 member rows: 2,500 branches × 20 activities × 20
    python -m benchmarks.attendance --rows 100000

Writes one CSV (and a roster of the branches) into a temporary folder, then times each intake stage in-process —
reading, normalising (which decides the table is a member list), the data-quality gate (which groups the rows into
activities and counts them) — as CPU seconds (every thread) and wall seconds: on a shared machine the CPU figure is
the steadier. Compare the same stages of ``benchmarks.run`` at 1M, whose canonical ledger has no list at all.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from datetime import date
from pathlib import Path

MEMBERS = 20  # per activity
NAMES = ["王建华", "李秀英", "张志强", "刘海燕", "陈国庆", "杨丽萍", "黄文军", "赵晓东", "吴红梅", "周永明", "徐玉兰",
         "孙德胜", "马春燕", "朱学文", "胡桂芳", "郭振国", "何雪梅", "高立新", "林淑珍", "罗卫东"]  # made up
ACTIVITIES = 20  # per branch: a 主题党日 a month, and some months two


def write(folder: Path, rows: int) -> tuple[int, int]:
    """The export and its roster: (rows, activities) written."""
    branches = max(rows // (MEMBERS * ACTIVITIES), 1)
    (folder / "roster").mkdir()
    with (folder / "roster" / "组织.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["组织名称", "组织类型", "上级组织", "成立日期"])
        out.writerow(["区委教育工委", "党工委", "", "2010-01-01"])
        out.writerows([f"第{b}中学党支部", "党支部", "区委教育工委", "2010-01-01"] for b in range(branches))
    (folder / "roster" / "领导干部.csv").write_text("姓名,所在单位,职务,任职日期,离任日期\n", encoding="utf-8")
    (folder / "ledgers").mkdir()
    n = 0
    with (folder / "ledgers" / "已展开主题党日.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["序号", "姓名", "所属党组织", "主题", "时间"])
        for b in range(branches):
            for a in range(ACTIVITIES):
                day = f"2024年{a % 12 + 1}月{5 + a // 12 * 10}日"
                for m in range(MEMBERS):
                    n += 1
                    out.writerow([n, NAMES[(b * 7 + m) % len(NAMES)][0] + NAMES[m][1:], f"第{b}中学党支部",
                                  f"第{a + 1}次主题党日", day])
    return n, branches * ACTIVITIES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from compliance.engine.kinds import load_catalogue
    from compliance.intake.discover import discover
    from compliance.intake.expectations import gxe
    from compliance.intake.gate import gate
    from compliance.intake.meaning import HeaderReader
    from compliance.intake.normalise import normalise
    from compliance.intake.roster import read_roster
    from compliance.intake.sheets import read_sources

    gxe()  # its import, once: not the gate's cost
    catalogue = load_catalogue(None)
    with tempfile.TemporaryDirectory(prefix="attendance-bench-") as tmp:
        folder = Path(tmp)
        rows, activities = write(folder, args.rows)
        roster = read_roster(folder / "roster")
        reader = HeaderReader(catalogue.column_of, catalogue.type_of)
        timings = []

        def timed(label, stage):
            cpu, wall = time.process_time(), time.perf_counter()
            value = stage()
            timings.append((label, time.process_time() - cpu, time.perf_counter() - wall))
            return value

        sources, _ = timed("read", lambda: read_sources(discover([folder / "ledgers"]), reader))
        candidates = timed("normalise", lambda: normalise(sources, catalogue, roster, reader))
        gated = timed("gate", lambda: gate(candidates, roster, catalogue, date(2024, 12, 31)))
    (table,) = candidates.tables
    print(f"member rows                        {rows:,} ({activities:,} activities of {MEMBERS})")
    for label, cpu, wall in timings:
        print(f"{label:<35}{cpu:.2f} s CPU, {wall:.2f} s wall")
    print(f"read as                            {table.kind.kind.value}: {table.accepted:,} rows → "
          f"{table.activities:,} activities, {len(gated.records):,} records, {len(gated.rejected)} rejected")


if __name__ == "__main__":
    main()
