"""What a check of the demo district costs through ``compliance serve`` once it is warm, beside the command line.

    python -m benchmarks.serve [--repeat 30]

Starts the server in this process (uvicorn on a free loopback port, the worker pool of spawned processes, warmed
as ``compliance serve`` warms it), posts the demo's six ledgers and roster to ``/api/check`` ``--repeat`` times
one after another, and times each request from the first byte sent to the last byte of findings.json received.
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


def warm_api(repeat: int) -> tuple[list[float], float]:
    import httpx
    import uvicorn

    from compliance.serve.app import Options, create_app
    from compliance.serve.run import bind, cores
    from compliance.serve.worker import Settings

    started = time.perf_counter()
    app = create_app(Options(Settings(), workers=cores()))
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    start_up = time.perf_counter() - started
    files, times = _files(), []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{sock.getsockname()[1]}", timeout=60) as client:
            for _ in range(repeat + 2):  # the first two also warm the connection and each worker's caches
                begin = time.perf_counter()
                response = client.post("/api/check", files=files, data={"as_of": "2024-12-31"})
                times.append(time.perf_counter() - begin)
                assert response.status_code == 200 and response.headers["x-compliance-exit"] == "1", response.text
    finally:
        server.should_exit = True
        thread.join(30)
    return times[2:], start_up


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
    args = parser.parse_args(argv)
    api, start_up = warm_api(args.repeat)
    cold = cold_command_line(max(3, args.repeat // 10))
    from benchmarks.run import machine

    print(f"machine: {machine()}")
    print(f"server start-up (pool spawned and warmed): {start_up:.2f} s")
    print(f"warm POST /api/check, demo (6 ledgers + roster, findings.json back): "
          f"median {statistics.median(api) * 1000:.0f} ms, slowest {max(api) * 1000:.0f} ms ({len(api)} requests)")
    print(f"cold `compliance check --format json`, same files, whole process: "
          f"median {statistics.median(cold):.2f} s, slowest {max(cold):.2f} s ({len(cold)} runs)")


if __name__ == "__main__":
    main()
