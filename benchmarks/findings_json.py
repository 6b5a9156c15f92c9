"""CPU seconds of findings.json alone — its statistics included, as ``benchmarks.run`` times the ``json`` stage —
rendered several times on one check of a generated province, so that old and new code compare on a shared machine.

    python -m benchmarks.findings_json benchmarks/data/1M benchmarks/data/1M-province --repeat 5

Each folder holds ``ledgers`` and ``roster`` (``benchmarks.generate`` writes them; ``benchmarks.run`` keeps them
under ``benchmarks/data``). The check runs once per folder; then findings.json is written ``--repeat`` times into a
temporary folder, the statistics and the table of findings' positions made afresh each time (a check makes them
once, for whichever output asks first). CPU seconds (``time.process_time``: this process's user and system time),
not wall clock: on a machine shared with other work, CPU time moves far less than the clock does, though cache
contention still inflates it — compare runs made back to back. Prints, per folder, the fastest and the median
render, the file's size and MB per CPU second of the fastest.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

AS_OF = date(2024, 12, 31)


def measure(folder: Path, repeat: int) -> tuple[list[float], int]:
    """The CPU seconds of each of ``repeat`` renders of findings.json for the province in ``folder``, and its
    size in bytes."""
    from compliance.intake.roster import read_roster
    from compliance.pipeline import run_check
    from compliance.progress import Progress
    from compliance.render import findings_json

    result = run_check([folder / "ledgers"], read_roster(folder / "roster"), as_of=AS_OF,
                       progress=Progress(freeze=True))
    seconds = []
    with tempfile.TemporaryDirectory(prefix="bench-json-") as out:
        for _ in range(repeat):
            # made afresh each time, as a check makes them once (cached_property: kept in the instance's __dict__)
            result.__dict__.pop("stat_columns", None)
            result.judgements.__dict__.pop("reported", None)
            begun = time.process_time()
            findings_json.render(result, Path(out))
            seconds.append(time.process_time() - begun)
        size = (Path(out) / findings_json.FILENAME).stat().st_size
    return seconds, size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="generated provinces (ledgers/ and roster/ each)")
    parser.add_argument("--repeat", type=int, default=5, help="renders per folder")
    args = parser.parse_args(argv)
    for folder in args.folders:
        seconds, size = measure(folder, args.repeat)
        fastest = min(seconds)
        print(f"{folder.name}: findings.json {size / 1e6:.0f} MB, CPU {fastest:.3f} s fastest, "
              f"{statistics.median(seconds):.3f} s median of {len(seconds)}: {size / 1e6 / fastest:.0f} MB per CPU s",
              flush=True)


if __name__ == "__main__":
    main()
