"""ingress-nginx error-log lines about upstream failures.

The controller's stderr interleaves these with its access lines (stdout) in one pod log::

    2023/03/08 16:02:40 [error] 31#31: *569 connect() failed (111: Connection refused) while
    connecting to upstream, client: 192.0.2.10, server: shop.example.com, request: "GET /cart
    HTTP/1.1", upstream: "http://10.244.1.7:8080/cart", host: "shop.example.com"

They say what the access line cannot: *why* the 502 happened. The cause comes from the errno
when there is one, because the message text depends on the C library — the controller image
is Alpine (musl: `Operation timed out`, `Host is unreachable`), a plain nginx is glibc
(`Connection timed out`, `No route to host`). Lines about anything else are not records.
"""

from __future__ import annotations

import re

from exporter.logs.records import ErrorCause, ErrorPhase, ErrorRecord
from exporter.logs.stats import SkipReason
from exporter.logs.timestamps import parse_error_log_time
from exporter.logs.values import url_address

_LINE = re.compile(
    r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d) \[([a-z]+)\] \d+#\d+: (?:\*(\d+) )?(.*)\Z", re.DOTALL
)
_ERRNO = re.compile(r"\((\d+): [^)]*\)")
_UPSTREAM = re.compile(r', upstream: "([^"]*)"')
_REQUEST = re.compile(r', request: "([^" ]*)')
_HOST = re.compile(r', host: "([^"]*)"')
_REQUEST_ID = re.compile(r', (?:request_id|req_id): "?([0-9A-Za-z-]+)')

_ERRNO_CAUSES = {
    "111": ErrorCause.REFUSED,  # ECONNREFUSED
    "113": ErrorCause.NO_ROUTE,  # EHOSTUNREACH
    "112": ErrorCause.NO_ROUTE,  # EHOSTDOWN
    "101": ErrorCause.NO_ROUTE,  # ENETUNREACH
    "110": ErrorCause.TIMEOUT,  # ETIMEDOUT
    "104": ErrorCause.RESET,  # ECONNRESET
    "32": ErrorCause.RESET,  # EPIPE: the upstream closed while nginx was still writing
}
_PHASES = (
    ("while connecting to upstream", ErrorPhase.CONNECT),
    ("while SSL handshaking to upstream", ErrorPhase.CONNECT),
    ("while sending request to upstream", ErrorPhase.SEND),
    ("while reading response header from upstream", ErrorPhase.READ_HEADER),
    ("while reading upstream", ErrorPhase.READ_BODY),
)
_UPSTREAM_GROUP_PLACEHOLDERS = frozenset(("upstream_balancer",))
"""ingress-nginx's Lua-balanced upstream block: a name that says nothing about the backend."""


def _cause(message: str) -> ErrorCause | None:
    if "no live upstreams" in message:
        return ErrorCause.NO_LIVE_UPSTREAMS
    if "upstream prematurely closed connection" in message:
        return ErrorCause.PREMATURE_CLOSE
    errno = _ERRNO.search(message)
    if errno is not None:
        return _ERRNO_CAUSES.get(errno.group(1))
    if "upstream timed out" in message:
        return ErrorCause.TIMEOUT
    return None


def _is_address(netloc: str) -> bool:
    """An IP peer (`10.1.2.3:8080`, `[fd00::1]:8080`) rather than an upstream block name."""
    return netloc[:1] == "[" or netloc[:1].isdigit()


def looks_like_error_log(line: str) -> bool:
    """Cheap pre-check: the `YYYY/MM/DD ` start every nginx error-log line has."""
    return len(line) > 20 and line[4] == "/" and line[7] == "/" and line[10] == " "


def parse(line: str, timestamp: float | None = None) -> ErrorRecord | SkipReason:
    """An upstream-failure record, or `not_access_log` for every other error-log line."""
    match = _LINE.match(line)
    if match is None:
        return SkipReason.NOT_ACCESS_LOG
    time_text, _level, connection, message = match.groups()
    cause = _cause(message)
    if cause is None:
        return SkipReason.NOT_ACCESS_LOG
    if timestamp is None:
        timestamp = parse_error_log_time(time_text)
        if timestamp is None:
            return SkipReason.BAD_TIMESTAMP
    phase = next((phase for text, phase in _PHASES if text in message), None)
    address = name = None
    upstream = _UPSTREAM.search(message)
    if upstream is not None:
        netloc = url_address(upstream.group(1))
        if netloc is not None and _is_address(netloc):
            address = netloc
        elif netloc is not None and netloc not in _UPSTREAM_GROUP_PLACEHOLDERS:
            name = netloc
    request = _REQUEST.search(message)
    host = _HOST.search(message)
    request_id = _REQUEST_ID.search(message)
    return ErrorRecord(
        timestamp,
        cause,
        address,
        name,
        phase,
        request_id.group(1) if request_id else None,
        (request.group(1) or None) if request else None,
        (host.group(1) or None) if host else None,
        int(connection) if connection else None,
    )
