"""CPU seconds of reading the ledgers (读取 without the roster) and normalising them, each corpus in fresh processes.

    python -m benchmarks.intake /tmp/benchdata/1M /tmp/benchdata/1M-poor /tmp/benchdata/1M-province --runs 5

Each run is a new process that reads the corpus's roster first (as ``compliance check`` does: its spellings are then
known), then times ``read_sources`` and ``normalise`` once each — CPU seconds (``time.process_time``: all threads,
so pyarrow's parallel parse counts in full) and wall seconds. On a machine shared with other work compare the CPU
figures, the old code and the new one run back to back (``PYTHONPATH`` pointing at each checkout); wall seconds are
upper bounds. Prints each run, then per corpus the median and the lowest.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ONE_RUN = """
import sys, time
from pathlib import Path
from compliance.engine.kinds import load_catalogue
from compliance.intake.discover import discover
from compliance.intake.meaning import HeaderReader
from compliance.intake.normalise import normalise
from compliance.intake.roster import read_roster
from compliance.intake.sheets import read_sources

corpus = Path(sys.argv[1])
catalogue = load_catalogue(None)
roster = read_roster(corpus / "roster")
reader = HeaderReader(catalogue.column_of, catalogue.type_of)
cpu, wall = time.process_time(), time.perf_counter()
sources, _ = read_sources(discover([corpus / "ledgers"]), reader)
read = (time.process_time() - cpu, time.perf_counter() - wall)
cpu, wall = time.process_time(), time.perf_counter()
candidates = normalise(sources, catalogue, roster, reader)
norm = (time.process_time() - cpu, time.perf_counter() - wall)
print(len(candidates.rows), *read, *norm)
"""


def run(corpus: Path) -> tuple[int, float, float, float, float]:
    done = subprocess.run([sys.executable, "-c", ONE_RUN, str(corpus)], capture_output=True, text=True, check=True)
    rows, read_cpu, read_wall, norm_cpu, norm_wall = done.stdout.split()
    return int(rows), float(read_cpu), float(read_wall), float(norm_cpu), float(norm_wall)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpora", nargs="+", type=Path, help="folders holding ledgers/ and roster/")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    results: dict[Path, list[tuple]] = {corpus: [] for corpus in args.corpora}
    for number in range(args.runs):  # the corpora in turn, so that a busy spell falls on each
        for corpus in args.corpora:
            rows, read_cpu, read_wall, norm_cpu, norm_wall = run(corpus)
            results[corpus].append((read_cpu, norm_cpu))
            print(f"run {number + 1} {corpus.name:12s} {rows:>9,} rows  读取 {read_cpu:.2f} s CPU "
                  f"({read_wall:.2f} s wall)  规范化 {norm_cpu:.2f} s CPU ({norm_wall:.2f} s wall)", flush=True)
    for corpus, figures in results.items():
        reads, norms = [f[0] for f in figures], [f[1] for f in figures]
        print(f"{corpus.name:12s} 读取 median {statistics.median(reads):.2f} s, lowest {min(reads):.2f} s CPU;"
              f" 规范化 median {statistics.median(norms):.2f} s, lowest {min(norms):.2f} s CPU")


if __name__ == "__main__":
    main()
