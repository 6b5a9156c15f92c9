"""Real servers for the serve tests: uvicorn in a thread, the app's worker pool of spawned processes, a socket
on a free loopback port. One plain server (no roster, like a branch's self-check; two workers) and one guarded
by a token (one worker, runs kept for a second) are started once per session: starting a pool costs seconds."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from compliance.serve.app import Options, Service, create_app
from compliance.serve.limits import ServeLimits
from compliance.serve.run import bind, uvicorn_config
from compliance.serve.worker import Settings

TOKEN = "s3cret+token/for=tests"  # what `openssl rand -base64` gives has + / =


@dataclass
class Server:
    url: str
    service: Service
    root_parent: Path
    app: object = None

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, **{"timeout": 60, **kwargs})


@contextmanager
def running(options: Options, header_seconds: float | None = None):
    app = create_app(options)
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn_config(app, header_seconds))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{sock.getsockname()[1]}", app.state.service, Path(options.parent), app)
    finally:
        server.should_exit = True
        thread.join(60)
        sock.close()


@pytest.fixture(scope="session")
def plain(tmp_path_factory):
    parent = tmp_path_factory.mktemp("plain-server")
    # its tests read finished pages: POST /check waits for the check up to 60 s rather than a user's 5, for a
    # machine busy with the suite's other processes (pytest-xdist) may take longer than 5 s over the demo
    # (a session fixture: one such server per xdist process)
    with running(Options(Settings(), workers=2, wait_seconds=60, parent=str(parent)), header_seconds=2) as server:
        yield server


@pytest.fixture(scope="session")
def guarded(tmp_path_factory):
    parent = tmp_path_factory.mktemp("guarded-server")
    with running(Options(Settings(), token=TOKEN, keep_minutes=1 / 60, workers=1, wait_seconds=0.3,
                         parent=str(parent))) as server:
        yield server


@pytest.fixture(scope="session")
def bounded(tmp_path_factory):
    """A server with small disk limits: 256 KB per run, 64 KB of kept runs (less than one page run), 40 files."""
    parent = tmp_path_factory.mktemp("bounded-server")
    limits = ServeLimits(run_mb=0.25, disk_mb=0.0625, files=40)
    with running(Options(Settings(serve=limits), workers=1, wait_seconds=30, parent=str(parent))) as server:
        yield server
