"""Parsing ingress access and error logs into typed records (pure code, no I/O).

The attribution layer needs, per request: when, which status the client saw, which upstream
addresses were tried, and which upstream the proxy routed to. This package turns one log
line of ingress-nginx, Traefik or Envoy — text or JSON — into an `AccessRecord` with exactly
that, an ingress-nginx error-log line into an `ErrorRecord` saying why an upstream failed,
and anything else into a counted skip. Paths, query strings and client addresses are read
past and never kept. See docs/log-formats.md.

Public surface::

    StreamParser(format="auto", *, stats=None, nginx_json_keys=..., envoy_json_keys=...,
                 timestamp_prefix=False, detect_lines=5, redetect_after=20)
        .parse(line: str, timestamp=None)         → AccessRecord | ErrorRecord | None
        .parse_bytes(line: bytes, timestamp=None) → the same, decoding UTF-8 leniently
        .stats → ParseStats     records, errors, skipped[SkipReason], detections, format
        .format → str | None    the format in use, None while detecting
    AccessRecord, UpstreamAttempt, ErrorRecord, ErrorCause, ErrorPhase, SkipReason
    JsonKeys, NGINX_JSON_KEYS, ENVOY_JSON_KEYS   key mappings for JSON access logs
    FORMAT_NAMES, AUTO                           valid `format` values
    split_timestamp_prefix(line)                 the Kubernetes `timestamps=true` prefix
"""

from exporter.logs.formats import FORMAT_NAMES
from exporter.logs.json_keys import ENVOY_JSON_KEYS, NGINX_JSON_KEYS, JsonKeys
from exporter.logs.records import (
    AccessRecord,
    ErrorCause,
    ErrorPhase,
    ErrorRecord,
    UpstreamAttempt,
)
from exporter.logs.stats import ParseStats, SkipReason
from exporter.logs.stream import AUTO, StreamParser
from exporter.logs.timestamps import split_timestamp_prefix

__all__ = [
    "AUTO",
    "ENVOY_JSON_KEYS",
    "FORMAT_NAMES",
    "NGINX_JSON_KEYS",
    "AccessRecord",
    "ErrorCause",
    "ErrorPhase",
    "ErrorRecord",
    "JsonKeys",
    "ParseStats",
    "SkipReason",
    "StreamParser",
    "UpstreamAttempt",
    "split_timestamp_prefix",
]
