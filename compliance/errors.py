"""Errors a user can fix: they end the run with a Chinese message and exit code 2, never a traceback."""

from __future__ import annotations


class InputError(Exception):
    """An input (ledger, roster, rules file, option) that cannot be used at all.

    The message is Simplified Chinese and names the place: file, sheet, row and column where known.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.sheet = sheet
        self.row = row
        self.column = column
        super().__init__(str(self))

    def location(self) -> str:
        parts = []
        if self.source:
            parts.append(f"文件 {self.source}")
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row is not None:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"列“{self.column}”")
        return "，".join(parts)

    def __str__(self) -> str:
        where = self.location()
        return f"{where}：{self.message}" if where else self.message


class CatalogueError(InputError):
    """rules.yaml is unreadable or invalid; raised before any ledger is read."""
