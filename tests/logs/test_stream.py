"""A stream parser: detection, re-detection, error-log lines, counters, external times."""

from __future__ import annotations

import json

import pytest

from exporter.logs import (
    AccessRecord,
    ErrorRecord,
    ParseStats,
    SkipReason,
    StreamParser,
    split_timestamp_prefix,
)
from exporter.logs.stats import MAX_LINE_LENGTH

from .cases import FIXTURES, read_lines

NGINX = [
    line
    for line in read_lines(FIXTURES / "nginx_upstreaminfo.log")
    if not line.startswith("192.0.2.20")  # the TLS garbage line: a record, but an odd one
]
NGINX_ERRORS = read_lines(FIXTURES / "nginx_error.log")
ENVOY_JSON = [
    line
    for line in read_lines(FIXTURES / "envoy_json.log") * 3
    if "response_code" in line and line.endswith("}")
]
KLOG = 'I0514 09:12:31.698606       7 controller.go:210] "Backend successfully reloaded"'
BANNER = ["-" * 79, "NGINX Ingress controller", "  Release:       v1.10.1", "-" * 79]


def _records(parser: StreamParser, lines: list[str]) -> list[AccessRecord | ErrorRecord]:
    return [record for line in lines if (record := parser.parse(line)) is not None]


def test_detects_the_format_behind_a_controllers_start_up_lines() -> None:
    parser = StreamParser()
    records = _records(parser, [*BANNER, KLOG, KLOG, *NGINX])
    assert parser.format == "nginx"
    assert len(records) == len(NGINX)
    stats = parser.stats
    assert stats.skipped == {SkipReason.NOT_ACCESS_LOG: len(BANNER) + 2}
    assert stats.detections == 1


def test_nothing_is_lost_before_the_format_is_settled() -> None:
    parser = StreamParser(detect_lines=5)
    first = _records(parser, NGINX[:3])
    assert parser.format is None
    assert len(first) == 3
    _records(parser, NGINX[3:5])
    assert parser.format == "nginx"


def test_settles_on_a_format_once_enough_lines_went_by() -> None:
    """One accepted line among `detect_lines` examined is enough to decide."""
    parser = StreamParser(detect_lines=3)
    _records(parser, [NGINX[0], "garbage", "more garbage"])
    assert parser.format == "nginx"


def test_error_log_lines_are_records_in_any_stream() -> None:
    parser = StreamParser("envoy-json")
    error = parser.parse(NGINX_ERRORS[0])
    assert isinstance(error, ErrorRecord)
    assert parser.stats.errors == 1


def test_a_changed_format_is_detected_again_after_a_run_of_failures() -> None:
    parser = StreamParser(redetect_after=4)
    _records(parser, NGINX)
    assert parser.format == "nginx"
    records = _records(parser, ENVOY_JSON)
    assert parser.format == "envoy-json"
    stats = parser.stats
    assert stats.detections == 2
    assert stats.skipped[SkipReason.NOT_ACCESS_LOG] == 4  # the run that triggered it
    assert len(records) == len(ENVOY_JSON) - 4


def test_the_proxys_own_lines_do_not_start_a_redetection() -> None:
    parser = StreamParser(redetect_after=4)
    _records(parser, [*NGINX, *[KLOG] * 50, *NGINX_ERRORS, *NGINX])
    assert parser.format == "nginx"
    assert parser.stats.detections == 1


def test_a_named_format_is_never_redetected() -> None:
    parser = StreamParser("nginx", redetect_after=2)
    assert _records(parser, ENVOY_JSON) == []
    assert parser.format == "nginx"
    assert parser.stats.detections == 0


def test_a_reference_to_parse_kept_from_before_still_parses() -> None:
    """`parse` is rebound when the format is settled or changes; an old reference keeps
    working, through one more call."""
    parser = StreamParser(redetect_after=4)
    detecting = parser.parse
    assert _records_with(detecting, NGINX) == _records(StreamParser("nginx"), NGINX)
    assert parser.format == "nginx"
    nginx_entry = parser.parse
    assert parser.parse is not detecting
    records = _records_with(nginx_entry, ENVOY_JSON)
    assert parser.format == "envoy-json"
    assert len(records) == len(ENVOY_JSON) - 4


def _records_with(parse: object, lines: list[str]) -> list[AccessRecord | ErrorRecord]:
    assert callable(parse)
    return [record for line in lines if (record := parse(line)) is not None]


def test_an_external_timestamp_replaces_the_lines_own_time() -> None:
    parser = StreamParser("nginx")
    record = parser.parse(NGINX[0], 1715677951.5)
    assert isinstance(record, AccessRecord)
    assert record.timestamp == 1715677951.5
    wrong_month = NGINX[0].replace("/May/", "/Mai/")
    assert parser.parse(wrong_month) is None
    record = parser.parse(wrong_month, 1715677951.5)
    assert isinstance(record, AccessRecord)
    assert record.timestamp == 1715677951.5


def test_the_kubernetes_timestamp_prefix_is_split_off_and_used() -> None:
    parser = StreamParser(timestamp_prefix=True)
    prefix = "2024-05-14T09:12:31.987654321Z "
    records = _records(parser, [prefix + line for line in [*NGINX, NGINX_ERRORS[0]]])
    assert len(records) == len(NGINX) + 1
    assert all(record.timestamp == pytest.approx(1715677951.987654321) for record in records)


def test_a_line_without_the_expected_prefix_keeps_its_own_time() -> None:
    parser = StreamParser("nginx", timestamp_prefix=True)
    record = parser.parse(NGINX[0])
    assert isinstance(record, AccessRecord)
    assert record.timestamp == 1715677951.0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("2024-05-14T09:12:31.5Z hello", (1715677951.5, "hello"), id="fraction"),
        pytest.param("2024-05-14T09:12:31Z x y", (1715677951.0, "x y"), id="rest kept whole"),
        pytest.param("hello world", (None, "hello world"), id="no prefix"),
        pytest.param("2024-05-14T25:12:31Z x", (None, "2024-05-14T25:12:31Z x"), id="bad hour"),
    ],
)
def test_split_timestamp_prefix(line: str, expected: tuple[float | None, str]) -> None:
    assert split_timestamp_prefix(line) == expected


def test_every_line_is_counted_once_and_the_counts_are_exact_for_a_shared_holder() -> None:
    """Records are counted in batches on the hot path; reading `records` adds what is held."""
    shared = ParseStats()
    parser = StreamParser("nginx", stats=shared)
    lines = [*NGINX * 100, "", "   ", KLOG, NGINX_ERRORS[0], "x" * (MAX_LINE_LENGTH + 1)]
    _records(parser, lines[:7])
    assert shared.records == 7
    _records(parser, lines[7:])
    stats = shared
    assert parser.stats is shared
    assert stats.records == len(NGINX) * 100
    assert stats.errors == 1
    assert stats.skipped == {
        SkipReason.EMPTY: 2,
        SkipReason.NOT_ACCESS_LOG: 1,
        SkipReason.TOO_LONG: 1,
    }
    assert stats.lines == len(lines)


@pytest.mark.parametrize("format", ["auto", "nginx", "traefik", "envoy", "nginx-json"])
def test_a_line_over_the_limit_is_skipped_unread(format: str) -> None:
    parser = StreamParser(format)
    assert parser.parse(NGINX[0] + " " + "x" * MAX_LINE_LENGTH) is None
    assert parser.parse(json.dumps({"status": 200, "pad": "x" * MAX_LINE_LENGTH})) is None
    assert parser.stats.skipped == {SkipReason.TOO_LONG: 2}


def test_an_unknown_format_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log format 'apache'"):
        StreamParser("apache")
