"""Faults injected on command, and the log of requests the server handled.

Tests queue a fault, make the client hit it, and then assert on `server.requests`, e.g.
that the retry waited for Retry-After or that the next watch resumed from the last RV.
Each fault fires for the first matching request(s) only, so a test states exactly which
request misbehaves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

Verb = Literal["list", "watch", "log"]
"""`log` is a pod's log subresource; its faults count log lines as events."""


class FaultKind(Enum):
    DROP_MID_STREAM = "drop_mid_stream"
    """Abort the TCP connection after `after_events` watch events (or log lines)."""
    DROP_MID_LINE = "drop_mid_line"
    """Write half of the next line after `after_events` events (or log lines), then abort."""
    GONE_HTTP = "gone_http"
    """Answer the watch with HTTP 410 Status instead of a stream."""
    GONE_EVENT = "gone_event"
    """Send an ERROR event with a 410 Status after `after_events` events, then close."""
    EXPIRE_CONTINUE = "expire_continue"
    """Answer a list carrying a continue token with 410 Expired."""
    TOO_MANY_REQUESTS = "too_many_requests"
    """429 with Retry-After, by default as APF sends it (plain text, not a Status)."""
    SERVER_ERROR = "server_error"
    """500 Status InternalError."""
    RAW_LINES = "raw_lines"
    """Write `lines` verbatim into the stream after `after_events` events, then go on:
    garbage JSON or malformed objects, as a broken proxy or a buggy server might send."""
    STALL = "stall"
    """Send the response headers, then nothing for `seconds`, then serve normally."""


_VERBS: dict[FaultKind, frozenset[Verb]] = {
    FaultKind.DROP_MID_STREAM: frozenset({"watch", "log"}),
    FaultKind.DROP_MID_LINE: frozenset({"watch", "log"}),
    FaultKind.GONE_HTTP: frozenset({"watch"}),
    FaultKind.GONE_EVENT: frozenset({"watch"}),
    FaultKind.EXPIRE_CONTINUE: frozenset({"list"}),
    FaultKind.TOO_MANY_REQUESTS: frozenset({"list", "watch", "log"}),
    FaultKind.SERVER_ERROR: frozenset({"list", "watch", "log"}),
    FaultKind.STALL: frozenset({"list", "watch", "log"}),
    FaultKind.RAW_LINES: frozenset({"watch"}),
}


@dataclass
class Fault:
    kind: FaultKind
    verbs: frozenset[Verb]
    resource: str | None
    remaining: int
    after_events: int = 0
    retry_after: int = 1
    seconds: float = 0.0
    status_body: bool = False
    lines: tuple[bytes, ...] = ()
    fired: int = 0

    def applies(self, resource: str, verb: Verb, has_continue: bool) -> bool:
        if self.kind is FaultKind.EXPIRE_CONTINUE and not has_continue:
            return False
        return verb in self.verbs and self.resource in (None, resource)


@dataclass
class RecordedRequest:
    """One request as the server saw it; `status` is set when the response starts.

    `at` is `time.monotonic()` on arrival, so tests can measure the gap a client left
    between two requests (e.g. that it waited for Retry-After).
    """

    method: str
    path: str
    query: dict[str, str]
    status: int | None = None
    fault: FaultKind | None = None
    at: float = field(default_factory=time.monotonic)


@dataclass
class Faults:
    """Pending faults, consumed first-in first-out by the requests they match."""

    pending: list[Fault] = field(default_factory=list)

    def _add(
        self,
        kind: FaultKind,
        *,
        resource: str | None,
        verb: Verb | None,
        times: int,
        after_events: int = 0,
        retry_after: int = 1,
        seconds: float = 0.0,
        status_body: bool = False,
        lines: tuple[bytes, ...] = (),
    ) -> Fault:
        if times < 1:
            raise ValueError("a fault must fire at least once")
        verbs = _VERBS[kind]
        if verb is not None:
            if verb not in verbs:
                raise ValueError(f"{kind.value} cannot apply to {verb} requests")
            verbs = frozenset({verb})
        fault = Fault(
            kind,
            verbs,
            resource,
            times,
            after_events=after_events,
            retry_after=retry_after,
            seconds=seconds,
            status_body=status_body,
            lines=lines,
        )
        self.pending.append(fault)
        return fault

    def drop_mid_stream(
        self,
        after_events: int = 0,
        *,
        resource: str | None = None,
        verb: Verb | None = None,
        times: int = 1,
    ) -> Fault:
        return self._add(
            FaultKind.DROP_MID_STREAM,
            resource=resource,
            verb=verb,
            times=times,
            after_events=after_events,
        )

    def drop_mid_line(
        self,
        after_events: int = 0,
        *,
        resource: str | None = None,
        verb: Verb | None = None,
        times: int = 1,
    ) -> Fault:
        return self._add(
            FaultKind.DROP_MID_LINE,
            resource=resource,
            verb=verb,
            times=times,
            after_events=after_events,
        )

    def gone_http(self, *, resource: str | None = None, times: int = 1) -> Fault:
        return self._add(FaultKind.GONE_HTTP, resource=resource, verb=None, times=times)

    def gone_event(
        self, after_events: int = 0, *, resource: str | None = None, times: int = 1
    ) -> Fault:
        return self._add(
            FaultKind.GONE_EVENT,
            resource=resource,
            verb=None,
            times=times,
            after_events=after_events,
        )

    def expire_continue(self, *, resource: str | None = None, times: int = 1) -> Fault:
        return self._add(FaultKind.EXPIRE_CONTINUE, resource=resource, verb=None, times=times)

    def too_many_requests(
        self,
        retry_after: int = 1,
        *,
        resource: str | None = None,
        verb: Verb | None = None,
        times: int = 1,
        status_body: bool = False,
    ) -> Fault:
        """`status_body=False` is the API Priority and Fairness answer (text/plain);
        `True` sends a Status with reason TooManyRequests as other code paths do."""
        return self._add(
            FaultKind.TOO_MANY_REQUESTS,
            resource=resource,
            verb=verb,
            times=times,
            retry_after=retry_after,
            status_body=status_body,
        )

    def server_error(
        self, *, resource: str | None = None, verb: Verb | None = None, times: int = 1
    ) -> Fault:
        return self._add(FaultKind.SERVER_ERROR, resource=resource, verb=verb, times=times)

    def stall(
        self,
        seconds: float,
        *,
        resource: str | None = None,
        verb: Verb | None = None,
        times: int = 1,
    ) -> Fault:
        return self._add(
            FaultKind.STALL, resource=resource, verb=verb, times=times, seconds=seconds
        )

    def raw_lines(
        self,
        lines: tuple[bytes, ...],
        after_events: int = 0,
        *,
        resource: str | None = None,
        times: int = 1,
    ) -> Fault:
        """Each item is written followed by a newline, exactly as given."""
        return self._add(
            FaultKind.RAW_LINES,
            resource=resource,
            verb=None,
            times=times,
            after_events=after_events,
            lines=lines,
        )

    def take(self, resource: str, verb: Verb, *, has_continue: bool = False) -> Fault | None:
        """The first pending fault for this request, counted as fired."""
        for fault in self.pending:
            if fault.applies(resource, verb, has_continue):
                fault.remaining -= 1
                fault.fired += 1
                if fault.remaining == 0:
                    self.pending.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.pending.clear()
