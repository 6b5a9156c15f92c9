"""Reading a workbook's sheets with python-calamine, in this process or in a child under a memory cap.

calamine is fast and never runs macros, but it is native code: on some damaged files it asks for an absurd buffer
(a 5 KB .xls whose records claim a terabyte) and the allocation failure aborts the whole process — no exception to
catch. Where fuzzing found that (the BIFF reader behind .xls), the file is read by
``python -m compliance.intake.workbook`` in a child process whose address space is capped: if the reader dies there,
the file is refused with a message and the check goes on being a check. xlsx, xlsm and ods are inspected before
reading instead (compliance.intake.zipscan) and read here, in-process, which is faster.
"""

from __future__ import annotations

import io
import pickle
import subprocess
import sys

MEMORY_CAP = 4 << 30  # bytes of address space for the child; an .xls sheet is at most 65,536 × 256 cells

Sheets = list[tuple[str, int, int, list | None, list, bool]]  # (name, height, width, rows or None, merged, hidden)


def sheets_of(path: str, cells: int) -> Sheets:
    """Every sheet: name, height, width, its rows as Python values, its merged ranges and whether it is hidden. A
    sheet whose used range is over ``cells`` is given without rows, and the sheets after it are not read.
    calamine's errors propagate."""
    import python_calamine

    workbook = python_calamine.CalamineWorkbook.from_path(path)
    hidden = {m.name for m in workbook.sheets_metadata if m.visible != python_calamine.SheetVisibleEnum.Visible}
    out: Sheets = []
    for name in workbook.sheet_names:
        sheet = workbook.get_sheet_by_name(name)
        over = sheet.height * sheet.width > cells
        rows = None if over else sheet.to_python(skip_empty_area=False)
        out.append((name, sheet.height, sheet.width, rows, list(sheet.merged_cell_ranges or []), name in hidden))
        if over:
            break
    return out


class ReaderDied(Exception):
    """The child reading a workbook ended without an answer (the reader aborted, or ran out of its memory cap)."""


class ReaderError(Exception):
    """calamine raised an error for the workbook (its message is the exception's)."""


def sheets_isolated(path: str, cells: int, timeout: float = 600) -> Sheets:
    """``sheets_of`` in a child process with a memory cap (where the platform has one: not on Windows)."""
    try:
        child = subprocess.run([sys.executable, "-m", "compliance.intake.workbook", path, str(cells)],
                               capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise ReaderDied(f"读取超过 {timeout:.0f} 秒仍未结束") from None
    if child.returncode != 0 or not child.stdout:
        asked = b"memory allocation of" in child.stderr or b"MemoryError" in child.stderr
        raise ReaderDied("读取器申请了不合理的内存后退出" if asked else f"读取器异常退出（{child.returncode}）")
    status, payload = _Answer(io.BytesIO(child.stdout)).load()
    if status != "ok":
        raise ReaderError(payload)
    return payload


class _Answer(pickle.Unpickler):
    """The child's answer holds only plain values and the datetime types cells can have; nothing else loads."""

    def find_class(self, module, name):
        if module == "datetime" and name in ("datetime", "date", "time", "timedelta"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name}")


def main() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    except (ImportError, ValueError, OSError):
        pass  # no cap here (Windows): the child still keeps a crash away from the check
    try:
        answer: tuple[str, object] = ("ok", sheets_of(sys.argv[1], int(sys.argv[2])))
    except BaseException as exc:  # calamine's errors and panics are all answers
        answer = ("error", str(exc))
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)


if __name__ == "__main__":
    main()
