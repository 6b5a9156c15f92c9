"""The district's server under load: 50 units submitting demo-sized ledgers at once to ``compliance serve --store``.

    python -m benchmarks.district [--units 50] [--rounds 2] [--workers N]

Generates a district of ``--units`` schools (each school's year is about 150 records over two to five branches: the
size of the demo district's ledgers), issues a link per school with ``compliance links``, starts ``compliance serve
--store`` (SQLite) as a process of its own, and then, ``--rounds`` times, every school posts its own ledger to
``/api/check`` with its token, all at once. Prints whether every submission landed (200, a submission number, the
store's count), the latency of each round (p50, p95, slowest: from the first byte sent to the answer), and the
store's size on disk (the database and its write-ahead log), in all and per submission.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _size(store: Path) -> int:
    return sum(p.stat().st_size for p in store.parent.glob(store.name + "*"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its cores)")
    args = parser.parse_args(argv)

    from click.testing import CliRunner

    from benchmarks.run import machine
    from benchmarks.units import Server, generate, submit
    from compliance.cli import main as cli
    from compliance.serve.run import cores
    from compliance.serve.store.store import Store

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        district = generate(tmp / "generated", records=round(args.units * 150))
        units = district.units[: args.units]
        if len(units) < args.units:
            raise SystemExit(f"the generated district has {len(units)} schools, fewer than {args.units}")
        ledgers = {unit: district.ledger(unit) for unit in units}
        store = tmp / "全区.db"
        issued = CliRunner().invoke(cli, ["links", "--store", str(store), "--roster", str(district.roster),
                                          "--base-url", "http://127.0.0.1/", "--format", "json",
                                          *[a for unit in units for a in ("--org", unit)]])
        tokens = {item["org"]: item["token"] for item in json.loads(issued.stdout)}
        workers = args.workers or cores()
        started = time.perf_counter()
        server = Server(store, district.roster, tmp, workers)
        start_up = time.perf_counter() - started
        rounds = []
        try:
            for _ in range(args.rounds):
                def one(unit):
                    with server.client(tokens[unit]) as client:
                        begin = time.perf_counter()
                        response = submit(client, f"{unit}台账.csv", ledgers[unit])
                        return response, time.perf_counter() - begin

                begin = time.perf_counter()
                with ThreadPoolExecutor(len(units)) as pool:
                    answers = list(pool.map(one, units))
                wall = time.perf_counter() - begin
                landed = [r for r, _ in answers if r.status_code == 200 and r.headers.get("x-compliance-submission")]
                times = [t for _, t in answers]
                cuts = statistics.quantiles(times, n=20)
                rounds.append({"landed": len(landed), "wall": wall, "p50": statistics.median(times), "p95": cuts[18],
                               "max": max(times), "errors": sorted({r.status_code for r, _ in answers} - {200})})
        finally:
            server.stop()
        opened = Store(str(store))
        counts = opened.counts()
        opened.close()
        size = _size(store)
        rows = sum(len(ledger.splitlines()) - 2 for ledger in ledgers.values())
        print(f"machine: {machine()}")
        print(f"district: {len(units)} schools, {len(district.parent)} organisations, {rows} ledger rows "
              f"({rows / len(units):.0f} a school, {sum(map(len, ledgers.values())) / len(units) / 1024:.0f} KB)")
        print(f"server: --workers {workers}, started and warmed in {start_up:.1f} s")
        for n, item in enumerate(rounds, 1):
            print(f"round {n}: {item['landed']}/{len(units)} submissions landed in {item['wall']:.1f} s; latency "
                  f"p50 {item['p50']:.1f} s, p95 {item['p95']:.1f} s, slowest {item['max']:.1f} s; "
                  f"errors {item['errors']}")
        print(f"store: {counts['submissions']} submissions, {counts['files']} distinct files "
              f"(a re-upload costs nothing), {counts['reports']} report pages; {size / 1024 / 1024:.1f} MB on disk, "
              f"{size / max(counts['submissions'], 1) / 1024:.0f} KB a submission")
        if counts["submissions"] != len(units) * args.rounds or any(r["landed"] != len(units) for r in rounds):
            raise SystemExit("not every submission landed")


if __name__ == "__main__":
    main()
