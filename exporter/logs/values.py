"""Converting the small fields every format shares: statuses, durations, addresses.

Proxies log these as short strings drawn from a small set (`200`, `0.012`, `-`), so the
conversions are table or cache lookups; a miss converts once and remembers. Converters
raise ValueError for garbage and the parsers turn that into a counted skip — an exception
costs nothing in Python 3.11 until one is raised, and garbage is rare.
"""

from __future__ import annotations

import re

ABSENT = frozenset(("", "-"))
"""How proxies write a value they do not have: nginx and Envoy `-`, JSON logs often ""."""

ASCII_WHITESPACE = " \t\r\n\f\v"
"""What lines are stripped of: only ASCII, so a stray U+3000 stays part of a field."""

STATUS_CODES: dict[str, int] = {str(code): code for code in range(100, 600)}
STATUS_CODES["0"] = STATUS_CODES["000"] = 0
"""Valid HTTP statuses by their text, plus 0: 'no response was sent'."""

UPSTREAM_STATUSES: dict[str, int | None] = {**STATUS_CODES, "-": None}
"""Upstream status entries by their text; `-` is 'no response'."""

_NUMBER = re.compile(r"\d{1,9}(?:\.\d{1,9})?\Z")
_CACHE_SIZE = 65536
_seconds_cache: dict[str, float | None] = {"-": None}
SECONDS = _seconds_cache
"""Durations in seconds by their text, as `seconds` has met them; hot paths look here first."""
_milliseconds_cache: dict[str, float | None] = {"-": None}


def upstream_status(text: str) -> int | None:
    """An upstream status entry: None for `-` (no response); ValueError for garbage."""
    try:
        return UPSTREAM_STATUSES[text]
    except KeyError:
        raise ValueError(f"not an upstream status: {text!r}") from None


def seconds(text: str) -> float | None:
    """A duration logged in seconds (`0.012`): None for `-`; ValueError for garbage."""
    try:
        return _seconds_cache[text]
    except KeyError:
        pass
    if _NUMBER.match(text) is None:
        raise ValueError(f"not a duration: {text!r}")
    value = float(text)
    if len(_seconds_cache) >= _CACHE_SIZE:
        _seconds_cache.clear()
        _seconds_cache["-"] = None
    _seconds_cache[text] = value
    return value


def milliseconds(text: str) -> float | None:
    """A duration logged in milliseconds (`226`), as seconds: None for `-`."""
    try:
        return _milliseconds_cache[text]
    except KeyError:
        pass
    if _NUMBER.match(text) is None:
        raise ValueError(f"not a duration: {text!r}")
    value = float(text) / 1000.0
    if len(_milliseconds_cache) >= _CACHE_SIZE:
        _milliseconds_cache.clear()
        _milliseconds_cache["-"] = None
    _milliseconds_cache[text] = value
    return value


def present(text: str | None) -> str | None:
    """The value, or None when the proxy logged it as absent."""
    if text is None or text in ABSENT:
        return None
    return text


_URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.-]*://)?([^/?#\s]*)")


def url_address(url: str) -> str | None:
    """The `host:port` of an upstream URL; the path (and whatever it reveals) is dropped.

    `http://10.1.2.3:8080/cart?id=7` → `10.1.2.3:8080`; a bare `10.1.2.3:8080` (stream
    proxies, Envoy's UPSTREAM_HOST) comes back as is; an old Envoy's `tcp://10.1.2.3:80`
    loses its scheme.
    """
    match = _URL.match(url)
    if match is None:
        return None
    return present(match.group(1))


def clear_caches() -> None:
    """Forget converted durations (benchmarks and tests start cold)."""
    for cache in (_seconds_cache, _milliseconds_cache):
        cache.clear()
        cache["-"] = None
