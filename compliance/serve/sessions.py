"""Who may use a server started with a token: login sessions, and a throttle on guessing.

A login gives a random session id (the cookie), not anything derived from the token: it expires, and logging out
ends it. Wrong tokens are counted per client address: after a few, that address is answered 429 for a minute, and
each further wrong one doubles the wait (up to an hour); a right one clears the count.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

FREE_FAILURES = 5
FIRST_WAIT = 60.0
LONGEST_WAIT = 3600.0
_REMEMBERED = 10_000  # addresses the throttle keeps at most (the oldest quiet ones are forgotten first)


class Sessions:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self.ends: dict[str, float] = {}

    def new(self, now: float | None = None) -> str:
        now = time.monotonic() if now is None else now
        self.ends = {sid: end for sid, end in self.ends.items() if end > now}
        session = secrets.token_urlsafe(32)
        self.ends[session] = now + self.seconds
        return session

    def valid(self, session: str, now: float | None = None) -> bool:
        end = self.ends.get(session)
        return end is not None and end > (time.monotonic() if now is None else now)

    def end(self, session: str) -> None:
        self.ends.pop(session, None)


@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0
    until: float = 0.0  # locked until


class Throttle:
    def __init__(self):
        self.records: dict[str, _Record] = {}

    def wait(self, address: str, now: float | None = None) -> int:
        """Seconds this address must still wait before its next try (0: it may try now)."""
        now = time.monotonic() if now is None else now
        record = self.records.get(address)
        return 0 if record is None or record.until <= now else int(record.until - now + 0.999)

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        record = self.records.setdefault(address, _Record())
        if now - record.last > LONGEST_WAIT:  # an hour without a wrong try starts the count afresh
            record.failures = 0
        record.failures += 1
        record.last = now
        if record.failures >= FREE_FAILURES:
            record.until = now + min(FIRST_WAIT * 2 ** (record.failures - FREE_FAILURES), LONGEST_WAIT)
        if len(self.records) > _REMEMBERED:
            for quiet in sorted(self.records, key=lambda a: self.records[a].last)[: len(self.records) // 10]:
                if self.records[quiet].until <= now:
                    del self.records[quiet]

    def succeeded(self, address: str) -> None:
        self.records.pop(address, None)
