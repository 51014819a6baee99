"""Which JSON keys hold which field, for access logs whose keys the operator chose.

nginx JSON access logs are hand-written `log-format-upstream` templates, and Envoy JSON logs
are `json_format` dictionaries: every installation names its keys. A `JsonKeys` maps each
field a parser reads to the keys that may hold it, tried in order; the defaults cover the
names nginx variables and Envoy's usual configurations (Istio, Contour, Envoy Gateway,
Emissary) use, so most logs need no configuration at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace


@dataclass(frozen=True, slots=True)
class JsonKeys:
    """Candidate keys per field; the first key present in a line wins."""

    status: tuple[str, ...] = ()
    time: tuple[str, ...] = ()
    upstream_addr: tuple[str, ...] = ()
    upstream_status: tuple[str, ...] = ()
    upstream_response_time: tuple[str, ...] = ()
    upstream_name: tuple[str, ...] = ()
    alternative_upstream_name: tuple[str, ...] = ()
    request_id: tuple[str, ...] = ()
    method: tuple[str, ...] = ()
    request: tuple[str, ...] = ()
    host: tuple[str, ...] = ()
    duration: tuple[str, ...] = ()
    response_flags: tuple[str, ...] = ()
    response_code_details: tuple[str, ...] = ()
    attempt_count: tuple[str, ...] = ()
    router: tuple[str, ...] = ()
    upstream_url: tuple[str, ...] = ()

    def with_overrides(self, overrides: Mapping[str, str | Sequence[str]]) -> JsonKeys:
        """These keys with some fields' candidates replaced, e.g. from the config file.

        Raises ValueError naming the field when a field is unknown or given no key, so a
        typo in the configuration fails at start-up rather than silently matching nothing.
        """
        known = {field.name for field in fields(self)}
        changes: dict[str, tuple[str, ...]] = {}
        for name, keys in overrides.items():
            if name not in known:
                raise ValueError(f"unknown JSON log field {name!r}; known: {sorted(known)}")
            candidates = (keys,) if isinstance(keys, str) else tuple(keys)
            if not candidates or not all(isinstance(key, str) and key for key in candidates):
                raise ValueError(f"JSON log field {name!r} needs one or more non-empty keys")
            changes[name] = candidates
        return replace(self, **changes)

    def all_keys(self) -> frozenset[str]:
        """Every key any field may be read from."""
        return frozenset(key for field in fields(self) for key in getattr(self, field.name))


NGINX_JSON_KEYS = JsonKeys(
    status=("status",),
    time=("time_iso8601", "time_local", "msec", "@timestamp", "timestamp", "time"),
    upstream_addr=("upstream_addr", "upstream"),
    upstream_status=("upstream_status",),
    upstream_response_time=("upstream_response_time",),
    upstream_name=("proxy_upstream_name", "upstream_name"),
    alternative_upstream_name=("proxy_alternative_upstream_name",),
    request_id=("req_id", "request_id"),
    method=("request_method", "method"),
    request=("request",),
    host=("host", "http_host", "vhost", "server_name"),
    duration=("request_time",),
)
"""Keys named after the nginx variables they hold, plus common spellings in the wild."""

ENVOY_JSON_KEYS = JsonKeys(
    status=("response_code",),
    time=("start_time", "@timestamp", "timestamp"),
    upstream_addr=("upstream_host",),
    upstream_name=("upstream_cluster",),
    request_id=("request_id", "x-request-id", "x_request_id"),
    method=("method",),
    host=("authority", ":authority"),
    duration=("duration",),
    upstream_response_time=("upstream_service_time", "x-envoy-upstream-service-time"),
    response_flags=("response_flags",),
    response_code_details=("response_code_details",),
    attempt_count=("upstream_request_attempt_count",),
)
"""Istio's, Contour's and Envoy Gateway's default `json_format` keys (durations in ms)."""
