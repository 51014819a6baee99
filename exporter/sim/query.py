"""Query-parameter decoding with kube-apiserver's conversions and error messages.

The real server decodes ListOptions with Go conversions: booleans are true unless
"0"/"false", integers go through strconv.ParseInt, and a decode failure is a 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from exporter.sim import status
from exporter.sim.selectors import (
    Selector,
    SelectorError,
    combine,
    parse_field_selector,
    parse_label_selector,
)


def flag(query: Mapping[str, str], name: str) -> bool:
    """Go's Convert_Slice_string_To_bool: absent → false; "0"/"false" → false; else true."""
    if name not in query:
        return False
    return query[name] != "0" and query[name].lower() != "false"


def integer(query: Mapping[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[+-]?\d+", raw):
        raise status.bad_request(f'strconv.ParseInt: parsing "{raw}": invalid syntax')
    return int(raw)


def resource_version(raw: str | None) -> int | None:
    """Parse a resourceVersion parameter; None for unset. Clients must send only what the
    server gave them, so anything but an unsigned integer is rejected."""
    if raw is None or raw == "":
        return None
    if not re.fullmatch(r"\d+", raw):
        raise status.bad_request(
            f'invalid resource version: strconv.ParseUint: parsing "{raw}": invalid syntax'
        )
    return int(raw)


def selector(query: Mapping[str, str]) -> Selector:
    try:
        return combine(
            parse_label_selector(query.get("labelSelector")),
            parse_field_selector(query.get("fieldSelector")),
        )
    except SelectorError as exc:
        raise status.bad_request(str(exc)) from None
