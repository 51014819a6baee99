"""Container logs as the kubelet keeps them: per container, bounded, time-stamped on write.

The container runtime stamps every line when it reads it from the container's stdout or
stderr, so a log's timestamps never go backwards, and a line written with an earlier
time than the previous one gets the previous one's time. The kubelet keeps a bounded
amount per container (log rotation, 10 MiB by default); here the bound counts lines, and
readers that fall behind lose the oldest lines, as after a rotation. When the pod is
deleted its logs go with it and every follower's stream ends.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

DEFAULT_LINES_PER_CONTAINER = 20_000


def rfc3339_nano_fixed(moment: datetime) -> str:
    """The kubelet's `timestamps=true` prefix: Go's RFC3339NanoFixed, always 9 digits."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


@dataclass(frozen=True)
class LogLine:
    at: datetime
    text: str
    """Without the trailing newline."""


class ContainerLog:
    """The lines of one container, addressed by a position that only grows.

    Positions let a follower ask for "everything after what I have" without copying the
    buffer, and tell it when lines it has not read yet were already dropped.
    """

    def __init__(self, limit: int) -> None:
        self._lines: deque[LogLine] = deque(maxlen=limit)
        self._dropped = 0
        """Lines that fell off the front of the bounded buffer."""
        self._changed: asyncio.Event | None = None
        self.ended = False

    @property
    def end_position(self) -> int:
        return self._dropped + len(self._lines)

    def append(self, text: str, at: datetime) -> None:
        if self.ended:
            raise RuntimeError("the container's pod is gone; its log takes no more lines")
        if self._lines and at < self._lines[-1].at:
            at = self._lines[-1].at
        if len(self._lines) == self._lines.maxlen:
            self._dropped += 1
        self._lines.append(LogLine(at, text))
        self._wake()

    def end(self) -> None:
        self.ended = True
        self._wake()

    def lines(self) -> list[LogLine]:
        return list(self._lines)

    def read(self, position: int) -> tuple[list[LogLine], int]:
        """Lines from `position` on (or from the oldest kept one) and the next position."""
        start = max(position - self._dropped, 0)
        if start >= len(self._lines):
            return [], self.end_position
        return list(_islice(self._lines, start)), self.end_position

    def appended(self) -> asyncio.Event:
        """Set by the next append or by the end of the log.

        Handed out synchronously, so a reader that checked `end_position` and then waits
        cannot miss a line appended in between.
        """
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _wake(self) -> None:
        if self._changed is not None:
            self._changed.set()
            self._changed = None


def _islice(lines: deque[LogLine], start: int) -> Iterator[LogLine]:
    for index in range(start, len(lines)):
        yield lines[index]


class LogStore:
    """Every container log in the cluster, keyed by namespace, pod name and container.

    The cluster owns it and ends a pod's logs when the pod is deleted, so a pod created
    again under the same name starts with an empty log, as a new pod does.
    """

    def __init__(self, *, lines_per_container: int = DEFAULT_LINES_PER_CONTAINER) -> None:
        if lines_per_container < 1:
            raise ValueError("a container log must hold at least one line")
        self._limit = lines_per_container
        self._logs: dict[tuple[str, str, str], ContainerLog] = {}

    def log(self, namespace: str, pod: str, container: str) -> ContainerLog:
        """The container's log, created empty on first use."""
        key = (namespace, pod, container)
        found = self._logs.get(key)
        if found is None:
            found = self._logs[key] = ContainerLog(self._limit)
        return found

    def end_pod(self, namespace: str, pod: str) -> None:
        """The pod is gone: end its containers' logs (followers finish) and forget them."""
        for key in [key for key in self._logs if key[:2] == (namespace, pod)]:
            self._logs.pop(key).end()
