"""Where the platform reads the time. Deadlines, backoffs, leases and due times are all measured
on one clock, handed in at start-up, so tests can move it forward instead of waiting."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """The system clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
