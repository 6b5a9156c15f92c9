"""A generated district for the store's tests and its load check (``benchmarks.district``): the roster, each
school's own ledger as a school keeps it (a title row above the canonical header, its rows only), and ``compliance
serve --store`` started as a real process."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
ADMIN = "district-admin-token-0123456789"


@dataclass
class District:
    roster: Path
    parent: dict[str, str]  # organisation → its parent
    units: list[str]  # the schools (党委 and 党总支), in roster order
    header: list[str]
    rows: list[list[str]]

    def inside(self, org: str, unit: str) -> bool:
        while org:
            if org == unit:
                return True
            org = self.parent.get(org, "")
        return False

    def subtree(self, unit: str) -> set[str]:
        return {org for org in self.parent if self.inside(org, unit)}

    def ledger(self, unit: str) -> bytes:
        """The school's own ledger: its title row, the header, its rows (UTF-8 with BOM, as Excel saves CSV)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([f"{unit}2024年党建活动台账"] + [""] * (len(self.header) - 1))
        writer.writerow(self.header)
        writer.writerows(row for row in self.rows if self.inside(row[0], unit))
        return ("\ufeff" + out.getvalue()).encode("utf-8")


def generate(folder: Path, records: int = 3000) -> District:
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", str(records), "--out", str(folder),
                    "--format", "csv", "--year", "2024", "--bad", "0"], cwd=REPO, check=True, capture_output=True)
    with open(folder / "roster" / "组织.csv", encoding="utf-8") as handle:
        orgs = list(csv.DictReader(handle))
    with open(folder / "ledgers" / "台账.csv", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    return District(folder / "roster", {o["组织名称"]: o["上级组织"] for o in orgs},
                    [o["组织名称"] for o in orgs if o["组织类型"] in ("党委", "党总支")], header, rows)


class Server:
    """``compliance serve --store`` as a process of its own (so that it can be restarted, or killed)."""

    def __init__(self, store: Path, roster: Path, tmp: Path, workers: int = 1, *extra: str):
        self.tmp = tmp
        self.process = subprocess.Popen(
            [sys.executable, "-m", "compliance", "serve", "--store", str(store), "--roster", str(roster),
             "--port", "0", "--workers", str(workers), *extra],
            cwd=tmp, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(tmp), "COMPLIANCE_TOKEN": ADMIN})
        self.log: list[str] = []
        for line in self.process.stderr:
            self.log.append(line)
            if found := re.match(r"已启动：(http://[^/]+)/", line):
                self.url = found.group(1)
                break
        else:
            raise RuntimeError("the server did not start: " + "".join(self.log))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)

    def client(self, token: str | None = ADMIN, **kwargs) -> httpx.Client:
        headers = {"X-Compliance-Token": token} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120, **kwargs)

    def stop(self) -> None:
        """Ctrl+C, as a person stops it."""
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(60)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(30)


def submit(client: httpx.Client, name: str, content: bytes, **fields) -> httpx.Response:
    return client.post("/api/check", files=[("ledgers", (name, content))], data={"as_of": "2024-12-31", **fields})
