"""Cutting chunks into lines: held partial lines, dropped overlong lines."""

from __future__ import annotations

import pytest

from exporter.ingress.sources.lines import LineBuffer

CASES = {
    "one chunk, complete lines": ([b"a\nb\n"], [b"a", b"b"], 0),
    "a line split over chunks": ([b"hel", b"lo\nwor", b"ld\n"], [b"hello", b"world"], 0),
    "an empty line is a line": ([b"a\n\nb\n"], [b"a", b"", b"b"], 0),
    "a newline alone finishes the held line": ([b"abc", b"\n"], [b"abc"], 0),
    "overlong in one chunk": ([b"x" * 9 + b"\nok\n"], [b"ok"], 1),
    "overlong across chunks": ([b"x" * 6, b"x" * 6, b"xx\nok\n"], [b"ok"], 1),
    "exactly the limit fits": ([b"x" * 8 + b"\n"], [b"x" * 8], 0),
}


@pytest.mark.parametrize(("chunks", "lines", "overlong"), CASES.values(), ids=CASES)
def test_split(chunks: list[bytes], lines: list[bytes], overlong: int) -> None:
    buffer = LineBuffer(max_line_bytes=8)
    assert [line for chunk in chunks for line in buffer.split(chunk)] == lines
    assert buffer.overlong == overlong


def test_flush_returns_the_unfinished_line() -> None:
    buffer = LineBuffer()
    assert buffer.split(b"a\nunfinished") == [b"a"]
    assert (buffer.pending, buffer.flush(), buffer.flush()) == (10, b"unfinished", None)


def test_skip_to_next_line_drops_the_rest_of_a_line_read_from_its_middle() -> None:
    buffer = LineBuffer()
    buffer.skip_to_next_line()
    assert buffer.split(b"dle of a line\nwhole\n") == [b"whole"]


def test_clear_forgets_the_unfinished_line() -> None:
    buffer = LineBuffer()
    buffer.split(b"gone after truncation")
    buffer.clear()
    assert buffer.split(b"fresh\n") == [b"fresh"]
