"""The gate's helper process (``compliance.intake.expectations``): it gives the answer validating in process gives,
any failure of it falls back to validating in process, it never outlives the process that started it, and small
checks never start one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from compliance.intake import expectations
from compliance.intake.expectations import Helper, expectation_type
from compliance.intake.gate import GATE, GateContext

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "fixtures" / "demo"


def _specs():
    ctx = GateContext(frame=pd.DataFrame(), roster=None, catalogue=None, as_of=date(2024, 12, 31), tables=[])
    return [check.expectation(ctx) for check in GATE]


def _frame() -> pd.DataFrame:
    """The gate's numeric frame (``compliance.intake.gate``): values that pass and values that fail each
    expectation — blanks, -1 for not in the roster or unparsed, a day in 1800, one after the as-of date."""
    day = float(np.datetime64("2024-03-05", "D").astype(np.int64))
    late, old = day + 400, float(np.datetime64("1800-01-01", "D").astype(np.int64))
    nan = np.nan
    return pd.DataFrame({
        "组织": [0, nan, -1, 3, 2, 0], "日期": [day, day, nan, old, late, day], "类型": [1, 2, nan, -1, 0, 1],
        "应到": [30, -1, nan, 8, 10, 5], "实到": [20, 5, nan, -1, 12, 5], "应到人数": [30, nan, nan, 8, 10, 5],
        "实到人数": [20, 5, nan, nan, 12, 5], "会前说纪": [1, 0, -1, nan, 1, 1],
    }, dtype=np.float64)


def test_the_helper_answers_what_validating_here_answers():
    specs, frame = _specs(), _frame()
    helper = Helper()
    try:
        answer = helper.validate(frame, specs)
    finally:
        helper.stop()
    assert answer == expectations.validate(frame, specs)
    assert answer == [
        ("expect_column_values_to_not_be_null", [1]), ("expect_column_values_to_be_between", [2]),
        ("expect_column_values_to_not_be_null", [2]), ("expect_column_values_to_be_between", [3]),
        ("expect_column_values_to_not_be_null", [2]), ("expect_column_values_to_be_between", [3]),
        ("expect_column_values_to_be_between", [4]), ("expect_column_values_to_be_between", [1]),
        ("expect_column_values_to_be_between", [3]), ("expect_column_pair_values_a_to_be_greater_than_b", [4]),
        ("expect_column_values_to_be_in_set", [2]),
    ]
    assert helper.process.poll() is not None  # stopped: ended


def test_expectation_types_are_known_without_great_expectations():
    gxe = expectations.gxe()
    assert [expectation_type(spec) for spec in _specs()] == [
        getattr(gxe, name)(**kwargs).expectation_type for name, kwargs in _specs()]


@pytest.mark.parametrize("command", [
    "import sys; sys.exit(3)",  # dies at once
    "import pickle, sys; pickle.load(sys.stdin.buffer); sys.stdout.buffer.write(b'not a pickle')",  # garbage
    "import pickle, sys; pickle.load(sys.stdin.buffer); pickle.dump(('error', 'boom'), sys.stdout.buffer)",
    "import time; time.sleep(60)",  # never answers
])
def test_a_failing_helper_gives_no_answer_and_the_gate_validates_here(command, monkeypatch):
    monkeypatch.setattr(expectations, "_ANSWER_SECONDS", 3.0)
    specs, frame = _specs(), _frame()
    helper = Helper([sys.executable, "-c", command])
    begun = time.monotonic()
    assert helper.validate(frame, specs) is None
    helper.stop()
    assert helper.process.poll() is not None
    assert time.monotonic() - begun < 30

    monkeypatch.setattr(expectations, "_helper", [Helper([sys.executable, "-c", command])])
    assert expectations.run(frame, specs) == expectations.validate(frame, specs)
    assert expectations._helper == []


def _check(out: Path, helper: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compliance", "check", str(DEMO / "ledgers"), "--roster", str(DEMO / "roster"),
         "--as-of", "2024-11-15", "--format", "json,text", "--out", str(out), "--fail-on", "none", "--quiet"],
        cwd=REPO, capture_output=True, timeout=300, env={**os.environ, expectations.HELPER_VARIABLE: helper})


def test_a_check_through_the_helper_writes_the_same_bytes(tmp_path):
    """The demo district (its rejected rows, warnings and findings) with a helper forced on, and without one."""
    through, here = _check(tmp_path / "helper", "1"), _check(tmp_path / "here", "0")
    assert through.returncode == here.returncode == 0, through.stderr.decode()
    assert through.stdout.replace(b"helper/", b"here/") == here.stdout  # (the last line names the folder)
    assert (tmp_path / "helper" / "findings.json").read_bytes() == (tmp_path / "here" / "findings.json").read_bytes()
    assert b'"rejected"' in (tmp_path / "here" / "findings.json").read_bytes()


def test_small_ledgers_and_a_warm_process_start_no_helper(tmp_path, monkeypatch):
    monkeypatch.delenv(expectations.HELPER_VARIABLE, raising=False)
    monkeypatch.setattr(expectations, "_helper", [])
    expectations.start_helper([DEMO / "ledgers"])  # tens of kilobytes
    assert expectations._helper == []
    big = tmp_path / "台账.csv"
    big.write_bytes(b"0" * expectations.HELPER_FROM_BYTES)
    monkeypatch.setattr(expectations, "_imported", ["great_expectations.expectations"])  # as in the served worker
    expectations.start_helper([tmp_path])
    assert expectations._helper == []
    assert expectations._size([tmp_path, big], 10**12) == 2 * expectations.HELPER_FROM_BYTES


ORPHAN = """
import sys, time
from compliance.intake import expectations
expectations.start_helper([sys.argv[1]])
print(expectations._helper[0].process.pid, flush=True)
time.sleep(600)
"""


def _running(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()  # (a zombie has ended; its parent gone, init reaps it)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc to see the helper end")
def test_the_helper_ends_when_the_process_that_started_it_is_killed(tmp_path):
    (tmp_path / "台账.csv").write_bytes(b"0" * expectations.HELPER_FROM_BYTES)
    parent = subprocess.Popen([sys.executable, "-c", ORPHAN, str(tmp_path)], cwd=REPO, stdout=subprocess.PIPE,
                              env={**os.environ, expectations.HELPER_VARIABLE: ""})
    helper_pid = int(parent.stdout.readline())
    assert _running(helper_pid)
    parent.send_signal(signal.SIGKILL)  # no atexit, no cleanup: only its pipes close
    parent.wait()
    deadline = time.monotonic() + 60  # (it may be importing great-expectations: it reads its input after that)
    while _running(helper_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(helper_pid)
