"""What a check of the demo district costs through ``compliance serve`` once it is warm, beside the command line.

    python -m benchmarks.serve [--repeat 30] [--users 20] [--seconds 60]

Starts the server in this process (uvicorn on a free loopback port, the worker pool of spawned processes, warmed
as ``compliance serve`` warms it), posts the demo's six ledgers and roster to ``/api/check`` ``--repeat`` times
one after another, and times each request from the first byte sent to the last byte of findings.json received.
Then ``--users`` clients post the same files at once, each again as soon as it is answered, for ``--seconds``:
the checks per second, the median and 95th percentile of their answers, and the errors (anything but 200).
Then it runs ``compliance check`` on the same files as a fresh process (``python -m compliance``) a few times.
Prints the median and the slowest of each.
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


def warm_api(repeat: int, users: int, seconds: float) -> tuple[list[float], float, dict]:
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
    finally:
        server.should_exit = True
        thread.join(30)
    return times[2:], start_up, load


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
    args = parser.parse_args(argv)
    api, start_up, load = warm_api(args.repeat, args.users, args.seconds)
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


if __name__ == "__main__":
    main()
