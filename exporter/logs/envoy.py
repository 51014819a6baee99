"""Envoy access lines (Contour, Emissary, Envoy Gateway, Istio gateways): text and JSON.

Envoy's default text format, which Contour and Envoy Gateway keep::

    [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
    %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
    %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
    "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"

Istio's default (1.9+) inserts `%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%
"%UPSTREAM_TRANSPORT_FAILURE_REASON%"` after the flags (1.3 to 1.8: only the quoted reason)
and appends `%UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%
%DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%`; Emissary prefixes
`ACCESS `. One grammar reads all of them; the first token after the upstream host, when
there is one, is the cluster.

Envoy logs no upstream status of its own. The response code is taken as the upstream's when
it came from the upstream: `%RESPONSE_CODE_DETAILS%` says `via_upstream`, or, when details are
not logged, no response flag says Envoy made the response itself (UF, UH, UT, URX, ...).
"""

from __future__ import annotations

import re

from exporter.logs.json_keys import ENVOY_JSON_KEYS, JsonKeys
from exporter.logs.json_lines import JsonLineDecoder, as_int, as_text, rfc3339_value
from exporter.logs.layout import (
    Field,
    Layout,
    literal,
    optional,
    quoted,
    status_field,
    time_field,
    token,
)
from exporter.logs.records import AccessRecord, UpstreamAttempt
from exporter.logs.stats import MAX_LINE_LENGTH, SPECIFICITY, SkipReason
from exporter.logs.timestamps import parse_rfc3339
from exporter.logs.values import ASCII_WHITESPACE, STATUS_CODES, milliseconds, present, url_address

TEXT_NAME = "envoy"
JSON_NAME = "envoy-json"

PATTERN = re.compile(
    r'(?:ACCESS )?\[([^\]]+)\] "([^ "]*)[^"]*" (\d{1,3}) ([^ ]+)'
    r'(?: ([^ "]+) ([^ "]+))?(?: "[^"]*")? (?:\d+|-) (?:\d+|-) (\d+|-) ([^ ]+) '
    r'"[^"]*" "[^"]*" "([^"]*)" "([^"]*)" "([^"]*)"(?: ([^ ]+)(?: .*)?)?\Z'
)


def _layout(details: int) -> Layout:
    """Envoy's default shape (0), Istio 1.3's with a quoted failure reason after the flags
    (1), or Istio 1.9's with the response and termination details before it (3).

    Separate layouts rather than one with optional parts: the walk does not backtrack, and
    optional details would swallow the default shape's byte counts.
    """
    extra = (literal(" "), token('[^ "]'), literal(" "), token('[^ "]'))[: max(0, 2 * details - 2)]
    reason = (literal(" "), quoted()) if details else ()
    return Layout(
        fields=(
            optional("ACCESS "),
            time_field(),
            literal(" "),
            quoted(),  # "method path protocol"
            literal(" "),
            status_field(r"\d{1,3}"),
            literal(" "),
            token(),  # response flags
            *extra,
            *reason,
            literal(" "),
            token(),  # bytes received
            literal(" "),
            token(),  # bytes sent
            literal(" "),
            token(),  # duration
            literal(" "),
            token(),  # upstream service time
            literal(" "),
            quoted(),  # x-forwarded-for
            literal(" "),
            quoted(),  # user agent
            literal(" "),
            quoted(),  # request id
            literal(" "),
            quoted(),  # authority
            literal(" "),
            quoted(),  # upstream host
            optional(" .*"),  # Istio's cluster and addresses
            Field(r"\Z", ""),
        ),
        anchor=1,
    )


LAYOUTS = (_layout(0), _layout(1), _layout(3))

_LONG_FLAGS = {
    "NoHealthyUpstream": "UH",
    "UpstreamConnectionFailure": "UF",
    "UpstreamOverflow": "UO",
    "NoRouteFound": "NR",
    "UpstreamRetryLimitExceeded": "URX",
    "NoClusterFound": "NC",
    "DurationTimeout": "DT",
    "UpstreamRequestTimeout": "UT",
    "LocalReset": "LR",
    "UpstreamRemoteReset": "UR",
    "UpstreamConnectionTermination": "UC",
    "DownstreamConnectionTermination": "DC",
    "UpstreamProtocolError": "UPE",
    "DownstreamProtocolError": "DPE",
    "StreamIdleTimeout": "SI",
    "UpstreamMaxStreamDurationReached": "UMSDR",
    "OverloadManagerTerminated": "OM",
    "DnsResolutionFailed": "DF",
    "DropOverload": "DO",
    "DelayInjected": "DI",
    "FaultInjected": "FI",
    "RateLimited": "RL",
    "UnauthorizedExternalService": "UAEX",
    "RateLimitServiceError": "RLSE",
    "InvalidEnvoyRequestHeaders": "IH",
    "FailedLocalHealthCheck": "LH",
    "NoFilterConfigFound": "NFCF",
}
"""`%RESPONSE_FLAGS_LONG%` names, normalised to the short flags everything else uses."""
_NOT_FROM_UPSTREAM = frozenset(_LONG_FLAGS.values()) - {"DI", "DC"}
"""Flags meaning Envoy, not the upstream, produced the response (a delay or a client
hang-up do not change who answered)."""

_NO_FLAGS: frozenset[str] = frozenset()
_flags_cache: dict[str, frozenset[str]] = {"-": _NO_FLAGS, "": _NO_FLAGS}


def response_flags(text: str) -> frozenset[str]:
    """`UF,URX` (or long names) → {'UF', 'URX'}; `-` → empty. Few distinct values: cached."""
    flags = _flags_cache.get(text)
    if flags is None:
        flags = frozenset(_LONG_FLAGS.get(flag, flag) for flag in text.split(",") if flag)
        if len(_flags_cache) < 1024:
            _flags_cache[text] = flags
    return flags


def _record(
    timestamp: float,
    status: int,
    flags: frozenset[str],
    details: str | None,
    upstream_host: str | None,
    cluster: str | None,
    request_id: str | None,
    authority: str | None,
    method: str | None,
    duration: float | None,
    service_time: float | None,
    attempts: int | None,
) -> AccessRecord:
    address = url_address(upstream_host) if upstream_host else None
    upstreams: tuple[UpstreamAttempt, ...] = ()
    if address is not None:
        if details is not None:
            answered = details == "via_upstream"
        else:
            answered = not (flags & _NOT_FROM_UPSTREAM)
        upstream_status = status if answered and status else None
        upstreams = (UpstreamAttempt(address, upstream_status, service_time),)
    return AccessRecord(
        timestamp=timestamp,
        status=status,
        upstreams=upstreams,
        upstream_name=cluster,
        request_id=request_id,
        method=method,
        duration=duration,
        retries=attempts - 1 if attempts else 0,
        response_flags=flags,
        host=authority,
    )


def parse_text(line: str, timestamp: float | None = None) -> AccessRecord | SkipReason:
    """One text line → a record, or why not."""
    if len(line) > MAX_LINE_LENGTH:
        return SkipReason.TOO_LONG
    line = line.strip(ASCII_WHITESPACE)
    match = PATTERN.match(line)
    if match is None:
        return max((layout.diagnose(line) for layout in LAYOUTS), key=SPECIFICITY.__getitem__)
    (
        start,
        method,
        code,
        flags,
        details,
        _termination,
        duration,
        service_time,
        request_id,
        authority,
        upstream_host,
        cluster,
    ) = match.groups()
    status = STATUS_CODES.get(code)
    if status is None:
        return SkipReason.BAD_STATUS
    if timestamp is None:
        timestamp = parse_rfc3339(start)
        if timestamp is None:
            return SkipReason.BAD_TIMESTAMP
    try:
        duration_seconds = milliseconds(duration)
        service_seconds = milliseconds(service_time)
    except ValueError:
        return SkipReason.MALFORMED
    return _record(
        timestamp,
        status,
        response_flags(flags),
        present(details),
        present(upstream_host),
        present(cluster),
        present(request_id),
        present(authority),
        present(method),
        duration_seconds,
        service_seconds,
        None,
    )


def _seconds_from_milliseconds(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value / 1000.0 if value >= 0 else None
    if isinstance(value, str):
        return milliseconds(value)
    return None


class EnvoyJsonFormat:
    """Envoy JSON access lines, for one key mapping."""

    name = JSON_NAME

    def __init__(self, keys: JsonKeys = ENVOY_JSON_KEYS) -> None:
        self._fields = JsonLineDecoder(keys)

    def parse(self, line: str, timestamp: float | None = None) -> AccessRecord | SkipReason:
        """One JSON line → a record, or why not."""
        fields = self._fields
        access = fields.decode_access(line, timestamp, rfc3339_value)
        if isinstance(access, SkipReason):
            return access
        decoded, status, timestamp = access
        try:
            duration = _seconds_from_milliseconds(fields.get(decoded, "duration"))
            service_time = _seconds_from_milliseconds(fields.get(decoded, "upstream_response_time"))
        except ValueError:
            return SkipReason.MALFORMED
        flags = as_text(fields.get(decoded, "response_flags"))
        return _record(
            timestamp,
            status,
            response_flags(flags) if flags else _NO_FLAGS,
            as_text(fields.get(decoded, "response_code_details")),
            as_text(fields.get(decoded, "upstream_addr")),
            as_text(fields.get(decoded, "upstream_name")),
            as_text(fields.get(decoded, "request_id")),
            as_text(fields.get(decoded, "host")),
            as_text(fields.get(decoded, "method")),
            duration,
            service_time,
            as_int(fields.get(decoded, "attempt_count")),
        )
