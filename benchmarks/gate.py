"""The data-quality gate alone, and what its great-expectations costs: one table of CPU and wall seconds.

    python -m benchmarks.gate /tmp/benchdata/1M-province          # a generated province (benchmarks/generate.py)
    python -m benchmarks.gate /tmp/benchdata/1M --runs 5

The corpus is read and normalised once; then, each in this process:

- ``import``: great-expectations imported here (what a check without a helper pays before its gate);
- ``helper ready``: a helper process (``compliance.intake.expectations``) started and asked a first, tiny
  validation — how long after its start a check can have its answer (its imports, on the other core);
- ``gate``: the gate over the corpus, ``--runs`` times, great-expectations in process (imported before), then with
  a helper started and given time to import before each run (what ``compliance check`` of a large folder does).

CPU seconds are this process's (``time.process_time``): the helper's own work is on another core and not in them.
On a machine shared with other work, compare CPU seconds; wall seconds are upper bounds.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from compliance.engine.kinds import load_catalogue
from compliance.intake import expectations
from compliance.intake.discover import discover
from compliance.intake.gate import GATE, GateContext, gate
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import normalise
from compliance.intake.roster import read_roster
from compliance.intake.sheets import read_sources

AS_OF = date(2024, 12, 31)


def _timed(function) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    function()
    return time.process_time() - cpu, time.perf_counter() - wall


def _line(label: str, figures: list[tuple[float, float]]) -> str:
    cpu, wall = zip(*figures, strict=True)
    return (f"{label:28s} CPU min {min(cpu):6.3f} median {statistics.median(cpu):6.3f} · "
            f"wall min {min(wall):6.3f} median {statistics.median(wall):6.3f}  ({len(figures)} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, help="a folder holding ledgers/ and roster/")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", type=float, default=6.0, help="seconds a helper is given to import before a run")
    args = parser.parse_args()
    catalogue = load_catalogue(None)
    roster = read_roster(args.corpus / "roster")
    reader = HeaderReader(catalogue.column_of, catalogue.type_of)
    sources, _ = read_sources(discover([args.corpus / "ledgers"]), reader, None, lambda n=1: None, None)
    candidates = normalise(sources, catalogue, roster, reader, None)
    gc.freeze()  # as the command line does after each stage
    print(f"{args.corpus}: {len(candidates.rows):,} candidate rows")

    ctx = GateContext(pd.DataFrame(), roster, catalogue, AS_OF, [])
    tiny = pd.DataFrame({name: np.array([0.0, np.nan]) for name in
                         ("组织", "日期", "类型", "应到", "实到", "应到人数", "实到人数", "会前说纪")})
    specs = [check.expectation(ctx) for check in GATE]

    def ready() -> None:
        helper = expectations.Helper()
        assert helper.validate(tiny, specs) is not None, "the helper gave no answer"
        helper.stop()

    helper_ready = [_timed(ready)]
    os.environ[expectations.HELPER_VARIABLE] = "1"
    with_helper = []
    for _ in range(args.runs):
        expectations.start_helper([])
        time.sleep(args.wait)
        with_helper.append(_timed(lambda: gate(candidates, roster, catalogue, AS_OF)))
    imported = [_timed(expectations.gxe)]
    in_process = [_timed(lambda: gate(candidates, roster, catalogue, AS_OF)) for _ in range(args.runs)]
    print(_line("import great-expectations", imported))
    print(_line("helper ready (from start)", helper_ready))
    print(_line("gate, in process", in_process))
    print(_line("gate, with a helper", with_helper))


if __name__ == "__main__":
    main()
