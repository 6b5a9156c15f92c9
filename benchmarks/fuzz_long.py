"""The long fuzz profile: every property of tests/test_fuzz.py and of the roster's (tests/intake/test_roster_fuzz.py)
at 2,000 examples, and the spelling properties (tests/test_spelling.py: the bulk conversions against each value
alone) at 300, on a seed, with its figures.

    python -m benchmarks.fuzz_long                  # a random seed, printed first (~15 min on 2 cores)
    python -m benchmarks.fuzz_long --seed 36        # the same run again
    python -m benchmarks.fuzz_long --profile ci     # CI's budget (40 examples, fixed seed): a quick look, ~30 s

CI runs the fast profile only; this is the run an issue that changes intake quotes in its closing note. Pytest runs
in this process (this tree's code: run it from the repository folder), so the figures come from pytest's own
reports: per property its outcome, the examples hypothesis ran (passing or failing; invalid ones and shrinking not
counted) and its time; then the total. A failure is printed by pytest as usual, with the decorator that replays
it. The exit code is pytest's.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = (HERE.parent / "tests" / "test_fuzz.py", HERE.parent / "tests" / "intake" / "test_roster_fuzz.py",
         HERE.parent / "tests" / "test_spelling.py")
_EXAMPLES = re.compile(r"during (\w+) phase.*?\n.*?\n\s*- (\d+) passing examples, (\d+) failing examples, "
                       r"(\d+) invalid examples")


class Figures:
    """A pytest plugin that keeps, per test, its outcome, its time and the examples hypothesis ran."""

    def __init__(self) -> None:
        self.rows: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report) -> None:
        row = self.rows.setdefault(report.nodeid, {"outcome": "passed", "seconds": 0.0, "examples": None})
        row["seconds"] += report.duration
        if report.failed or (report.skipped and row["outcome"] == "passed"):
            row["outcome"] = report.outcome if report.when == "call" else f"{report.outcome} ({report.when})"
        stats = report.__dict__.get("_hypothesis_stats")  # hypothesis' pytest plugin leaves its statistics here
        if stats:
            row["examples"] = examples(stats)


def examples(stats: str) -> int | None:
    """The examples run in the explicit, reuse and generate phases — passing or failing, as ``max_examples`` counts
    them (invalid ones and shrinking left out) — from hypothesis' statistics text (None when its wording is not
    understood: hypothesis does not promise it)."""
    found = [(phase, int(passing) + int(failing)) for phase, passing, failing, _ in _EXAMPLES.findall(stats)]
    return sum(n for phase, n in found if phase != "shrink") if found else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, help="hypothesis' seed (default: a random one, printed)")
    parser.add_argument("--profile", default="long", choices=["long", "ci"], help="the budget of the fuzz tests")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments, after --, e.g. -- -k csv")
    options = parser.parse_args(argv)
    import pytest

    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    os.environ["COMPLIANCE_FUZZ"] = options.profile  # read when the fuzz tests are imported, below
    print(f"fuzz profile {options.profile}, seed {seed}" + (" (ignored: the ci profile is derandomised)"
                                                            if options.profile == "ci" else ""), flush=True)
    figures = Figures()
    started = time.perf_counter()
    # one process (-o addopts= drops the suite's default -n auto): the figures come from this process's reports
    code = pytest.main([*map(str, TESTS), "-o", "addopts=", "-p", "no:cacheprovider", "-q", f"--hypothesis-seed={seed}",
                        "--hypothesis-show-statistics", "-o", "console_output_style=classic",
                        *options.pytest_args], plugins=[figures])
    elapsed = time.perf_counter() - started
    print(f"\n{'property':<72} {'outcome':<10} {'examples':>8} {'seconds':>8}")
    for nodeid, row in figures.rows.items():
        shown = "—" if row["examples"] is None else f"{row['examples']:,}"
        print(f"{nodeid.split('::')[-1]:<72} {row['outcome']:<10} {shown:>8} {row['seconds']:>8.1f}")
    counted = [r["examples"] for r in figures.rows.values() if r["examples"] is not None]
    properties = len(counted)
    passed = sum(r["outcome"] == "passed" for r in figures.rows.values())
    print(f"profile {options.profile}, seed {seed}: {properties} properties and {len(figures.rows) - properties} "
          f"plain tests, {sum(counted):,} examples, {passed} of {len(figures.rows)} passed, "
          f"{elapsed / 60:.1f} min ({elapsed:.0f} s), pytest exit {int(code)}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
