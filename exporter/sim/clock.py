"""Clocks for the simulated cluster.

Everything the simulator time-stamps (creationTimestamp, condition transition times,
event timestamps) reads one injectable clock, so a scenario driven by a `ManualClock`
produces byte-identical objects on every run and golden tests stay stable.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
"""Start of every `ManualClock` unless told otherwise: a fixed, obviously fake date."""


class Clock(Protocol):
    """Anything that can say what time it is in the simulated cluster."""

    def now(self) -> datetime: ...


class WallClock:
    """The real time, for the demo and manual use."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ScaledClock:
    """Simulated time running `speed` times faster than the wall clock, from `start`.

    Lets several scenarios play concurrently against one cluster (each just sleeps),
    while every timestamp they write stays in one consistent simulated timeline.
    """

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._start = start or datetime.now(UTC)
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)


class ManualClock:
    """Time that moves only when told to, so scenarios are deterministic."""

    def __init__(self, start: datetime = EPOCH) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime (Kubernetes times are UTC)")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)


def rfc3339(moment: datetime) -> str:
    """Format like metav1.Time: UTC, second precision, `Z` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(moment: datetime) -> str:
    """Format like metav1.MicroTime (events.k8s.io eventTime, Event series lastObservedTime)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp as the API writes it (`Z` suffix, optional fraction)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
