"""A clock a test moves forward, so a lifecycle crosses its deadlines without waiting for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestrator.clock import Clock


class ManualClock(Clock):
    """The system clock plus an offset the test advances. Only the platform's own notion of time
    jumps (deadlines, backoffs, due times, leases); helm, the stand-in and the kernel keep real
    time, so a helm timeout still takes its real second.

    Advance by less than ``lease_seconds``: a jump past a lease held by a pass in flight would
    make the lease look expired and let the store be claimed a second time.
    """

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return super().now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)
