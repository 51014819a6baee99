"""Properties over generated and damaged lines: nothing crashes, every line is accounted
for, and the ingress-nginx fast paths agree with its full grammar on every line."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from exporter.logs import AccessRecord, ErrorRecord, SkipReason, StreamParser, nginx
from exporter.logs.caches import clear_caches
from exporter.logs.formats import FORMAT_NAMES

from .cases import CASES, Case
from .strategies import GeneratedLine, mutated, upstreaminfo_lines

ALL_FORMATS = ("auto", *FORMAT_NAMES)
FIXTURE_LINES = [case.line for case in CASES]
RECORD_CASES = [case for case in CASES if isinstance(case.expected, AccessRecord)]


def _parse_everywhere(line: str) -> None:
    """Every format's stream takes the line without raising and accounts for it once."""
    for name in ALL_FORMATS:
        parser = StreamParser(name)
        result = parser.parse(line)
        assert result is None or isinstance(result, AccessRecord | ErrorRecord)
        stats = parser.stats
        assert stats.lines == 1
        assert all(isinstance(reason, SkipReason) for reason in stats.skipped)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
@example("")
@example('"' * 6)
@example("[" * 1000)
@example("{" + '"a":' * 200)
@example("a, " * 300 + " : " * 300)
def test_any_text_is_parsed_or_counted(line: str) -> None:
    _parse_everywhere(line)


@settings(max_examples=200)
@given(st.binary(max_size=400))
def test_any_bytes_are_parsed_or_counted(line: bytes) -> None:
    for name in ALL_FORMATS:
        parser = StreamParser(name)
        parser.parse_bytes(line)
        assert parser.stats.lines == 1


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(st.sampled_from(FIXTURE_LINES)))
def test_damaged_fixture_lines_are_parsed_or_counted(line: str) -> None:
    _parse_everywhere(line)


@pytest.mark.parametrize("case", RECORD_CASES, ids=lambda case: case.id)
def test_every_cut_of_a_line_is_a_skip_or_a_record(case: Case) -> None:
    """A line cut anywhere is never an error. Cut inside a field that cannot end there, it
    is `truncated`; only a cut in the last field can still be a (shorter) record."""
    for length in range(len(case.line)):
        parser = StreamParser(case.format)
        result = parser.parse(case.line[:length])
        if result is None:
            assert set(parser.stats.skipped) <= {
                SkipReason.TRUNCATED,
                SkipReason.NOT_ACCESS_LOG,
                SkipReason.UNKNOWN_FORMAT,
                SkipReason.EMPTY,
            }


@pytest.mark.parametrize(
    "case",
    [case for case in RECORD_CASES if case.format in ("nginx", "nginx-json", "traefik-json")],
    ids=lambda case: case.id,
)
def test_cut_after_the_time_is_truncated(case: Case) -> None:
    """From the time field on, up to the last field, every cut of an nginx line or of a
    JSON line is told apart as `truncated` (or, for nginx, `unknown_format` exactly where
    the `combined` format ends)."""
    start, end = 2, len(case.line) - 1
    if case.format == "nginx":
        start = case.line.rindex("[", 0, case.line.index('"')) + 2
        end = case.line.rstrip().rindex(" ")
    for length in range(start, end):
        parser = StreamParser(case.format)
        assert parser.parse(case.line[:length]) is None
        assert set(parser.stats.skipped) <= {SkipReason.TRUNCATED, SkipReason.UNKNOWN_FORMAT}


@settings(max_examples=300)
@given(upstreaminfo_lines())
def test_generated_lines_give_their_record(generated: GeneratedLine) -> None:
    """Every shape, any upstream list: every field of the record is what went into the line,
    whether the line is met cold or after its second and names were learnt."""
    clear_caches()
    for _ in range(2):
        record = nginx.parse(generated.line)
        assert record == generated.record
    assert nginx.parse_slow(generated.line) == generated.record


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(upstreaminfo_lines().map(lambda generated: generated.line)))
def test_fast_paths_accept_only_what_the_grammar_accepts(line: str) -> None:
    """The fast and token paths never read a damaged line differently from the regex."""
    clear_caches()
    cold = nginx.parse(line)
    warm = nginx.parse(line)
    assert cold == warm == nginx.parse_slow(line)
