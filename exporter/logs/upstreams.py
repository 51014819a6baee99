"""ingress-nginx upstream lists: `$upstream_addr`, `$upstream_status`, `$upstream_response_time`.

nginx writes one entry per upstream try: `, ` between the tries of one upstream group
(`proxy_next_upstream` retries) and ` : ` between groups, when an internal redirect sent the
request to another upstream (`custom-http-errors` handing a 503 to the default backend, an
error page location). All `$upstream_*` variables come from the same per-request state
array, so their entries line up and are zipped in order; lists of different lengths were
cut or edited, and are rejected.

Only multi-entry lists come here; the parsers handle the common single-entry case inline.
"""

from __future__ import annotations

from exporter.logs.records import UpstreamAttempt
from exporter.logs.values import present, seconds, upstream_status

_NOTHING = UpstreamAttempt(None, None, None)
"""An entry logged as `-` in every list: no upstream was contacted for it."""


def _entries(field: str) -> list[str]:
    return field.replace(" : ", ", ").split(", ")


def is_list(field: str) -> bool:
    """Whether a logged `$upstream_*` value holds more than one entry."""
    return "," in field or " : " in field


def upstream_attempts(
    addresses: str, statuses: str, times: str
) -> tuple[tuple[UpstreamAttempt, ...], int]:
    """The attempts in order, and how many were retries within a group.

    A redirect to another group is not a retry: the second group was asked on purpose.
    Raises ValueError when a status or time entry is not one, or the lists differ in length.
    """
    groups = addresses.split(" : ")
    retries = sum(group.count(", ") for group in groups)
    attempts = []
    for address, status, time in zip(
        _entries(addresses), _entries(statuses), _entries(times), strict=True
    ):
        attempt = UpstreamAttempt(present(address), upstream_status(status), seconds(time))
        if attempt != _NOTHING:
            attempts.append(attempt)
    return tuple(attempts), retries
