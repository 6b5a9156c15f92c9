"""How great-expectations runs the gate's suite: in this process, or in a helper process started early.

The gate (``compliance.intake.gate``) says what to check as data — each expectation a great-expectations class
name and its arguments (``Spec``) — and hands ``run`` a small numeric frame (its distinct values). ``run`` returns,
per expectation, its type and the positions of the failing values.

Importing great-expectations takes about 1.4 s of Python, more than everything else a 50,000-row check does. A
thread importing it meanwhile shares the interpreter's lock and hides a third of it; a process on the other core
hides all of it. So a command that is about to read ledgers calls ``start_helper`` first: a child process
(``python -m compliance.intake.expectations``, a fresh interpreter on every platform: nothing is forked) imports
great-expectations while this one reads the ledgers, and ``run`` sends it the frame and the specs through its
standard input and reads the answer from its standard output (pickles). Anything going wrong with it — it cannot
start, dies, answers garbage or not within ``_ANSWER_SECONDS`` — and ``run`` validates here instead, as it always
does without a helper: the answer is the same, only later. The helper never outlives us: we end it once it has
answered (or at exit, ``stop_helper``), and it ends by itself when its standard input closes, which happens when
this process dies however it dies. A process that already has great-expectations imported (the served worker
keeps it warm) validates in process and never starts one; nor does a check of small ledgers (``HELPER_FROM_BYTES``),
which reaches its gate before a helper could have imported anything.

great-expectations is imported here, inside ``gxe``, never at module import: this module imports only the
standard library, so the helper starts at once and ``compliance --help`` stays instant.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import re
import subprocess
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

Spec = tuple[str, dict[str, Any]]  # (great-expectations class name, its arguments)
Outcome = tuple[str, list[int]]  # (expectation type, positions of the failing values in the frame)

_ANSWER_SECONDS = 300.0  # a helper that has not answered by then (it imports in about 2 s) is given up on
HELPER_VARIABLE = "COMPLIANCE_GATE_HELPER"  # "0": never start one, "1": always (for comparisons and tests)
# A helper answers about 2 s after it starts, an import here costs about 1.5 s: it pays when the check takes more than
# half a second to reach its gate, which ledgers of a megabyte or so do (~10,000 CSV rows); below, it would only add
# a process. Measured on the 2-core development machine (README, issue 32).
HELPER_FROM_BYTES = 2_000_000


def expectation_type(spec: Spec) -> str:
    """The snake-case type great-expectations gives the class (ExpectColumnValuesToBeBetween →
    expect_column_values_to_be_between), known without importing it."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", spec[0]).lower()


def columns_of(spec: Spec) -> tuple[str, ...]:
    """The columns of the frame an expectation reads: ``column``, or ``column_A`` and ``column_B``."""
    kwargs = spec[1]
    return (kwargs["column"],) if "column" in kwargs else (kwargs["column_A"], kwargs["column_B"])


def run(frame, specs: list[Spec]) -> list[Outcome]:
    """Per spec, in order: its expectation type and the positions (sorted) of the frame's rows failing it. By the
    helper when one was started and great-expectations is not imported here; else (or when it fails) here."""
    return submit(frame, specs)()


def submit(frame, specs: list[Spec]) -> Callable[[], list[Outcome]]:
    """``run``, begun: the helper (if one runs) validates while the caller does other work; the function returned
    waits for its answer — or, without a helper or when it fails, validates here."""
    helper = _take_helper()
    if helper is None:
        return lambda: validate(frame, specs)
    waiting = helper.ask(frame, specs)

    def answer() -> list[Outcome]:
        outcomes = waiting()
        helper.stop()
        return outcomes if outcomes is not None else validate(frame, specs)

    return answer


# -- great-expectations in this process ----------------------------------------------------------------------------

# Modules great-expectations imports for expectations the gate never uses (KL divergence, KS tests, their charts):
# about two thirds of a second of its import, more than half a small check.
_DEFERRED = ("scipy.stats", "altair")


class _Deferred(types.ModuleType):
    """Stands in for a module while great-expectations is imported, and is what its modules keep: the real module
    is imported the first time anything is asked of it (never, for the gate's expectations)."""

    def __getattr__(self, name: str):
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self.__dict__["_real"] = importlib.import_module(self.__name__)
        return getattr(real, name)


def gxe():
    """great_expectations.expectations, imported once: with the modules of ``_DEFERRED`` not yet imported standing
    in for themselves (``_Deferred``) — great-expectations itself is imported and run as it is; any other
    importer of those modules gets the real ones."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    with _IMPORTING:  # a second thread waits for the whole import (a module is in sys.modules before it is done)
        if _imported:
            return _imported[0]
        placed = {name: _Deferred(name) for name in _DEFERRED if name not in sys.modules}
        sys.modules.update(placed)
        try:
            import great_expectations.expectations as module
        finally:
            for name, stand_in in placed.items():
                if sys.modules.get(name) is stand_in:
                    del sys.modules[name]
        _imported.append(module)
        return module


_IMPORTING = threading.Lock()
_imported: list = []


def validate(frame, specs: list[Spec]) -> list[Outcome]:
    """``run``, in this process: one batch of ``frame`` against a suite of ``specs``, in an in-memory context kept
    for the process's next validation (``_kept``)."""
    with _VALIDATING:
        batch_definition, suite, expectations = _kept_suite(specs)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        # COMPLETE: every failing value's index is needed (each is mapped back to its rows); values are not asked for
        result = batch.validate(suite, result_format={"result_format": "COMPLETE", "include_unexpected_rows": False,
                                                      "partial_unexpected_count": 0})
    by_id = {outcome.expectation_config.id: outcome for outcome in result.results
             if outcome.expectation_config is not None}
    out: list[Outcome] = []
    for spec, expectation in zip(specs, expectations, strict=True):
        outcome = by_id.get(expectation.id)
        if outcome is None or (outcome.exception_info or {}).get("raised_exception"):
            detail = outcome.exception_info if outcome is not None else "no result"
            raise RuntimeError(f"great-expectations could not run {expectation.expectation_type} "
                               f"on {'、'.join(columns_of(spec))}: {detail}")
        indices = outcome.result.get("unexpected_index_list") or []
        out.append((expectation.expectation_type, sorted(int(i) for i in indices)))
    return out


# A served worker validates once a check, the same suite again and again (it differs only by the as-of date): making
# the context and its batch definition (~8 ms CPU) and the suite (~17 ms: each expectation is serialised into the
# context's store) for each check was a tenth of the demo's served check. So they are made once per process and kept:
# the context, and the suite of the last specs. Nothing a validation does is left in them for the next one to see —
# the batch is made afresh from each frame (the execution engine holds the last frame only until the next one
# replaces it; the gate's frames are distinct values, small) and the suite is only read — so the outcomes are those
# of a fresh context (tests/intake/test_gate_kept.py). One validation at a time: ``_VALIDATING``.
_VALIDATING = threading.Lock()
_kept: dict[str, Any] = {}  # "context"; "batches": its batch definition; "suite": (specs' key, suite, its
# expectations as added)


def _kept_suite(specs: list[Spec]) -> tuple[Any, Any, list]:
    """The kept batch definition (made on first use), and the suite of ``specs`` with its expectations as added to
    it — the kept one when the specs are those of the last validation, else a new one replacing it."""
    expectations_module = gxe()
    import great_expectations as gx

    if "batches" not in _kept:
        from great_expectations.data_context.types.base import (
            DataContextConfig,
            InMemoryStoreBackendDefaults,
            ProgressBarsConfig,
        )

        # in memory, without the data-docs site an ephemeral context otherwise gets: a temporary folder per context (at
        # the floor, 1.7, kept until the context is collected), which nothing here reads
        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False))
        context = gx.get_context(mode="ephemeral", project_config=config)
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        _kept["context"] = context
        _kept["batches"] = (context.data_sources.add_pandas("ledgers")
                            .add_dataframe_asset("records")
                            .add_batch_definition_whole_dataframe("all rows"))
    key = repr(specs)  # (class names, and arguments that are numbers, strings and lists of numbers)
    if _kept.get("suite", (None,))[0] != key:
        context = _kept["context"]
        if "suite" in _kept:  # one suite in the store at a time: a worker's store does not grow with as-of dates
            context.suites.delete(_kept.pop("suite")[1].name)
        suite = context.suites.add(gx.ExpectationSuite(name="ledger-records"))
        added = [suite.add_expectation(getattr(expectations_module, name)(**kwargs)) for name, kwargs in specs]
        _kept["suite"] = (key, suite, added)
    _, suite, added = _kept["suite"]
    return _kept["batches"], suite, added


def forget() -> None:
    """Drop the kept context and suite: the next validation makes them afresh (as a fresh process would)."""
    with _VALIDATING:
        _kept.clear()


# -- the helper process --------------------------------------------------------------------------------------------


class Helper:
    """A child process that imports great-expectations at once and then validates what it is sent (``serve``)."""

    def __init__(self, command: list[str] | None = None):
        self.process = subprocess.Popen(
            command or [sys.executable, "-m", "compliance.intake.expectations"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={**os.environ, "GX_ANALYTICS_ENABLED": "false"},
        )

    def validate(self, frame, specs: list[Spec]) -> list[Outcome] | None:
        """The helper's answer, or None when it gave none (the caller then validates in process)."""
        return self.ask(frame, specs)()

    def ask(self, frame, specs: list[Spec]) -> Callable[[], list[Outcome] | None]:
        """Send the helper its work; the function returned waits for the answer (None: it gave none)."""
        answer: list = []
        sink, source = self.process.stdin, self.process.stdout
        assert sink is not None and source is not None  # (both are pipes: Popen was asked for them)

        def exchange() -> None:
            try:
                pickle.dump((frame, specs), sink, protocol=pickle.HIGHEST_PROTOCOL)
                sink.flush()
                answer.append(pickle.load(source))
            except Exception:  # whatever went wrong with it, validating here gives the answer
                pass

        # in a thread: the caller goes on meanwhile, and a helper that hangs is given up on after a while (a pipe
        # cannot be read with a time limit on every platform)
        talk = threading.Thread(target=exchange, daemon=True)
        talk.start()

        def wait() -> list[Outcome] | None:
            talk.join(_ANSWER_SECONDS)
            if not answer or not isinstance(answer[0], tuple) or answer[0][0] != "ok":
                return None
            outcomes = answer[0][1]
            if len(outcomes) != len(specs):
                return None
            return [(str(kind), [int(i) for i in positions]) for kind, positions in outcomes]

        return wait

    def stop(self) -> None:
        """End it now. Not by closing its input and waiting: an interpreter holding pandas and great-expectations
        takes half a second to tear itself down, and nothing it holds needs an orderly end."""
        with contextlib.suppress(OSError):
            self.process.kill()  # first: a thread still reading its answer holds the pipe until it ends
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()


_helper: list[Helper] = []


def start_helper(paths) -> None:
    """Start the helper for a check of ``paths`` (files or folders), unless they hold less than
    ``HELPER_FROM_BYTES``, great-expectations is already imported here, one is running, or
    COMPLIANCE_GATE_HELPER=0. Failing to start one is no error: the gate then validates in process."""
    wanted = os.environ.get(HELPER_VARIABLE)
    if _imported or _helper or wanted == "0" or (wanted != "1" and _size(paths, HELPER_FROM_BYTES) < HELPER_FROM_BYTES):
        return
    try:
        _helper.append(Helper())
    except (OSError, ValueError):
        return
    atexit.register(stop_helper)


def _size(paths, enough: int) -> int:
    """The bytes of the files under ``paths``, counted until ``enough``."""
    total = 0
    for path in map(os.fspath, paths):
        if os.path.isfile(path):
            total += os.path.getsize(path)
        for folder, _, names in os.walk(path):
            for name in names:
                with contextlib.suppress(OSError):  # (a file gone or unreadable: the reader will say so)
                    total += os.path.getsize(os.path.join(folder, name))
                if total >= enough:
                    return total
        if total >= enough:
            break
    return total


def stop_helper() -> None:
    """End the helper if one is still running (a command that stopped before its gate)."""
    while _helper:
        _helper.pop().stop()


def _take_helper() -> Helper | None:
    """The helper, now handed over to its one validation (none when great-expectations is imported here)."""
    if not _helper:
        return None
    helper = _helper.pop()
    if _imported:
        helper.stop()
        return None
    return helper


def serve(source, sink) -> None:
    """The helper's loop: import great-expectations, then answer each (frame, specs) read from ``source`` with
    ("ok", outcomes) or ("error", message) on ``sink``, until ``source`` ends."""
    gxe()
    while True:
        try:
            frame, specs = pickle.load(source)
        except (EOFError, OSError, pickle.UnpicklingError):
            return
        try:
            reply: tuple = ("ok", validate(frame, specs))
        except Exception as exc:  # the parent validates in process and raises it there
            reply = ("error", f"{type(exc).__name__}: {exc}")
        pickle.dump(reply, sink, protocol=pickle.HIGHEST_PROTOCOL)
        sink.flush()


if __name__ == "__main__":
    # the answers go through a copy of the standard output; the standard output itself is pointed at the standard
    # error (nothing great-expectations prints can break a pickle)
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    serve(sys.stdin.buffer, channel)
