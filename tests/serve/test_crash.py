"""After a crash: a server killed with ``kill -9`` leaves no worker (nor multiprocessing's resource tracker)
behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[2]


def test_workers_die_with_a_killed_server(tmp_path):
    server = subprocess.Popen([sys.executable, "-m", "compliance", "serve", "--port", "0", "--workers", "2"],
                              cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp_path)})
    try:
        for line in server.stderr:  # 正在启动… then 已启动 once every worker is warm
            if line.startswith("已启动："):
                break
        children = psutil.Process(server.pid).children(recursive=True)
        commands = [" ".join(child.cmdline()) for child in children]
        assert sum("spawn_main" in c for c in commands) == 2  # the two workers
        assert sum("resource_tracker" in c for c in commands) == 1
    finally:
        server.kill()
        server.wait(30)
        server.stderr.close()
    _, alive = psutil.wait_procs(children, timeout=30)
    assert alive == []
