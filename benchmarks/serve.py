"""What a check of the demo district costs through ``compliance serve`` once it is warm, beside the command line.

    python -m benchmarks.serve [--repeat 30] [--users 20] [--seconds 60] [--district 50000] [--upload 200000]

Starts the server in this process (uvicorn on a free loopback port, the worker pool of spawned processes, warmed
as ``compliance serve`` warms it), posts the demo's six ledgers and roster to ``/api/check`` ``--repeat`` times
one after another, and times each request from the first byte sent to the last byte of findings.json received.
Then ``--users`` clients post the same files at once, each again as soon as it is answered, for ``--seconds``:
the checks per second, the median and 95th percentile of their answers, and the errors (anything but 200).
Then it runs ``compliance check`` on the same files as a fresh process (``python -m compliance``) a few times.
Prints the median and the slowest of each.

Then a generated district (``--district`` records, issue 32: one zip of 40 schools' ledgers, xlsx, with its
roster) posted to ``/api/check`` a few times, warm; and a larger one (``--upload`` records, one zip of 40 CSV
ledgers) through the page's form: the time to the index (the redirect, then the index shown) and to everything
(organisation pages, findings.xlsx, reports.zip written).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "fixtures" / "demo"


def _files() -> list:
    files = [("ledgers", (p.name, p.read_bytes())) for p in sorted((DEMO / "ledgers").iterdir())]
    return files + [("roster", (p.name, p.read_bytes())) for p in sorted((DEMO / "roster").iterdir())]


def district_zip(records: int, form: str, parts: int = 40) -> list:
    """A generated district's ledgers as one zip of ``parts`` schools' files (``form``: xlsx or csv), and its
    roster: the files of a POST (written once under benchmarks/data)."""
    import io
    import zipfile

    import pandas as pd

    folder = HERE / "data" / f"district-{records}"
    if not (folder / "ledgers" / "台账.csv").exists():
        subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", str(records), "--out", str(folder)],
                       check=True, cwd=HERE.parent)
    ledger = pd.read_csv(folder / "ledgers" / "台账.csv", dtype=str, keep_default_na=False)
    school = ledger["组织"].str.replace(r"第\d+党支部$", "", regex=True).str.replace(r"(党委|党总支)$", "", regex=True)
    codes, _ = pd.factorize(school)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        for part in range(parts):
            rows = ledger[codes % parts == part]
            if form == "csv":
                book.writestr(f"区县台账/学校{part + 1:02d}.csv", rows.to_csv(index=False))
            else:
                one = io.BytesIO()
                rows.to_excel(one, index=False, sheet_name="台账")
                book.writestr(f"区县台账/学校{part + 1:02d}.xlsx", one.getvalue())
    files = [("ledgers", ("区县台账.zip", buffer.getvalue()))]
    return files + [("roster", (p.name, p.read_bytes())) for p in sorted((folder / "roster").iterdir())]


def district(url: str, records: int, upload: int, repeat: int = 5) -> dict:
    """Warm ``/api/check`` of the ``records`` district (median and slowest of ``repeat``), and the ``upload``
    district through the page: seconds to its index, and to everything written."""
    import httpx

    out: dict = {}
    with httpx.Client(base_url=url, timeout=600) as client:
        if records:
            files, times = district_zip(records, "xlsx"), []
            for _ in range(repeat + 1):  # the first warms each worker's caches for the district's names
                begin = time.perf_counter()
                response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
                times.append(time.perf_counter() - begin)
                assert response.status_code == 200, response.text
            out["api"] = times[1:]
        if upload:
            files = district_zip(upload, "csv")
            begin = time.perf_counter()
            response = client.post("/check", files=files, data={"as_of": "2024-12-31"})
            assert response.status_code == 303, response.text
            where = response.headers["location"]
            while "正在检查" in (shown := client.get(where)).text or "排队中" in shown.text:
                time.sleep(0.05)
            assert shown.status_code == 200 and "findings.xlsx" in shown.text, shown.text[:500]
            out["index"] = time.perf_counter() - begin
            while client.get(where + "reports.zip").headers.get("content-type") != "application/zip":
                time.sleep(0.1)
            out["all"] = time.perf_counter() - begin
    return out


def warm_api(repeat: int, users: int, seconds: float, records: int = 0, upload: int = 0
             ) -> tuple[list[float], float, dict, dict]:
    import httpx
    import uvicorn

    from compliance.serve.app import Options, create_app
    from compliance.serve.run import bind, cores, uvicorn_config
    from compliance.serve.worker import Settings

    started = time.perf_counter()
    app = create_app(Options(Settings(), workers=cores()))
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(app))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    start_up = time.perf_counter() - started
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    files, times = _files(), []
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            for _ in range(repeat + 2):  # the first two also warm the connection and each worker's caches
                begin = time.perf_counter()
                response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
                times.append(time.perf_counter() - begin)
                assert response.status_code == 200 and response.headers["x-compliance-exit"] == "1", response.text
        load = _load(url, files, users, seconds)
        bigger = district(url, records, upload)
    finally:
        server.should_exit = True
        thread.join(30)
    return times[2:], start_up, load, bigger


def _load(url: str, files: list, users: int, seconds: float) -> dict:
    """``users`` clients posting the demo at once, each again as soon as it is answered, for ``seconds``."""
    import httpx

    answered: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    end = time.perf_counter() + seconds

    def user() -> None:
        with httpx.Client(base_url=url, timeout=300) as client:
            while time.perf_counter() < end:
                begin = time.perf_counter()
                try:
                    response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
                    failed = None if response.status_code == 200 else str(response.status_code)
                except httpx.HTTPError as exc:
                    failed = type(exc).__name__
                with lock:
                    (errors.append(failed) if failed else answered.append(time.perf_counter() - begin))

    begin = time.perf_counter()
    clients = [threading.Thread(target=user) for _ in range(users)]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    elapsed = time.perf_counter() - begin
    cuts = statistics.quantiles(answered, n=20) if len(answered) > 1 else [float("nan")] * 19
    return {"users": users, "seconds": elapsed, "checks": len(answered), "errors": errors,
            "p50": statistics.median(answered) if answered else float("nan"), "p95": cuts[18]}


def cold_command_line(repeat: int) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            begin = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "compliance", "check", str(DEMO / "ledgers"), "--roster",
                                   str(DEMO / "roster"), "--as-of", "2024-12-31", "--format", "json", "--out", out,
                                   "-q"], capture_output=True, env={**os.environ, "PYTHONPATH": str(HERE.parent)})
            times.append(time.perf_counter() - begin)
            assert done.returncode == 1, done.stderr
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--district", type=int, default=50_000, help="records of the district posted to the API")
    parser.add_argument("--upload", type=int, default=200_000, help="records of the district uploaded on the page")
    args = parser.parse_args(argv)
    api, start_up, load, bigger = warm_api(args.repeat, args.users, args.seconds, args.district, args.upload)
    cold = cold_command_line(max(3, args.repeat // 10))
    from benchmarks.run import machine

    print(f"machine: {machine()}")
    print(f"server start-up (pool spawned and warmed): {start_up:.2f} s")
    print(f"warm POST /api/check, demo (6 ledgers + roster, findings.json back): "
          f"median {statistics.median(api) * 1000:.0f} ms, slowest {max(api) * 1000:.0f} ms ({len(api)} requests)")
    print(f"{load['users']} users at once for {load['seconds']:.0f} s: {load['checks']} checks "
          f"({load['checks'] / load['seconds']:.1f}/s), answered in p50 {load['p50'] * 1000:.0f} ms, "
          f"p95 {load['p95'] * 1000:.0f} ms; {len(load['errors'])} errors {sorted(set(load['errors']))}")
    print(f"cold `compliance check --format json`, same files, whole process: "
          f"median {statistics.median(cold):.2f} s, slowest {max(cold):.2f} s ({len(cold)} runs)")
    if "api" in bigger:
        print(f"warm POST /api/check, a {args.district:,}-record district (one zip of 40 schools' xlsx, roster): "
              f"median {statistics.median(bigger['api']):.2f} s, slowest {max(bigger['api']):.2f} s "
              f"({len(bigger['api'])} requests; target ≤ 1.5 s)")
    if "index" in bigger:
        print(f"the page, a {args.upload:,}-record upload (one zip of 40 CSV ledgers, roster): its index shown after "
              f"{bigger['index']:.2f} s (target ≤ 5 s), everything written after {bigger['all']:.2f} s")


if __name__ == "__main__":
    main()
