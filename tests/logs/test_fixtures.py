"""Every fixture line parses to exactly what its expectation file says, or is skipped for
exactly the reason it gives; whole fixture files read the same when the format is detected.
"""

from __future__ import annotations

import msgspec
import pytest

from exporter.logs import AccessRecord, ErrorRecord, SkipReason, StreamParser

from .cases import CASES, FIXTURES, FORMAT_OF, Case, json_keys_for, read_lines


def _same(parsed: AccessRecord | ErrorRecord | None, expected: AccessRecord | ErrorRecord) -> None:
    """Field by field; times to a microsecond (a YAML time and a parsed one may differ in
    the last bit), everything else exactly."""
    assert type(parsed) is type(expected)
    assert parsed is not None
    assert parsed.timestamp == pytest.approx(expected.timestamp, abs=1e-6)
    assert msgspec.structs.replace(parsed, timestamp=expected.timestamp) == expected


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_line_parses_as_expected(case: Case) -> None:
    parser = StreamParser(case.format, nginx_json_keys=json_keys_for(case.stem))
    parsed = parser.parse(case.line)
    stats = parser.stats
    if isinstance(case.expected, SkipReason):
        assert parsed is None
        assert dict(stats.skipped) == {case.expected: 1}
        assert stats.records == stats.errors == 0
    else:
        _same(parsed, case.expected)
        assert not stats.skipped


@pytest.mark.parametrize("stem", list(FORMAT_OF))
def test_detected_format_reads_the_file_the_same(stem: str) -> None:
    """Detection loses nothing: the records of a whole file, in order, are the same as with
    the format named; the stream settles on that format once it has seen enough lines."""
    lines = read_lines(FIXTURES / f"{stem}.log")
    keys = json_keys_for(stem)
    named = StreamParser(FORMAT_OF[stem], nginx_json_keys=keys)
    auto = StreamParser(nginx_json_keys=keys)
    expected = [record for line in lines if (record := named.parse(line)) is not None]
    detected = [record for line in lines if (record := auto.parse(line)) is not None]
    assert detected == expected
    enough = len([line for line in lines if line.strip()]) >= 5
    if enough and any(isinstance(record, AccessRecord) for record in expected):
        assert auto.format == FORMAT_OF[stem]
    assert auto.stats.lines == len(lines)


def test_bytes_lines_parse_like_str_lines() -> None:
    """`parse_bytes` decodes; a line that is not UTF-8 still parses, invalid bytes replaced."""
    case = next(case for case in CASES if isinstance(case.expected, AccessRecord))
    assert isinstance(case.expected, AccessRecord)
    parser = StreamParser(case.format)
    _same(parser.parse_bytes(case.line.encode()), case.expected)
    latin1 = case.line.replace("Mozilla/5.0", "Mozilla/5.0 \xe9").encode("latin-1")
    _same(parser.parse_bytes(latin1), case.expected)
