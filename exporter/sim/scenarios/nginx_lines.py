"""ingress-nginx log lines, byte for byte: `upstreaminfo` access lines and error-log lines.

The access format is the controller's default `log-format-upstream`::

    $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
    "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name]
    [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length
    $upstream_response_time $upstream_status $req_id

with one entry per upstream try in the `$upstream_*` fields (`, ` between tries) and `-`
for all four when no upstream was tried. Error-log lines are nginx's own, with the
worker's pid#tid and the client connection's number (`*N`), which every try of one
request shares. The controller image runs in UTC, so both times are UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def error_page(status_line: str) -> str:
    """nginx's built-in error page, with `server_tokens off` as ingress-nginx sets it."""
    return (
        f"<html>\r\n<head><title>{status_line}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status_line}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


BAD_GATEWAY_BYTES = len(error_page("502 Bad Gateway"))
SERVICE_UNAVAILABLE_BYTES = len(error_page("503 Service Temporarily Unavailable"))


@dataclass(frozen=True)
class Attempt:
    """One try of one upstream: what `$upstream_*` records for it."""

    address: str
    """`ip:port`."""
    status: int
    response_length: int
    response_time: float


@dataclass(frozen=True)
class Request:
    """What the client sent, as far as the logs show it."""

    client: str
    method: str
    path: str
    host: str
    user_agent: str
    referer: str
    request_length: int
    request_id: str


def time_local(moment: datetime) -> str:
    """`$time_local` in UTC, without the locale-dependent `%b` of strftime."""
    utc = moment.astimezone(UTC)
    return f"{utc.day:02d}/{_MONTHS[utc.month - 1]}/{utc:%Y:%H:%M:%S} +0000"


def access_line(
    request: Request,
    *,
    finished: datetime,
    status: int,
    body_bytes: int,
    request_time: float,
    upstream_name: str,
    attempts: Sequence[Attempt],
) -> str:
    if attempts:
        addresses = ", ".join(a.address for a in attempts)
        lengths = ", ".join(str(a.response_length) for a in attempts)
        times = ", ".join(f"{a.response_time:.3f}" for a in attempts)
        statuses = ", ".join(str(a.status) for a in attempts)
    else:
        addresses = lengths = times = statuses = "-"
    return (
        f"{request.client} - - [{time_local(finished)}] "
        f'"{request.method} {request.path} HTTP/1.1" {status} {body_bytes} '
        f'"{request.referer}" "{request.user_agent}" {request.request_length} '
        f"{request_time:.3f} [{upstream_name}] [] {addresses} {lengths} {times} {statuses} "
        f"{request.request_id}"
    )


def connect_error_line(
    request: Request,
    *,
    at: datetime,
    worker: int,
    connection: int,
    error: str,
    upstream: str,
) -> str:
    """`connect() failed (<errno>: <message>) while connecting to upstream, ...`."""
    utc = at.astimezone(UTC)
    referrer = f', referrer: "{request.referer}"' if request.referer != "-" else ""
    return (
        f"{utc:%Y/%m/%d %H:%M:%S} [error] {worker}#{worker}: *{connection} connect() failed "
        f"({error}) while connecting to upstream, client: {request.client}, "
        f'server: {request.host}, request: "{request.method} {request.path} HTTP/1.1", '
        f'upstream: "http://{upstream}{request.path}", host: "{request.host}"{referrer}'
    )
