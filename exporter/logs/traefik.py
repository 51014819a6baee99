"""Traefik access lines: the Common Log Format variant and JSON.

CLF, as `CommonLogFormatter` writes it (pkg/middlewares/accesslog/logger_formatters.go)::

    <client> - <user> [<time>] "<method> <path> <protocol>" <status> <size> "<referer>"
    "<user agent>" <request count> "<router name>" "<service URL>" <duration>ms

Since Traefik 3.0 the status and size columns are the downstream ones; before, they were the
origin's (`OriginStatus`, 0 when Traefik answered itself). The line carries no service name
and no origin status, so CLF records have the router name, the upstream address from the
service URL, and no upstream status.

JSON (logrus/zerolog JSON formatter) has the full field set: `DownstreamStatus`,
`OriginStatus` (0 when Traefik answered itself: no upstream was asked), `ServiceAddr`,
`ServiceName` (`shop-checkout-8080@kubernetes`), `RetryAttempts`, `StartUTC`, `Duration`
and `OriginDuration` in nanoseconds. Traefik 2 logged `ServiceURL` as a URL object, 3 as a
string; `ServiceAddr` is preferred when present.
"""

from __future__ import annotations

import re

from exporter.logs.json_keys import JsonKeys
from exporter.logs.json_lines import JsonLineDecoder, as_int, as_text, rfc3339_value
from exporter.logs.layout import (
    Field,
    Layout,
    escaped_quoted,
    literal,
    quoted,
    status_field,
    time_field,
    token,
)
from exporter.logs.records import AccessRecord, UpstreamAttempt
from exporter.logs.stats import MAX_LINE_LENGTH, SkipReason
from exporter.logs.timestamps import time_local
from exporter.logs.values import ASCII_WHITESPACE, STATUS_CODES, milliseconds, present, url_address

CLF_NAME = "traefik"
JSON_NAME = "traefik-json"

_QUOTED = r'"(?:[^"\\]|\\.)*"'
PATTERN = re.compile(
    r'[^ ]+ - [^ ]+ \[([^\]]{26})\] "([^ "]*)[^"]*" ([^ ]+) [^ ]+ '
    rf"{_QUOTED} {_QUOTED} [^ ]+ "
    r'"((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)" (\d+)ms\Z'
)

LAYOUT = Layout(
    fields=(
        token(),  # client host
        literal(" - "),
        token(),  # client user
        literal(" "),
        time_field(r"[^\]]{26}"),
        literal(" "),
        quoted(),  # "method path protocol"
        literal(" "),
        status_field(r"\d{1,3}"),
        literal(" "),
        token(),  # size
        literal(" "),
        escaped_quoted(),  # referer
        literal(" "),
        escaped_quoted(),  # user agent; Traefik 3's `genericCLF` ends here
        literal(" "),
        token(),  # request count
        literal(" "),
        escaped_quoted(),  # router name
        literal(" "),
        escaped_quoted(),  # service URL
        literal(" "),
        Field(r"\d+ms", r"\d*m?"),
        Field(r"\Z", ""),
    ),
    anchor=4,
    other_format_ends=frozenset({15}),
)


def parse_clf(line: str, timestamp: float | None = None) -> AccessRecord | SkipReason:
    """One CLF line → a record, or why not."""
    if len(line) > MAX_LINE_LENGTH:
        return SkipReason.TOO_LONG
    line = line.strip(ASCII_WHITESPACE)
    match = PATTERN.match(line)
    if match is None:
        return LAYOUT.diagnose(line)
    time_field, method, status_text, router, url, duration_ms = match.groups()
    status = STATUS_CODES.get(status_text)
    if status is None:
        return SkipReason.BAD_STATUS
    if timestamp is None:
        timestamp = time_local(time_field)
        if timestamp is None:
            return SkipReason.BAD_TIMESTAMP
    address = url_address(url) if present(url) else None
    return AccessRecord(
        timestamp=timestamp,
        status=status,
        upstreams=(UpstreamAttempt(address, None, None),) if address else (),
        method=present(method),
        duration=milliseconds(duration_ms),
        router=present(router),
    )


TRAEFIK_JSON_KEYS = JsonKeys(
    status=("DownstreamStatus",),
    time=("StartUTC", "StartLocal", "time"),
    upstream_addr=("ServiceAddr",),
    upstream_status=("OriginStatus",),
    upstream_response_time=("OriginDuration",),
    upstream_name=("ServiceName",),
    upstream_url=("ServiceURL",),
    request_id=("request_X-Request-Id", "request_X-Request-ID", "request_X-Correlation-Id"),
    method=("RequestMethod",),
    host=("RequestHost",),
    duration=("Duration",),
    attempt_count=("RetryAttempts",),
    router=("RouterName",),
)
"""Traefik's own field names (`request_X-Request-Id` only when headers are logged)."""

_NANOSECONDS_PER_SECOND = 1e9


def _service_url_address(value: object) -> str | None:
    if isinstance(value, str):
        return url_address(value)
    if isinstance(value, dict):  # Traefik 2: a serialised url.URL
        host = value.get("Host")
        return host if isinstance(host, str) and host else None
    return None


class TraefikJsonFormat:
    """Traefik JSON access lines; Traefik's keys are fixed, so there is nothing to configure."""

    name = JSON_NAME

    def __init__(self) -> None:
        self._fields = JsonLineDecoder(TRAEFIK_JSON_KEYS)

    def parse(self, line: str, timestamp: float | None = None) -> AccessRecord | SkipReason:
        """One JSON line → a record, or why not."""
        fields = self._fields
        access = fields.decode_access(line, timestamp, rfc3339_value)
        if isinstance(access, SkipReason):
            return access
        decoded, status, timestamp = access
        origin_status = as_int(fields.get(decoded, "upstream_status")) or None
        if origin_status is not None and STATUS_CODES.get(str(origin_status)) is None:
            return SkipReason.MALFORMED
        address = as_text(fields.get(decoded, "upstream_addr")) or _service_url_address(
            fields.get(decoded, "upstream_url")
        )
        origin_duration = as_int(fields.get(decoded, "upstream_response_time"))
        upstreams: tuple[UpstreamAttempt, ...] = ()
        if address is not None or origin_status is not None:
            upstreams = (
                UpstreamAttempt(
                    address,
                    origin_status,
                    origin_duration / _NANOSECONDS_PER_SECOND
                    if origin_duration is not None and origin_status is not None
                    else None,
                ),
            )
        duration = as_int(fields.get(decoded, "duration"))
        return AccessRecord(
            timestamp=timestamp,
            status=status,
            upstreams=upstreams,
            upstream_name=as_text(fields.get(decoded, "upstream_name")),
            request_id=as_text(fields.get(decoded, "request_id")),
            method=as_text(fields.get(decoded, "method")),
            duration=duration / _NANOSECONDS_PER_SECOND if duration is not None else None,
            retries=as_int(fields.get(decoded, "attempt_count")) or 0,
            host=as_text(fields.get(decoded, "host")),
            router=as_text(fields.get(decoded, "router")),
        )
