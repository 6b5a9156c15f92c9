"""What one upload and the whole server may occupy: ``compliance serve``'s own ``--limit`` names beside the reading
limits every command has.

- ``run``: MB on disk for one check — the upload, and what its zips unpack to, counted as they are written;
- ``disk``: MB that the kept page runs of the whole server may occupy; the oldest finished runs are deleted first
  to stay within it (never one viewed in the last minute), and a new check waits for room (503) when none can go;
- ``files``: files in one upload, a zip's entries included.

The standard library only: ``compliance serve --help`` stays instant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compliance.config.limits import MB, Limits, limit_number
from compliance.errors import InputError

NAMES = {"run": "run_mb", "disk": "disk_mb", "files": "files"}


@dataclass(frozen=True)
class ServeLimits:
    run_mb: float = 512  # whole MB from the command line; a fraction in tests
    disk_mb: float = 4096
    files: int = 1000

    @property
    def run_bytes(self) -> int:
        return int(self.run_mb * MB)

    @property
    def disk_bytes(self) -> int:
        return int(self.disk_mb * MB)

    @classmethod
    def parse(cls, items: Iterable[str]) -> tuple[Limits, ServeLimits]:
        """``--limit`` items: ``run``, ``disk`` and ``files`` here, the others as ``compliance check`` reads them."""
        own, reading = {}, []
        for item in items:
            name, _, value = item.partition("=")
            key = NAMES.get(name.strip().lower())
            if key is None:
                reading.append(item)
                continue
            own[key] = limit_number(item, value)
        try:
            limits = Limits.parse(reading)
        except InputError as exc:
            if exc.message.startswith("未知的上限"):
                known = "、".join(["size", "rows", "columns", "cells", "cell-chars", *NAMES])
                raise InputError(exc.message.split("，可用：")[0] + f"，可用：{known}（写作 名称=数值，如 run=256）",
                                 column="--limit") from None
            raise
        return limits, cls(**own)
