"""Starting the server from the command line: check what was given, bind the port, run uvicorn until Ctrl+C."""

from __future__ import annotations

import os
import socket
import sys
import webbrowser
from pathlib import Path

from compliance.config.limits import Limits
from compliance.errors import InputError
from compliance.serve.limits import ServeLimits


def _absolute(path: Path | None) -> str | None:
    return str(Path(path).resolve()) if path is not None else None


def cores() -> int:
    """The cores this process may use (a container's share, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything else starts, so a taken port is said in Chinese."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = "已被其他程序占用，请换一个 --port" if exc.errno in (98, 48, 10048) else exc.strerror or str(exc)
        raise InputError(f"无法在 {host}:{port} 上监听：{reason}", column="--port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve_forever(*, host: str, port: int, roster: Path | None, rules: Path | None, layout: Path | None,
                  token: str | None, keep_minutes: int, workers: int | None, limits: Limits,
                  serve: ServeLimits, open_browser: bool, store: str | None = None,
                  keep_days: float | None = None) -> None:
    """Load and check the rules, roster and layout here first (a broken one stops the start with its message),
    then serve."""
    import uvicorn

    from compliance.config.layout import load_layout
    from compliance.engine.kinds import load_catalogue
    from compliance.intake.roster import read_roster
    from compliance.serve.app import Options, create_app, org_names, roster_note
    from compliance.serve.worker import Settings

    catalogue = load_catalogue(rules)
    the_roster = read_roster(roster, limits) if roster is not None else None
    load_layout(layout, catalogue)
    district = open_district(store, the_roster, keep_days) if store is not None else None
    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{sock.getsockname()[1]}/"

    def ready() -> None:
        print(f"已启动：{url}（按 Ctrl+C 停止；停止时删除全部检查结果）", file=sys.stderr, flush=True)
        if open_browser:
            webbrowser.open(url)

    options = Options(
        settings=Settings(rules=_absolute(rules), roster=_absolute(roster), layout=_absolute(layout), limits=limits,
                          serve=serve),
        host=host, port=port, token=token, keep_minutes=keep_minutes,
        workers=workers or cores(),
        roster_note=roster_note(str(roster) if roster is not None else None), on_ready=ready,
        org_names=org_names(the_roster), district=district,
    )
    print("正在启动：加载检查组件（约需数秒）…", file=sys.stderr, flush=True)
    # Ctrl+C: uploads still arriving get five seconds, then the runs are deleted and the workers stopped
    uvicorn.Server(uvicorn_config(create_app(options), timeout_graceful_shutdown=5)).run(sockets=[sock])


def open_district(store: str, roster, keep_days: float | None):
    """The store, migrated to this release's schema (a broken or unreachable one stops the start), for the
    district's roster; uploaded files older than ``keep_days`` are deleted at once and then as time passes."""
    from compliance.serve.store.names import open_store

    opened = open_store(store)
    from compliance.serve.store.routes import District

    district = District(opened, roster, keep_days)
    district.expire()
    return district


def uvicorn_config(app, header_seconds: float | None = None, **options):
    """uvicorn's configuration for the app: its h11 protocol with a deadline for headers, no access log (the app
    logs one line per refused request)."""
    import uvicorn

    from compliance.serve.protocol import HEADER_SECONDS, protocol

    return uvicorn.Config(app, http=protocol(header_seconds or HEADER_SECONDS), log_level="warning", lifespan="on",
                          access_log=False, **options)
