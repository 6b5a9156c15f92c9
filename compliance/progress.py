"""Stage timings, a progress bar per stage on a terminal, and the one-line summary at the end.

The pipeline and the renderers report what they do through a ``Progress``: ``with progress.stage("读取", total=n)
as tick`` times the stage and gives ``tick(k)`` to advance its bar. Bars go to standard error, only when it is a
terminal (never in CI or in a pipe, never with ``--quiet``); the timings are kept either way, for the summary line
and for the benchmark.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


def _noop(n: int = 1) -> None:
    pass


def peak_rss() -> int:
    """Peak resident memory of this process so far, in bytes (0 where it cannot be told). ``resource`` is POSIX
    only: imported here, not with the module, so that the package imports on Windows."""
    try:
        import resource
    except ImportError:
        return _peak_working_set()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _peak_working_set() -> int:
    """Windows: the process's peak working set (GetProcessMemoryInfo), else 0."""
    try:
        import ctypes
        from ctypes import wintypes

        class Counters(ctypes.Structure):
            _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                        ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                        ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

        counters = Counters(cb=ctypes.sizeof(Counters))
        psapi, kernel32 = ctypes.WinDLL("psapi"), ctypes.WinDLL("kernel32")  # type: ignore[attr-defined,unused-ignore]
        if psapi.GetProcessMemoryInfo(kernel32.GetCurrentProcess(), ctypes.byref(counters), counters.cb):
            return int(counters.PeakWorkingSetSize)
    except (AttributeError, OSError):  # not Windows either (WinDLL is missing): nothing to tell
        pass
    return 0


@dataclass
class Progress:
    show: bool = False  # draw bars on standard error
    # after each stage, exempt what exists from garbage collection: a province's tables hold millions of objects
    # that live to the end of the run, and every full collection would walk them again (a third of the time it
    # takes to build a province's findings). For a process that ends with the run: the command line.
    freeze: bool = False
    timings: list[tuple[str, float, int]] = field(default_factory=list)  # (stage, seconds, peak RSS after it)
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def for_terminal(cls, quiet: bool = False) -> Progress:
        """Bars when standard error is a terminal and we are not in CI; none with ``--quiet``."""
        return cls(show=not quiet and sys.stderr.isatty() and not os.environ.get("CI"), freeze=True)

    @contextmanager
    def stage(self, label: str, total: int | None = None, unit: str = "") -> Iterator[Callable[[int], None]]:
        begun = time.perf_counter()
        bar: Any = None  # a tqdm bar
        if self.show:
            from tqdm import tqdm

            bar = tqdm(total=total, desc=label, unit=unit or "it", file=sys.stderr, leave=False,
                       dynamic_ncols=True, mininterval=0.2)
        try:
            yield bar.update if bar is not None else _noop
        finally:
            if bar is not None:
                bar.close()
            if self.freeze:
                gc.freeze()
            self.timings.append((label, time.perf_counter() - begun, peak_rss()))

    def seconds(self, label: str) -> float:
        return sum(seconds for name, seconds, _ in self.timings if name == label)

    def summary(self) -> str:
        """``用时 3.2 秒（读取 1.0 · 规范化 0.4 · …），内存峰值 412 MB``."""
        total = time.perf_counter() - self.started
        parts = " · ".join(f"{label} {seconds:.1f}" for label, seconds, _ in self.timings)
        return f"用时 {total:.1f} 秒（{parts}），内存峰值 {peak_rss() / 2**20:.0f} MB"


@contextmanager
def collector_paused(*, then_oldest: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while a stage makes hundreds of thousands of objects that hold no cycles (a
    roster's strings, tuples and models; findings.json's blocks): each collection would walk every object made so
    far. ``then_oldest``: the objects made live on (a roster), so at the end they go straight to the oldest
    generation, where the collector would move them after walking them twice (the first collection after the pause
    walks every one: a tenth of a second at a province). gc.freeze() then gc.unfreeze() is the one way to move them
    there; it is done only when nothing is frozen (unfreeze would undo another's freeze, e.g. ``Progress``'s)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if then_oldest and gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was:
            gc.enable()
