"""Resuming a pod log by time without delivering a line twice."""

from __future__ import annotations

import pytest

from exporter.ingress.sources.resume import ResumePoint, split_stamp

T = 1_704_067_205  # 2024-01-01T00:00:05Z

STAMPS = {
    "nine digits": (
        b"2024-01-01T00:00:05.123456789Z GET /",
        (T + 0.123456789, T * 10**9 + 123456789, b"GET /"),
    ),
    "trailing zeros trimmed (RFC3339Nano)": (
        b"2024-01-01T00:00:05.5Z x",
        (T + 0.5, T * 10**9 + 500_000_000, b"x"),
    ),
    "no fraction": (b"2024-01-01T00:00:05Z x", (float(T), T * 10**9, b"x")),
    "zone offset": (
        b"2024-01-01T01:00:05.000000001+01:00 x",
        (T + 1e-9, T * 10**9 + 1, b"x"),
    ),
    "bytes after the stamp stay bytes": (
        b"2024-01-01T00:00:05Z caf\xc3\xa9 \xff",
        (float(T), T * 10**9, b"caf\xc3\xa9 \xff"),
    ),
    "no stamp": (b"192.0.2.1 - - [01/Jan/2024...", (None, None, b"192.0.2.1 - - [01/Jan/2024...")),
    "a stamp that is not a time": (
        b"2024-13-01T00:00:05Z x",
        (None, None, b"2024-13-01T00:00:05Z x"),
    ),
}


@pytest.mark.parametrize(("line", "expected"), STAMPS.values(), ids=STAMPS)
def test_split_stamp(line: bytes, expected: tuple[float | None, int | None, bytes]) -> None:
    assert split_stamp(line) == expected


def deliver(point: ResumePoint, lines: list[tuple[int, bytes]]) -> list[bytes]:
    return [line for at, line in lines if point.admit(at, line)]


def test_nothing_read_yet_means_no_since_time() -> None:
    assert ResumePoint().since_time is None


def test_since_time_is_the_second_of_the_newest_line() -> None:
    point = ResumePoint()
    deliver(point, [(T * 10**9 + 999_999_999, b"a")])
    assert point.since_time == "2024-01-01T00:00:05Z"


def test_a_reconnect_drops_exactly_what_was_delivered_before() -> None:
    second = T * 10**9
    first_connection = [(second + 1, b"a"), (second + 2, b"b"), (second + 2, b"c")]
    again = [*first_connection, (second + 2, b"c"), (second + 2, b"d"), (second + 3, b"e")]
    point = ResumePoint()
    assert deliver(point, first_connection) == [b"a", b"b", b"c"]
    point.reconnected()
    assert deliver(point, again) == [b"c", b"d", b"e"]


def test_identical_lines_at_one_instant_are_kept_as_often_as_they_were_written() -> None:
    at = T * 10**9
    point = ResumePoint()
    assert deliver(point, [(at, b"x"), (at, b"x")]) == [b"x", b"x"]
    point.reconnected()
    assert deliver(point, [(at, b"x"), (at, b"x"), (at, b"x")]) == [b"x"]


def test_lines_after_a_newer_instant_forget_the_older_instants_lines() -> None:
    at = T * 10**9
    point = ResumePoint()
    deliver(point, [(at, b"x")])
    point.reconnected()
    assert deliver(point, [(at, b"x"), (at + 5, b"y"), (at + 5, b"x")]) == [b"y", b"x"]
