"""Time fields to epoch seconds: every format's shape, and everything that is not a time."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exporter.logs.timestamps import (
    days_from_civil,
    parse_epoch,
    parse_error_log_time,
    parse_rfc3339,
    parse_time_local,
    time_local,
)

MAY_14 = 1715677951.0  # 2024-05-14T09:12:31Z


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("14/May/2024:09:12:31 +0000", MAY_14, id="utc"),
        pytest.param("14/May/2024:11:12:31 +0200", MAY_14, id="east of utc"),
        pytest.param("14/May/2024:03:42:31 -0530", MAY_14, id="west of utc, half hour"),
        pytest.param("29/Feb/2024:00:00:00 +0000", 1709164800.0, id="leap day"),
        pytest.param("29/Feb/2023:00:00:00 +0000", None, id="no leap day in 2023"),
        pytest.param("31/Apr/2024:00:00:00 +0000", None, id="april has 30 days"),
        pytest.param("14/Mai/2024:09:12:31 +0000", None, id="not an English month"),
        pytest.param("14/May/2024:24:00:00 +0000", None, id="hour 24"),
        pytest.param("14/May/2024:09:12:31 +2400", None, id="offset hour 24"),
        pytest.param("14/May/2024:09:12:31 0000", None, id="offset without sign"),
        pytest.param("14/May/2024:09:12:31+0000", None, id="no space"),
        pytest.param("\uff114/May/2024:09:12:31 +0000", None, id="fullwidth digit"),
        pytest.param("", None, id="empty"),
    ],
)
def test_time_local(text: str, expected: float | None) -> None:
    assert parse_time_local(text) == expected
    assert time_local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2024-05-14T09:12:31Z", MAY_14, id="zulu"),
        pytest.param("2024-05-14t09:12:31z", MAY_14, id="lower case"),
        pytest.param("2024-05-14T09:12:31.123Z", MAY_14 + 0.123, id="milliseconds (Envoy)"),
        pytest.param("2024-05-14T09:12:31.123456789Z", MAY_14 + 0.123456789, id="ns (Go)"),
        pytest.param("2024-05-14T09:12:31.5", MAY_14 + 0.5, id="no zone is UTC"),
        pytest.param("2024-05-14T11:12:31+02:00", MAY_14, id="offset (nginx iso8601)"),
        pytest.param("2024-05-14T03:42:31-0530", MAY_14, id="offset without colon"),
        pytest.param("2024-05-14 09:12:31Z", MAY_14, id="space separator"),
        pytest.param("2024-05-14T09:12:31,5Z", MAY_14 + 0.5, id="comma fraction"),
        pytest.param("2024-05-14T09:12:31.Z", None, id="empty fraction"),
        pytest.param("2024-05-14T09:12:31.1234567890Z", None, id="ten fraction digits"),
        pytest.param("2024-05-14T09:12:31+25:00", None, id="offset out of range"),
        pytest.param("2024-13-14T09:12:31Z", None, id="month 13"),
        pytest.param("2024-05-14", None, id="date only"),
        pytest.param("yesterday", None, id="words"),
    ],
)
def test_rfc3339(text: str, expected: float | None) -> None:
    parsed = parse_rfc3339(text)
    if expected is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2024/05/14 09:12:31", MAY_14, id="nginx error log"),
        pytest.param("2024/02/30 09:12:31", None, id="no 30 February"),
        pytest.param("2024/05/14 09:12", None, id="no seconds"),
    ],
)
def test_error_log_time(text: str, expected: float | None) -> None:
    assert parse_error_log_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1715677951.123", MAY_14 + 0.123, id="msec"),
        pytest.param("1715677951", MAY_14, id="whole seconds"),
        pytest.param("1e9", None, id="exponent"),
        pytest.param("-1715677951", None, id="negative"),
        pytest.param("17156", None, id="too few digits"),
    ],
)
def test_epoch(text: str, expected: float | None) -> None:
    assert parse_epoch(text) == expected


@given(
    st.datetimes(min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31))
)
def test_days_from_civil_agrees_with_the_calendar(moment: datetime.datetime) -> None:
    expected = (moment.date() - datetime.date(1970, 1, 1)).days
    assert days_from_civil(moment.year, moment.month, moment.day) == expected


@given(
    st.datetimes(
        min_value=datetime.datetime(1970, 1, 2),
        max_value=datetime.datetime(9999, 12, 30),
        timezones=st.timezones(),
    ).map(lambda moment: moment.replace(microsecond=0))
)
def test_time_local_agrees_with_datetime(moment: datetime.datetime) -> None:
    offset = moment.utcoffset()
    assert offset is not None
    if offset.seconds % 60 or abs(offset) >= datetime.timedelta(days=1):
        return  # $time_local has whole minutes only
    assert parse_time_local(moment.strftime("%d/%b/%Y:%H:%M:%S %z")) == moment.timestamp()
