"""Why a request got a 5xx: the proxy's own evidence, in order of reliability.

1. Envoy response flags and Traefik's `OriginStatus` say directly whether the upstream
   answered.
2. For ingress-nginx, an error-log line about the same upstream address shortly before
   the access line names the failure (`connect() failed (111: ...)` → refused, ...).
3. Otherwise a 5xx the upstream itself returned (an upstream status equal to the
   client's, with a response) is the application's (`app`): not blamed on the rollout.
"""

from __future__ import annotations

from collections import deque

from exporter.logs import AccessRecord, ErrorCause, ErrorRecord, UpstreamAttempt

CAUSES = (
    "refused",
    "no_route",
    "reset",
    "premature_close",
    "timeout",
    "no_live_upstreams",
    "no_endpoints",
    "app",
    "other",
)
"""Every value of the `cause` label."""

_ENVOY_FLAGS = (
    ("NR", "no_endpoints"),
    ("UH", "no_live_upstreams"),
    ("UF", "refused"),
    ("UT", "timeout"),
    ("UC", "premature_close"),
    ("UR", "reset"),
    ("LR", "reset"),
    ("URX", "refused"),
)
"""Flag → cause, most specific first (URX accompanies the flag of the last failure)."""

_ERROR_WINDOW = 5.0
"""Seconds an error-log line may precede its access line (the request's duration)."""


class RecentErrors:
    """ingress-nginx error-log lines by upstream address, kept for a few seconds."""

    def __init__(self, window: float = _ERROR_WINDOW) -> None:
        self._window = window
        self._by_address: dict[str, deque[tuple[float, ErrorCause]]] = {}
        self._order: deque[tuple[float, str]] = deque()

    def add(self, error: ErrorRecord) -> None:
        address = error.upstream_address
        if address is None:
            return
        self._by_address.setdefault(address, deque(maxlen=16)).append(
            (error.timestamp, error.cause)
        )
        self._order.append((error.timestamp, address))
        self._expire(error.timestamp)

    def cause_for(self, address: str, at: float, duration: float | None) -> ErrorCause | None:
        errors = self._by_address.get(address)
        if not errors:
            return None
        earliest = at - max(duration or 0.0, 0.0) - self._window
        for stamp, cause in reversed(errors):
            if earliest <= stamp <= at + 1.0:
                return cause
        return None

    def _expire(self, now: float) -> None:
        horizon = now - 6 * self._window
        while self._order and self._order[0][0] < horizon:
            stamp, address = self._order.popleft()
            errors = self._by_address.get(address)
            while errors and errors[0][0] <= stamp:
                errors.popleft()
            if errors is not None and not errors:
                del self._by_address[address]


def classify(record: AccessRecord, attempt: UpstreamAttempt | None, errors: RecentErrors) -> str:
    """The cause of a 5xx `record`, from the evidence the proxy left."""
    flags = record.response_flags
    if flags:
        for flag, cause in _ENVOY_FLAGS:
            if flag in flags:
                return cause
    if record.router is not None or (record.upstream_name or "").endswith("@kubernetes"):
        return _traefik_cause(record, attempt)
    address = attempt.address if attempt is not None else None
    if address is not None and ":" in address:
        logged = errors.cause_for(address, record.timestamp, record.duration)
        if logged is not None:
            return str(logged)
    if attempt is None or address is None or ":" not in address:
        # No peer was picked: nothing to connect to behind the Service.
        return "no_endpoints" if record.status == 503 else "other"
    if attempt.status is not None and attempt.status >= 500:
        return "app"
    if record.status == 504:
        return "timeout"
    return "other"


def _traefik_cause(record: AccessRecord, attempt: UpstreamAttempt | None) -> str:
    """Traefik logs OriginStatus 0 (here: no upstream status) when it answered itself."""
    if attempt is None or attempt.address is None:
        return "no_endpoints" if record.status == 503 else "other"
    if attempt.status:
        return "app"
    return {502: "refused", 503: "no_endpoints", 504: "timeout"}.get(record.status, "other")
