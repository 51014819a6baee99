"""The typed results of parsing one log line.

A record keeps what attribution needs — when, which status the client got, which upstream
addresses were tried in which order, which upstream name the proxy routed to — and nothing
that identifies a user or explodes cardinality: the request path, the query string and the
client address are read past by the parsers and never stored.

Records are msgspec Structs rather than dataclasses because building one is the last step of
the per-line hot path and a Struct is constructed in C; `gc=False` because records never
reference each other, so the cycle collector has nothing to find in them.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class UpstreamAttempt(msgspec.Struct, frozen=True, gc=False):
    """One try of one upstream, in the order the proxy made them.

    `address` is the peer as the proxy logged it (`10.1.2.3:8080`, `[fd00::1]:8080`, or a
    name such as `upstream_balancer` when no peer was picked); None when the proxy logged
    none. `status` is the upstream's own answer, None when there was none (connection
    refused, timeout, a response the proxy generated). `response_time` is in seconds.
    """

    address: str | None
    status: int | None
    response_time: float | None


class AccessRecord(msgspec.Struct, frozen=True, gc=False):
    """One request as an ingress proxy logged it.

    `timestamp` is epoch seconds: the externally supplied one (the Kubernetes log stream's
    `timestamps=true` prefix, i.e. when the line was written) when there is one, otherwise
    the line's own time field — request completion for nginx and Traefik CLF, request start
    for Envoy and Traefik JSON. `duration` (seconds, when logged) lets a consumer move
    between the two.

    `status` is what the client received; 0 means no response was sent (Envoy's documented
    value for a client that disconnected first).

    `upstream_name` is the proxy's name for the backend as logged (`shop-checkout-8080` for
    ingress-nginx, `shop-checkout-8080@kubernetes` for Traefik, the cluster name for Envoy);
    it is resolved against watched Services later, never split here, because namespaces
    and service names both contain dashes. `alternative_upstream_name` is ingress-nginx's
    canary backend when the request was routed to it; `router` is Traefik's router name.
    `retries` counts tries after the first within one upstream; `response_flags` are
    Envoy's short flags. Field order puts what every format sets first: the nginx hot path
    builds records positionally.
    """

    timestamp: float
    status: int
    upstreams: tuple[UpstreamAttempt, ...] = ()
    upstream_name: str | None = None
    alternative_upstream_name: str | None = None
    request_id: str | None = None
    method: str | None = None
    duration: float | None = None
    retries: int = 0
    response_flags: frozenset[str] = frozenset()
    host: str | None = None
    router: str | None = None

    @property
    def final_upstream(self) -> UpstreamAttempt | None:
        """The attempt whose outcome the client saw: the last one the proxy made."""
        return self.upstreams[-1] if self.upstreams else None


class ErrorCause(StrEnum):
    """Why an ingress-nginx upstream connection failed, from its error-log line."""

    REFUSED = "refused"
    NO_ROUTE = "no_route"
    TIMEOUT = "timeout"
    PREMATURE_CLOSE = "premature_close"
    RESET = "reset"
    NO_LIVE_UPSTREAMS = "no_live_upstreams"


class ErrorPhase(StrEnum):
    """Which step of proxying failed: a refused connect and a reset mid-response differ."""

    CONNECT = "connect"
    SEND = "send"
    READ_HEADER = "read_header"
    READ_BODY = "read_body"


class ErrorRecord(msgspec.Struct, frozen=True, gc=False):
    """An ingress-nginx error-log line about an upstream failure.

    Correlated with access records later, by upstream address and time or by request id,
    to say *why* a 502/503/504 happened. `connection` is nginx's connection serial (`*569`):
    the lines of one request's retries share it.
    """

    timestamp: float
    cause: ErrorCause
    upstream_address: str | None = None
    upstream_name: str | None = None
    phase: ErrorPhase | None = None
    request_id: str | None = None
    method: str | None = None
    host: str | None = None
    connection: int | None = None
