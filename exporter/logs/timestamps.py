"""Turning the time fields of log lines into epoch seconds, cheaply.

`datetime.strptime` costs microseconds per call, more than the rest of a parse, so the
formats are parsed by hand. Lines of one stream arrive in time order and most share their
second with the previous line, so second-resolution fields are looked up in a small cache
first; on a busy proxy that turns the conversion into one dict lookup per line.

Every function returns None for anything that is not a valid time rather than raising:
a garbled time field is counted as `bad_timestamp`, it never stops a stream.
"""

from __future__ import annotations

import re

CACHE_SIZE = 4096
"""Entries per cache before it is cleared: a few minutes of distinct seconds."""

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _valid_date(year: int, month: int, day: int) -> bool:
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _DAYS_IN_MONTH[month] + leap


def _epoch(year: int, month: int, day: int, hour: int, minute: int, second: int) -> float | None:
    if not _valid_date(year, month, day) or hour > 23 or minute > 59 or second > 60:
        return None
    return float(days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second)


def _digits(text: str) -> int | None:
    """int() of ASCII digits only: int() also takes '+1', ' 1', '1_0' and other scripts' digits."""
    if not text.isascii() or not text.isdigit():
        return None
    return int(text)


def parse_time_local(text: str) -> float | None:
    """nginx `$time_local` and Traefik CLF time: `08/Mar/2023:16:02:45 +0000`."""
    if len(text) != 26 or text[2] != "/" or text[6] != "/" or text[11] != ":":
        return None
    if text[14] != ":" or text[17] != ":" or text[20] != " " or text[21] not in "+-":
        return None
    month = _MONTHS.get(text[3:6])
    day = _digits(text[0:2])
    year = _digits(text[7:11])
    hour = _digits(text[12:14])
    minute = _digits(text[15:17])
    second = _digits(text[18:20])
    offset_hours = _digits(text[22:24])
    offset_minutes = _digits(text[24:26])
    if (
        month is None
        or day is None
        or year is None
        or hour is None
        or minute is None
        or second is None
        or offset_hours is None
        or offset_minutes is None
        or offset_hours > 23
        or offset_minutes > 59
    ):
        return None
    local = _epoch(year, month, day, hour, minute, second)
    if local is None:
        return None
    offset = offset_hours * 3600 + offset_minutes * 60
    return local - offset if text[21] == "+" else local + offset


_local_cache: dict[str, float] = {}


def time_local(text: str) -> float | None:
    """`parse_time_local` behind a cache keyed by the field's text."""
    cached = _local_cache.get(text)
    if cached is not None:
        return cached
    parsed = parse_time_local(text)
    if parsed is not None:
        if len(_local_cache) >= CACHE_SIZE:
            _local_cache.clear()
        _local_cache[text] = parsed
    return parsed


_RFC3339_BASE = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)\Z")
_RFC3339_REST = re.compile(r"(?:[.,](\d{1,9}))?(?:([Zz])|([+-])(\d\d):?(\d\d))?\Z")
_base_cache: dict[str, float] = {}


def parse_rfc3339(text: str) -> float | None:
    """RFC 3339 / ISO 8601 with optional fraction (up to ns) and zone; no zone means UTC.

    Covers Envoy `%START_TIME%` (`2023-03-08T16:02:45.123Z`), Go's RFC3339Nano (Traefik
    `StartUTC`, the Kubernetes `timestamps=true` prefix) and nginx `$time_iso8601`
    (`2023-03-08T16:02:45+00:00`). The seconds part is cached; the fraction varies per line.
    """
    base_text = text[:19]
    base = _base_cache.get(base_text)
    if base is None:
        match = _RFC3339_BASE.match(base_text)
        if match is None:
            return None
        year, month, day, hour, minute, second = (int(group) for group in match.groups())
        parsed = _epoch(year, month, day, hour, minute, second)
        if parsed is None:
            return None
        if len(_base_cache) >= CACHE_SIZE:
            _base_cache.clear()
        _base_cache[base_text] = base = parsed
    rest = text[19:]
    if not rest or rest == "Z":
        return base
    match = _RFC3339_REST.match(rest)
    if match is None:
        return None
    fraction, _zulu, sign, offset_hours, offset_minutes = match.groups()
    value = base
    if fraction:
        value += int(fraction) / 10 ** len(fraction)
    if sign:
        hours, minutes = int(offset_hours), int(offset_minutes)
        if hours > 23 or minutes > 59:
            return None
        offset = hours * 3600 + minutes * 60
        value = value - offset if sign == "+" else value + offset
    return value


def clear_caches() -> None:
    """Forget converted times (benchmarks and tests start cold)."""
    _local_cache.clear()
    _base_cache.clear()


_ERROR_LOG_TIME = re.compile(r"(\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)\Z")


def parse_error_log_time(text: str) -> float | None:
    """nginx error-log time, `2023/03/08 16:02:40`, which carries no zone.

    Taken as UTC: the ingress-nginx image runs with UTC. When the line comes from the
    Kubernetes log stream the external timestamp is used instead and this is not called.
    """
    match = _ERROR_LOG_TIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(group) for group in match.groups())
    return _epoch(year, month, day, hour, minute, second)


_EPOCH = re.compile(r"\d{9,11}(?:\.\d{1,9})?\Z")


def parse_epoch(text: str) -> float | None:
    """nginx `$msec` (`1678291365.123`): epoch seconds, from 1973 to 5138."""
    if _EPOCH.match(text) is None:
        return None
    return float(text)


def split_timestamp_prefix(line: str) -> tuple[float | None, str]:
    """Split the `timestamps=true` prefix the Kubernetes log endpoint puts on each line.

    `2023-03-08T16:02:45.123456789Z <line>` → (epoch, line). A line without a valid prefix
    comes back unchanged with None, so a caller can fall back to the line's own time.
    """
    space = line.find(" ")
    if space < 19:
        return None, line
    timestamp = parse_rfc3339(line[:space])
    if timestamp is None:
        return None, line
    return timestamp, line[space + 1 :]
