"""What a check costs through ``compliance serve`` once it is warm, beside the command line: wall seconds, and the CPU
seconds of the server's own process and of its workers, each counted apart.

    python -m benchmarks.serve [--repeat 30] [--users 20] [--seconds 60] [--district 50000] [--upload 200000]
                               [--code DIR] [--workers N] [--browser /usr/bin/chromium]

Starts ``compliance serve --port 0`` as a process of its own (from this checkout, or from ``--code``, another
checkout's folder, so an old and a new version can be measured back to back), waits for it to say it is ready
(its pool of worker processes spawned and warmed), and reads the CPU time of the server and of its workers
(psutil) around each part. It posts the demo's six ledgers and roster to ``/api/check`` ``--repeat`` times one
after another, and times each request from the first byte sent to the last byte of findings.json received. Then
``--users`` clients post the same files at once, each again as soon as it is answered, for ``--seconds``: the
checks per second, the median and 95th percentile of their answers, and the errors (anything but 200). Then it
runs ``compliance check`` on the same files as a fresh process (``python -m compliance``) a few times.

Then a generated district (``--district`` records, issue 32: one zip of 40 schools' ledgers, xlsx, with its
roster) posted to ``/api/check`` a few times, warm; and a larger one (``--upload`` records, one zip of 40 CSV
ledgers) through the page's form: the time to the index (the redirect, then the index shown), to the first
organisation page, and to everything (organisation pages, findings.xlsx, reports.zip written); with ``--browser``,
how long Chromium then takes to load and lay out that index. The machine's load
average is printed beside each figure: on a shared machine wall times are upper bounds, CPU seconds compare.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
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


class Meter:
    """CPU seconds (user + system) of the server's process and, apart, of every process under it (its workers)."""

    def __init__(self, pid: int):
        import psutil

        self.server = psutil.Process(pid)

    def cpu(self) -> tuple[float, float]:
        import psutil

        own = self.server.cpu_times()
        workers = 0.0
        for child in self.server.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                times = child.cpu_times()
                workers += times.user + times.system
        return own.user + own.system, workers

    def since(self, before: tuple[float, float]) -> tuple[float, float]:
        now = self.cpu()
        return now[0] - before[0], now[1] - before[1]


def district(url: str, meter: Meter, records: int, upload: int, repeat: int = 5, browser: str | None = None) -> dict:
    """Warm ``/api/check`` of the ``records`` district (median and slowest of ``repeat``, and the CPU seconds per
    check), and the ``upload`` district through the page: seconds to its index, to its first organisation page
    and to everything written, with the CPU seconds spent by then; with ``browser`` (a Chromium), also how long it
    takes to load the index once it is there."""
    import re

    import httpx

    out: dict = {}
    with httpx.Client(base_url=url, timeout=600) as client:
        if records:
            files, times = district_zip(records, "xlsx"), []
            for n in range(repeat + 1):  # the first warms each worker's caches for the district's names
                if n == 1:
                    before, load = meter.cpu(), os.getloadavg()[0]
                begin = time.perf_counter()
                response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
                times.append(time.perf_counter() - begin)
                assert response.status_code == 200, response.text
            out["api"] = times[1:]
            out["api_cpu"] = [cpu / repeat for cpu in meter.since(before)]
            out["api_load"] = (load, os.getloadavg()[0])
        if upload:
            files = district_zip(upload, "csv")
            before, load = meter.cpu(), os.getloadavg()[0]
            begin = time.perf_counter()
            response = client.post("/check", files=files, data={"as_of": "2024-12-31"})
            assert response.status_code == 303, response.text
            where = response.headers["location"]
            while "正在检查" in (shown := client.get(where)).text or "排队中" in shown.text:
                time.sleep(0.05)
            assert shown.status_code == 200 and "findings.xlsx" in shown.text, shown.text[:500]
            out["index"] = time.perf_counter() - begin
            out["index_cpu"] = meter.since(before)
            out["index_bytes"] = len(shown.content)
            if browser:
                out["browser"] = _shown_in(browser, url + where)
            first = re.search(r'href="(orgs/[^"]+)"', shown.text)
            assert first is not None, shown.text[:500]
            while "正在生成报告" in (page := client.get(where + first.group(1))).text:
                time.sleep(0.05)
            assert page.status_code == 200, page.text[:500]
            out["page"] = time.perf_counter() - begin
            out["broken"] = 0
            while True:
                try:
                    if client.get(where + "reports.zip").headers.get("content-type") == "application/zip":
                        break
                except httpx.RemoteProtocolError:  # a download cut short: the zip was still being written
                    out["broken"] += 1
                time.sleep(0.1)
            out["all"] = time.perf_counter() - begin
            out["all_cpu"] = meter.since(before)
            out["upload_load"] = (load, os.getloadavg()[0])
    return out


def _shown_in(chromium: str, url: str) -> float:
    """Seconds a Chromium takes from asking for ``url`` to its load event (the page laid out, its script run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium,
                                             args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        page = browser.new_page()
        begin = time.perf_counter()
        page.goto(url, wait_until="load", timeout=300_000)
        shown = time.perf_counter() - begin
        browser.close()
    return shown


@contextlib.contextmanager
def server(code: Path, workers: int | None):
    """``compliance serve --port 0`` from ``code`` as a process of its own: its address and pid once it says it is
    ready; stopped as by Ctrl+C (its runs deleted) when done."""
    command = [sys.executable, "-m", "compliance", "serve", "--port", "0"]
    if workers:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, cwd=code, env={**os.environ, "PYTHONPATH": str(code)},
                               stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("已启动："):
                url = line.removeprefix("已启动：").split("（")[0].strip().rstrip("/")
                break
        else:
            raise RuntimeError(f"the server did not start (exit code {process.wait()})")
        # its log (refusals, a worker's traceback) keeps flowing to this process's standard error
        threading.Thread(target=shutil.copyfileobj, args=(process.stderr, sys.stderr), daemon=True).start()
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGINT if sys.platform != "win32" else signal.CTRL_C_EVENT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def warm_api(repeat: int, users: int, seconds: float, records: int = 0, upload: int = 0, code: Path = HERE.parent,
             workers: int | None = None, browser: str | None = None) -> dict:
    import httpx

    started = time.perf_counter()
    with server(code, workers) as (url, pid):
        start_up = time.perf_counter() - started
        meter = Meter(pid)
        files, times = _files(), []
        with httpx.Client(base_url=url, timeout=60) as client:
            for n in range(repeat + 2):  # the first two also warm the connection and each worker's caches
                if n == 2:
                    before, load = meter.cpu(), os.getloadavg()[0]
                begin = time.perf_counter()
                response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
                times.append(time.perf_counter() - begin)
                assert response.status_code == 200 and response.headers["x-compliance-exit"] == "1", response.text
        demo_cpu = [cpu / repeat for cpu in meter.since(before)]
        demo_load = (load, os.getloadavg()[0])
        crowd = _load(url, files, users, seconds) if users else None
        bigger = district(url, meter, records, upload, browser=browser)
    return {"demo": times[2:], "demo_cpu": demo_cpu, "demo_load": demo_load, "start_up": start_up, "load": crowd,
            **bigger}


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


def cold_command_line(repeat: int, code: Path = HERE.parent) -> list[float]:
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(repeat):
            begin = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "compliance", "check", str(DEMO / "ledgers"), "--roster",
                                   str(DEMO / "roster"), "--as-of", "2024-12-31", "--format", "json", "--out", out,
                                   "-q"], capture_output=True, env={**os.environ, "PYTHONPATH": str(code)})
            times.append(time.perf_counter() - begin)
            assert done.returncode == 1, done.stderr
    return times


def _cpu(pair) -> str:
    return f"CPU server {pair[0]:.2f} s + workers {pair[1]:.2f} s"


def _loads(pair) -> str:
    return f"load {pair[0]:.1f}→{pair[1]:.1f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--users", type=int, default=20, help="clients at once (0: no such test)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--district", type=int, default=50_000, help="records of the district posted to the API")
    parser.add_argument("--upload", type=int, default=200_000, help="records of the district uploaded on the page")
    parser.add_argument("--code", type=Path, default=HERE.parent,
                        help="the checkout whose compliance package the server runs (default: this one)")
    parser.add_argument("--workers", type=int, default=None, help="the server's --workers (default: its own)")
    parser.add_argument("--browser", metavar="CHROMIUM", default=None,
                        help="also time a Chromium (e.g. /usr/bin/chromium, driven by Playwright) loading the index")
    args = parser.parse_args(argv)
    got = warm_api(args.repeat, args.users, args.seconds, args.district, args.upload, args.code.resolve(),
                   args.workers, args.browser)
    cold = cold_command_line(max(3, args.repeat // 10), args.code.resolve())
    from benchmarks.run import machine

    print(f"machine: {machine()}; the server from {args.code.resolve()}")
    print(f"server start-up (pool spawned and warmed): {got['start_up']:.2f} s")
    demo = got["demo"]
    print(f"warm POST /api/check, demo (6 ledgers + roster, findings.json back): "
          f"median {statistics.median(demo) * 1000:.0f} ms, slowest {max(demo) * 1000:.0f} ms ({len(demo)} requests); "
          f"per check {_cpu(got['demo_cpu'])}; {_loads(got['demo_load'])}")
    load = got["load"]
    if load:
        print(f"{load['users']} users at once for {load['seconds']:.0f} s: {load['checks']} checks "
              f"({load['checks'] / load['seconds']:.1f}/s), answered in p50 {load['p50'] * 1000:.0f} ms, "
              f"p95 {load['p95'] * 1000:.0f} ms; {len(load['errors'])} errors {sorted(set(load['errors']))}")
    print(f"cold `compliance check --format json`, same files, whole process: "
          f"median {statistics.median(cold):.2f} s, slowest {max(cold):.2f} s ({len(cold)} runs)")
    if "api" in got:
        print(f"warm POST /api/check, a {args.district:,}-record district (one zip of 40 schools' xlsx, roster): "
              f"median {statistics.median(got['api']):.2f} s, slowest {max(got['api']):.2f} s "
              f"({len(got['api'])} requests; target ≤ 1.5 s); per check {_cpu(got['api_cpu'])}; "
              f"{_loads(got['api_load'])}")
    if "index" in got:
        print(f"the page, a {args.upload:,}-record upload (one zip of 40 CSV ledgers, roster): its index "
              f"({got['index_bytes'] / 1e6:.1f} MB) shown after {got['index']:.2f} s (target ≤ 5 s; "
              f"{_cpu(got['index_cpu'])}), an organisation's page after {got['page']:.2f} s, everything written "
              f"after {got['all']:.2f} s ({_cpu(got['all_cpu'])}); {_loads(got['upload_load'])}"
              + (f"; {got['broken']} downloads of reports.zip cut short while it was written" if got["broken"] else ""))
        if "browser" in got:
            print(f"  Chromium, asked for the index once it was there, fired its load event after "
                  f"{got['browser']:.2f} s")


if __name__ == "__main__":
    main()
