"""nginx JSON access lines, from a `log-format-upstream` template with `escape=json`.

The keys are the operator's (see `json_keys.py`); the values follow nginx's variables:
`$upstream_addr` and friends are the same `, ` / ` : ` lists as in the text format, and an
empty variable is `""` under `escape=json` where the text format writes `-`. Whether a
number was quoted in the template or not, both forms are read.
"""

from __future__ import annotations

from exporter.logs.json_keys import NGINX_JSON_KEYS, JsonKeys
from exporter.logs.json_lines import JsonLineDecoder, as_text
from exporter.logs.records import AccessRecord, UpstreamAttempt
from exporter.logs.stats import SkipReason
from exporter.logs.timestamps import parse_epoch, parse_rfc3339, time_local
from exporter.logs.upstreams import is_list, upstream_attempts
from exporter.logs.values import present, seconds, upstream_status

NAME = "nginx-json"


def parse_time(value: object) -> float | None:
    """`$time_iso8601`, `$time_local` or `$msec`, whichever the template logs."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value) if value > 0 else None
    if not isinstance(value, str):
        return None
    if value[:1] == "[" and value[-1:] == "]":
        value = value[1:-1]
    if len(value) == 26 and value[2:3] == "/":
        return time_local(value)
    return parse_rfc3339(value) or parse_epoch(value)


class NginxJsonFormat:
    """One stream's nginx JSON parser, for one key mapping."""

    name = NAME

    def __init__(self, keys: JsonKeys = NGINX_JSON_KEYS) -> None:
        self._fields = JsonLineDecoder(keys)

    def parse(self, line: str, timestamp: float | None = None) -> AccessRecord | SkipReason:
        """One JSON line → a record, or why not."""
        fields = self._fields
        access = fields.decode_access(line, timestamp, parse_time)
        if isinstance(access, SkipReason):
            return access
        decoded, status, timestamp = access
        addresses = as_text(fields.get(decoded, "upstream_addr")) or "-"
        statuses = as_text(fields.get(decoded, "upstream_status")) or "-"
        times = as_text(fields.get(decoded, "upstream_response_time")) or "-"
        duration_text = as_text(fields.get(decoded, "duration"))
        try:
            duration = seconds(duration_text) if duration_text is not None else None
            if is_list(addresses) or is_list(statuses) or is_list(times):
                upstreams, retries = upstream_attempts(addresses, statuses, times)
            elif addresses == "-" and statuses == "-" and times == "-":
                upstreams, retries = (), 0
            else:
                attempt = UpstreamAttempt(
                    present(addresses), upstream_status(statuses), seconds(times)
                )
                upstreams, retries = (attempt,), 0
        except ValueError:
            return SkipReason.MALFORMED
        method = as_text(fields.get(decoded, "method"))
        if method is None:
            request = as_text(fields.get(decoded, "request"))
            method = (request.split(" ", 1)[0] or None) if request else None
        return AccessRecord(
            timestamp=timestamp,
            status=status,
            upstreams=upstreams,
            upstream_name=as_text(fields.get(decoded, "upstream_name")),
            alternative_upstream_name=as_text(fields.get(decoded, "alternative_upstream_name")),
            request_id=as_text(fields.get(decoded, "request_id")),
            method=method,
            duration=duration,
            retries=retries,
            host=as_text(fields.get(decoded, "host")),
        )
