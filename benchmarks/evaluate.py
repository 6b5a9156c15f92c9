"""The evaluation stage (评估) alone, in CPU seconds: read a corpus once, then judge it several times.

    python -m benchmarks.evaluate /tmp/benchdata/1M-province --runs 5
    python -m benchmarks.evaluate /tmp/benchdata/1M --cache /tmp/ctx-1M.pickle   # read once, reuse the next time

A corpus is a folder with ``ledgers/`` and ``roster/`` (``benchmarks.generate``). Everything before the engine
(reading, normalising, the gate) runs once; ``--cache`` keeps what it gave in a pickle so a later run starts at the
engine. Each run prints the CPU seconds of ``evaluate`` (``time.process_time``: on a machine shared with other
work, wall clocks are only upper bounds), then the slowest rules of the last run and a digest of the judgements
and evidence, which a change that should not change the findings must keep.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import time
from datetime import date
from pathlib import Path

import numpy as np

from compliance.engine.context import Context
from compliance.engine.evaluate import evaluate
from compliance.engine.kinds import load_catalogue
from compliance.engine.periods import AuditRange
from compliance.pipeline import take_in


def _inputs(corpus: Path, as_of: date, cache: Path | None) -> dict:
    if cache is not None and cache.exists():
        with cache.open("rb") as f:
            return pickle.load(f)
    catalogue = load_catalogue()
    intake = take_in([corpus / "ledgers"], corpus / "roster", catalogue, as_of)
    gated = intake.gate
    records = (gated.records if gated.counted.all() else gated.records[gated.counted]).reset_index(drop=True)
    inputs = {"records": records, "tables": intake.tables, "roster": intake.roster,
              "counts": intake.counts if len(intake.counts) else None}
    if cache is not None:
        with cache.open("wb") as f:
            pickle.dump(inputs, f, protocol=pickle.HIGHEST_PROTOCOL)
    return inputs


def digest(evaluation) -> str:
    """A hash of every judgement (column by column, as text) and every evidence pair, in order."""
    h = hashlib.sha256()
    for name, column in evaluation.judgements.items():
        h.update(name.encode())
        h.update("\x1f".join(map(str, column.tolist())).encode())
    h.update(evaluation.evidence["judgement"].to_numpy(np.int64).tobytes())
    h.update(evaluation.evidence["record"].to_numpy(np.int64).tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--as-of", default="2024-12-31")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", type=Path)
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    inputs = _inputs(args.corpus, as_of, args.cache)
    catalogue = load_catalogue()
    ctx_args = (inputs["records"], inputs["tables"], inputs["roster"], np.datetime64(as_of, "D"),
                AuditRange.year_of(as_of), catalogue.activity_types)
    seconds: list[float] = []
    rules: dict[str, float] = {}
    fastest: dict[str, float] = {}  # per rule, its least CPU time over the runs (the least disturbed)
    evaluation = None
    for _ in range(args.runs):
        ctx = Context(*ctx_args, counts=inputs["counts"])  # a fresh context: its cached properties count too
        last = [time.process_time()]
        rules.clear()

        def tick(n: int = 1, last=last) -> None:
            now = time.process_time()
            rules[catalogue.rules[len(rules)].id] = now - last[0]
            last[0] = now

        begun = time.process_time()
        evaluation = evaluate(catalogue, ctx, tick)
        seconds.append(time.process_time() - begun)
        for rule, s in rules.items():
            fastest[rule] = min(s, fastest.get(rule, s))
        print(f"评估 {seconds[-1]:.3f} CPU s ({len(evaluation.judgements):,} judgements, "
              f"{len(evaluation.evidence):,} evidence pairs)", flush=True)
    judged = sum(fastest.values())
    print(f"{args.corpus.name}: min {min(seconds):.3f} · median {sorted(seconds)[len(seconds) // 2]:.3f} CPU s; "
          f"rules {judged:.3f} s (each rule's least), the rest (joining, ordering) about "
          f"{min(seconds) - judged:.3f} s")
    for rule, s in sorted(fastest.items(), key=lambda item: -item[1])[:8]:
        print(f"  {rule:<34} {s:.3f} s")
    print(f"digest {digest(evaluation)}")


if __name__ == "__main__":
    main()
