"""Time every stage of a check at several sizes, beside plain pandas and DuckDB, and print one table.

    python -m benchmarks.run                      # 10k, 100k and 1M records: the well-kept, poor and issue-32 provinces
    python -m benchmarks.run --sizes 10k,100k,1M,10M --html-up-to 1M --corpora poor

For each size and corpus a synthetic province (``benchmarks/generate.py``) is written once under ``--data`` as
canonical CSV: the well-kept province (5 % of obligations missing), the poor one (``--poor``: besides those, no
leader's 党课 or report recorded and a third of the schools without 会前说纪: five times the findings) and the
province of issue 32 (``--province``: 36k organisations and 21k leaders at a million records, most leaders idle,
and three schools in ten keeping a short ledger without 主讲人 and 会前说纪, a second CSV: 27k unverifiable
findings). Then, each in a fresh process so that peak memory belongs to that size alone:

- ``stages``: pandas.read_csv of the CSVs (the yardstick every ratio is taken against), the roster read alone, then
  a whole check in-process on that roster — read, normalise, data-quality gate, evaluate (the pipeline's own stage
  timings) — then findings.json and the
  HTML pages; the theme-day-monthly rule alone on the records, and DuckDB's SQL for the same rule over the same
  records (best of three each); peak RSS;
- ``process``: a Python process that imports pandas and reads the CSV, and ``compliance check --format json``,
  wall clock and peak RSS each.

And once, the fixed start-up cost: ``compliance check --format json`` of the demo district (about 200 rows) as a
whole process, beside a process that imports pandas and then great-expectations (timing the latter import): the
check's time less that import is what everything else costs before and after the first row.

Every ``compliance`` process runs this tree's code (``-m compliance`` from the repository folder).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
AS_OF = date(2024, 12, 31)
CORPORA = {"well": [], "poor": ["--poor"], "province": ["--province"]}  # well-kept, poor, issue 32's shape
DEMO = HERE.parent / "fixtures" / "demo"


def size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def dataset(n: int, data: Path, corpus: str = "well") -> Path:
    """The generated province for ``n`` records (written once, reused)."""
    folder = data / (label(n) if corpus == "well" else f"{label(n)}-{corpus}")
    if not (folder / "ledgers" / "台账.csv").exists():
        subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", str(n), "--out", str(folder),
                        *CORPORA[corpus]], check=True, cwd=HERE.parent)
    return folder


def best(function, repeat: int = 3):
    times, value = [], None
    for _ in range(repeat):
        begun = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - begun)
    return min(times), value


def stages(folder: Path, html_pages: bool) -> dict:
    """Run in a fresh process: every stage's seconds and the peak RSS."""
    import numpy as np
    import pandas as pd

    from compliance.progress import Progress, peak_rss

    read_csv, rows = best(lambda: sum(len(pd.read_csv(csv)) for csv in csvs(folder)), 1)
    from compliance.intake.roster import read_roster
    from compliance.pipeline import run_check
    from compliance.render import findings_json as json_format
    from compliance.render import html

    begun = time.perf_counter()  # a fixed cost, paid once per process: shown on its own line, not in the gate's
    from compliance.intake.expectations import gxe

    gxe()
    gx_import = time.perf_counter() - begun
    begun = time.perf_counter()
    roster = read_roster(folder / "roster")
    roster_seconds = time.perf_counter() - begun
    progress = Progress(freeze=True)  # as the command line does
    result = run_check([folder / "ledgers"], roster, as_of=AS_OF, progress=progress)
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    begun = time.perf_counter()
    json_format.render(result, out)  # as the command line writes it: no finding dicts
    json_seconds = time.perf_counter() - begun
    json_bytes = (out / json_format.FILENAME).stat().st_size
    pages = len(result.roster.names)
    html_seconds = None
    if html_pages:
        begun = time.perf_counter()
        html.render(result, out)
        html_seconds = time.perf_counter() - begun
    peak = peak_rss()

    from compliance.engine.context import Context
    from compliance.engine.kinds import frequency

    rule = next(r for r in result.catalogue.rules if r.id == "theme-day-monthly")
    types = result.catalogue.activity_types

    def ours():
        ctx = Context(result.records, result.tables, result.roster, np.datetime64(AS_OF, "D"), result.audit, types)
        return frequency.check(rule, ctx).frame

    monthly, cells = best(ours)
    duck, duck_cells = duckdb_monthly(result, rule)
    assert len(duck_cells) == len(cells), (len(duck_cells), len(cells))
    assert int(duck_cells["actual"].sum()) == int(cells["actual"].sum())
    return {
        "rows": rows, "orgs": pages, "findings": len(result.judgements.reported),
        "read_csv": read_csv, "roster": roster_seconds, "leaders": len(result.roster.leader_org),
        "unverifiable": int((result.judgements["status"][result.judgements.reported] == "unverifiable").sum()),
        "read": progress.seconds("读取"), "normalise": progress.seconds("规范化"),
        "gate": progress.seconds("数据校验"), "gx_import": gx_import, "evaluate": progress.seconds("评估"),
        "json": json_seconds, "json_bytes": json_bytes,
        "html": html_seconds, "pages": pages, "peak": peak, "monthly": monthly, "duckdb": duck,
    }


def duckdb_monthly(result, rule) -> tuple[float, object]:
    """theme-day-monthly as SQL over the same records: every judged (branch, month) with its count and status."""
    import duckdb
    import numpy as np
    import pandas as pd

    roster = result.roster
    records = pd.DataFrame({
        "org": result.records["org"].to_numpy(np.int64),
        "day": result.records["date"].to_numpy("datetime64[D]"),
        "type": result.records["type"].to_numpy(np.int64),
    })
    orgs = pd.DataFrame({"org": np.arange(len(roster.names)), "kind": np.asarray(roster.org_types, dtype=object),
                         "founded": np.asarray(roster.founded, dtype="datetime64[D]")})
    con = duckdb.connect()
    for name, frame in (("records", records), ("orgs", orgs)):
        con.register(f"{name}_frame", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_frame")
    codes = [result.catalogue.activity_types.index(t) for t in rule.types]
    sql = f"""
        WITH months AS (
            SELECT CAST(m AS DATE) AS start, CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS finish
            FROM range(DATE '{result.audit.start}', DATE '{result.audit.end}' + INTERVAL 1 DAY, INTERVAL 1 MONTH) t(m)
            WHERE m <= DATE '{AS_OF}'
        ),
        judged AS (
            SELECT o.org, m.start, m.finish FROM orgs o, months m WHERE o.kind = '党支部' AND o.founded <= m.start
        ),
        counted AS (
            SELECT org, date_trunc('month', day) AS start, count(*) AS n FROM records
            WHERE type IN ({", ".join(map(str, codes))}) AND day BETWEEN DATE '{result.audit.start}' AND DATE '{AS_OF}'
            GROUP BY ALL
        )
        SELECT j.org, j.start, coalesce(c.n, 0) AS actual,
               CASE WHEN coalesce(c.n, 0) >= {rule.min} THEN 'met'
                    WHEN DATE '{AS_OF}' >= j.finish THEN 'violation' ELSE 'due' END AS status
        FROM judged j LEFT JOIN counted c ON c.org = j.org AND c.start = j.start
    """
    return best(lambda: con.execute(sql).df())


def process(folder: Path) -> dict:
    """Wall clock and peak RSS of a process that only reads the CSV with pandas, and of ``compliance check``."""
    files = [str(csv) for csv in csvs(folder)]
    plain = run([sys.executable, "-c", f"import pandas\nfor f in {files!r}: pandas.read_csv(f)"])
    check = run(check_command(folder / "ledgers", folder / "roster"))
    return {"plain": plain[0], "plain_peak": plain[1], "check": check[0], "check_peak": check[1]}


def csvs(folder: Path) -> list[Path]:
    """The province's ledgers: one CSV, or (``--province``) the main one and the short ledgers'."""
    return sorted((folder / "ledgers").glob("*.csv"))


def check_command(ledgers: Path, roster: Path) -> list[str]:
    return [sys.executable, "-m", "compliance", "check", str(ledgers), "--roster", str(roster), "--as-of",
            AS_OF.isoformat(), "--format", "json", "--out", tempfile.mkdtemp(prefix="bench-"), "--fail-on", "none",
            "--quiet"]


GX_IMPORT = """
import os, sys, time
import pandas
import compliance.intake.expectations as expectations
begun = time.perf_counter()
if sys.argv[1] == "plain":
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations.expectations
else:
    expectations.gxe()
print(time.perf_counter() - begun)
"""


def startup(repeat: int = 5) -> dict:
    """The fixed cost of a small check: the demo district checked as a whole process (best of ``repeat``), and the
    great-expectations import alone, as the check does it (``compliance.intake.expectations.gxe``) and plainly, each the
    best of ``repeat`` fresh processes that have imported pandas first, as a check has."""
    check = min(run(check_command(DEMO / "ledgers", DEMO / "roster"))[0] for _ in range(repeat))

    def gx_import(how: str) -> float:
        return min(float(subprocess.run([sys.executable, "-c", GX_IMPORT, how], check=True, capture_output=True,
                                         text=True, cwd=HERE.parent).stdout) for _ in range(repeat))

    imports = gx_import("as the check does")
    return {"check": check, "gx_import": imports, "gx_plain": gx_import("plain"), "rest": check - imports}


def run(command: list[str]) -> tuple[float, int]:
    begun = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=HERE.parent)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - begun
    if status != 0:
        raise SystemExit(f"{' '.join(command)} exited with {status}")
    return seconds, usage.ru_maxrss * 1024


def measure(n: int, data: Path, html_pages: bool, corpus: str = "well") -> dict:
    folder = dataset(n, data, corpus)
    child = subprocess.run([sys.executable, "-m", "benchmarks.run", "--stages", str(folder)]
                           + (["--no-html"] if not html_pages else []),
                           check=True, capture_output=True, text=True, cwd=HERE.parent)
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    figures.update(process(folder))
    return figures


def table(results: dict[tuple[int, str], dict]) -> str:
    keys = list(results)
    head = ["", *(f"{label(n)} {corpus}" for n, corpus in keys), "target at 1M"]

    def each(text):
        return [text(results[key]) for key in keys]

    def seconds(name, digits=2):
        return each(lambda r: f"{r[name]:.{digits}f} s" if r[name] is not None else "—")

    def ratio(name, base="read_csv", digits=2):
        return each(lambda r: f"{r[name]:.{digits}f} s  {r[name] / r[base]:.1f}×")

    rows = [
        ["records", *each(lambda r: f"{r['rows']:,}"), ""],
        ["organisations", *each(lambda r: f"{r['orgs']:,}"), ""],
        ["leaders", *each(lambda r: f"{r['leaders']:,}"), ""],
        ["findings", *each(lambda r: f"{r['findings']:,}"), ""],
        ["  of which unverifiable", *each(lambda r: f"{r['unverifiable']:,}"), ""],
        ["pandas.read_csv (= 1×)", *seconds("read_csv"), ""],
        ["roster read (alone, first)", *seconds("roster", 3), "≤ 0.3 s"],  # (ms: its target is that near)
        ["read (ledgers)", *ratio("read"), ""],
        ["normalise", *ratio("normalise"), ""],
        ["great-expectations import (once)", *seconds("gx_import"), ""],
        ["data-quality gate", *ratio("gate", digits=3), "≤ 0.5 s"],
        ["evaluate (27 rules)", *ratio("evaluate"), "≤ 3×"],
        ["findings.json (with statistics)", *ratio("json"), ""],
        ["  its size and speed", *each(_json_speed), "≥ 150 MB/s"],
        ["HTML pages", *each(_per_page), ""],
        ["peak RSS (in-process)", *each(lambda r: f"{r['peak'] / 2**20:,.0f} MB"), ""],
        ["process: import pandas + read_csv", *seconds("plain"), ""],
        ["process: compliance check --format json", *ratio("check", "plain"), "≤ 8× well, ≤ 10× others"],
        ["  its peak RSS", *each(lambda r: f"{r['check_peak'] / 2**20:,.0f} MB"), "< 1.5 GiB"],
        ["theme-day-monthly alone", *seconds("monthly"), ""],
        ["  DuckDB SQL, same rule", *each(lambda r: f"{r['duckdb']:.3f} s  {r['monthly'] / r['duckdb']:.2f}×"), ""],
        ["check time vs the corpus's previous size", *(_growth(results, key) for key in keys), "10M ≤ 12× 1M"],
    ]
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _json_speed(r: dict) -> str:
    return f"{r['json_bytes'] / 1e6:.0f} MB  {r['json_bytes'] / 1e6 / r['json']:.0f} MB/s"


def _per_page(r: dict) -> str:
    return f"{r['html'] / r['pages'] * 1000:.2f} ms/page" if r["html"] is not None else "—"


def _growth(results: dict, key: tuple[int, str]) -> str:
    n, corpus = key
    smaller = [m for m, c in results if c == corpus and m < n]
    if not smaller:
        return ""
    before = results[(max(smaller), corpus)]
    return f"{results[key]['check'] / before['check']:.1f}× for {n / max(smaller):.0f}× records"


def startup_text(figures: dict) -> str:
    return (f"a small check (demo district, {DEMO.relative_to(HERE.parent)}), whole process: {figures['check']:.2f} s "
            f"= great-expectations import {figures['gx_import']:.2f} s (a plain import of it: "
            f"{figures['gx_plain']:.2f} s) + everything else {figures['rest']:.2f} s (target < 0.6 s)")


def machine() -> str:
    import platform

    import pandas as pd

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Python {platform.python_version()}, "
            f"pandas {pd.__version__}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="record counts, e.g. 10k,100k,1M,10M")
    parser.add_argument("--corpora", default="well,poor,province",
                        help="well (the well-kept province), poor, province (issue 32's shape), comma-separated")
    parser.add_argument("--data", type=Path, default=HERE / "data", help="where generated provinces are kept")
    parser.add_argument("--html-up-to", default="1M", help="render HTML pages up to this size (pages take long)")
    parser.add_argument("--no-startup", action="store_true", help="leave out the small check's start-up cost")
    parser.add_argument("--stages", type=Path, help=argparse.SUPPRESS)  # internal: one size, in a fresh process
    parser.add_argument("--no-html", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.stages:
        print(json.dumps(stages(args.stages, not args.no_html)))
        return
    corpora = [c.strip() for c in args.corpora.split(",")]
    unknown = set(corpora) - set(CORPORA)
    if unknown:
        parser.error(f"unknown corpora {sorted(unknown)}: choose from {', '.join(CORPORA)}")
    results = {}
    for n in sorted(size(s) for s in args.sizes.split(",")):
        for corpus in corpora:
            print(f"… {label(n)} records, {corpus}", file=sys.stderr, flush=True)
            results[(n, corpus)] = measure(n, args.data, n <= size(args.html_up_to), corpus)
    print(machine())
    print(table(results))
    if not args.no_startup:
        print(startup_text(startup()))


if __name__ == "__main__":
    main()
