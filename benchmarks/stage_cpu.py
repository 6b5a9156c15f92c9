"""A whole check in this process, as ``benchmarks.run`` makes it, in CPU seconds per stage — user and system apart.

    python -m benchmarks.stage_cpu /tmp/benchdata/1M-province
    python -m benchmarks.stage_cpu /tmp/benchdata/1M --runs 3      # three fresh processes, one line each

On a machine shared with other work wall clocks are only upper bounds; CPU seconds compare old code with new. The
system part is the kernel's work for the process — mostly faulting in fresh memory — which a profile of the
Python code does not show (the 评估 stage once spent as much there as in numpy and pandas). "run_check rest" is
what ``run_check`` does outside its timed stages (the judgement table, the waivers, the warnings); "json" writes
findings.json as the command line does.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from compliance.progress import Progress, peak_rss

AS_OF = date(2024, 12, 31)
HERE = Path(__file__).resolve().parent


class CpuProgress(Progress):
    """A ``Progress`` that also notes each stage's user and system CPU seconds."""

    def __init__(self) -> None:
        super().__init__(freeze=True)  # as the command line does
        self.cpu: list[tuple[str, float, float]] = []

    @contextmanager
    def stage(self, label: str, total: int | None = None, unit: str = "") -> Iterator:
        before = os.times()
        with super().stage(label, total, unit) as tick:
            yield tick
        after = os.times()
        self.cpu.append((label, after.user - before.user, after.system - before.system))


def once(corpus: Path) -> str:
    from compliance.intake.roster import read_roster
    from compliance.pipeline import run_check
    from compliance.render import findings_json

    progress = CpuProgress()
    roster = read_roster(corpus / "roster")
    begun = os.times()
    result = run_check([corpus / "ledgers"], roster, as_of=AS_OF, progress=progress)
    ended = os.times()
    with progress.stage("json"):
        findings_json.render(result, Path(tempfile.mkdtemp(prefix="stage-cpu-")))
    staged = [(label, user, system) for label, user, system in progress.cpu if label != "json"]
    rest = (ended.user - begun.user - sum(u for _, u, _ in staged),
            ended.system - begun.system - sum(s for _, _, s in staged))
    parts = [*staged, ("run_check rest", *rest), *[c for c in progress.cpu if c[0] == "json"]]
    cells = " · ".join(f"{label} {user + system:.2f} ({user:.2f}+{system:.2f})" for label, user, system in parts)
    return f"{corpus.name}: CPU s (user+system) {cells}; peak {peak_rss() / 2**20:,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="a folder with ledgers/ and roster/ (benchmarks.generate)")
    parser.add_argument("--runs", type=int, default=1, help="fresh processes, one after the other")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)  # internal: this process, one run
    args = parser.parse_args()
    if args.once:
        print(once(args.corpus), flush=True)
        return
    for _ in range(args.runs):
        subprocess.run([sys.executable, "-m", "benchmarks.stage_cpu", "--once", str(args.corpus)], check=True,
                       cwd=HERE.parent)  # this tree's code


if __name__ == "__main__":
    main()
