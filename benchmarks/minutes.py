"""What reading meeting minutes costs: 1,000 Word documents, one meeting each, through the whole intake.

    python -m benchmarks.minutes            # needs python-docx (.[test]) to write the documents

Writes 1,000 minutes with python-docx (tests.minutes_docs: 50 branches × 20 meetings — 支委会 grids with labels
split over runs and merged value cells, 党员大会 grids, 主题党日 in 标签：值 paragraphs) into a temporary folder,
then times ``take_in`` on the folder — discovery, reading every document, normalising, the data-quality gate — and
the whole check. Prints one line per measurement; the issue's target is reading 1,000 minutes under 10 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

BRANCHES = 50
MEETINGS = 20  # per branch


def write(folder: Path, branches: int = BRANCHES, meetings: int = MEETINGS) -> int:
    from tests.minutes_docs import committee, grid_minutes, paragraph_minutes

    roster = folder / "roster"
    roster.mkdir()
    lines = ["组织名称,组织类型,上级组织,成立日期,别名,设党小组", "第一中学党委,党委,,2005-09-01,,"]
    minutes = folder / "minutes"
    n = 0
    for b in range(1, branches + 1):
        branch = f"第一中学第{b}党支部"
        lines.append(f"{branch},党支部,第一中学党委,2005-09-01,,")
        own = minutes / branch
        own.mkdir(parents=True)
        for m in range(meetings):
            month, day = m % 12 + 1, 5 + m // 12 * 10
            if m % 4 == 3:
                said = [f"活动时间：2024年{month}月{day}日", "活动地点：党员活动室", f"活动主题：第{m}次学习"]
                paragraph_minutes(own / f"{m:02d}主题党日.docx", f"{branch}主题党日活动记录", said, "活动中……")
            elif m % 4 == 2:
                grid_minutes(own / f"{m:02d}党员大会.docx", f"{branch}党员大会记录", [
                    ["时间", f"2024.{month:02d}.{day:02d} 14:30", "主持人", "李明"],
                    ["主 题：", f"第{m}次党员大会"], ["应到人数", "30", "实到人数", "25"]])
            else:
                committee(own / f"{m:02d}支委会.docx", f"中共第一中学委员会第{b}党支部2024年{month}月支委会记录",
                          f"2024-{month:02d}-{day:02d} 14:30", f"研究{month}月工作")
            n += 1
    (roster / "组织.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (roster / "领导干部.csv").write_text("姓名,所在单位,职务,任职日期,离任日期\n", encoding="utf-8")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=BRANCHES)
    args = parser.parse_args()
    from compliance.engine.kinds import load_catalogue
    from compliance.pipeline import run_check, take_in

    with tempfile.TemporaryDirectory(prefix="minutes-bench-") as tmp:
        folder = Path(tmp)
        begun = time.perf_counter()
        n = write(folder, args.branches)
        written = time.perf_counter() - begun
        catalogue = load_catalogue(None)
        take_in([folder / "minutes"], folder / "roster", catalogue, date(2024, 12, 31))  # warm: imports, the gate
        begun = time.perf_counter()
        intake = take_in([folder / "minutes"], folder / "roster", catalogue, date(2024, 12, 31))
        read = time.perf_counter() - begun
        begun = time.perf_counter()
        result = run_check([folder / "minutes"], folder / "roster", rules=catalogue, as_of=date(2024, 12, 31))
        whole = time.perf_counter() - begun
    print(f"minutes written (python-docx)      {n:,} documents in {written:.1f} s")
    print(f"read, normalised, gated            {n:,} documents in {read:.2f} s "
          f"({read / n * 1000:.2f} ms each; {len(intake.gate.records):,} records, "
          f"{len(intake.gate.rejected)} rejected)   target < 10 s")
    print(f"whole check                        {whole:.2f} s ({len(result.findings()):,} findings)")


if __name__ == "__main__":
    main()
