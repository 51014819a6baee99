"""Replaying a saved log once: every line, in order, then the stream is closed."""

from __future__ import annotations

import asyncio
import io
import sys
from pathlib import Path

import pytest

from exporter.ingress.sources import replay, replay_stream_name

from .sinks import RecordingSink


async def test_every_line_is_fed_once_then_the_stream_is_closed(tmp_path: Path) -> None:
    capture = tmp_path / "incident.log"
    capture.write_bytes(b"one\ntwo\n\nfour without a newline")
    sink = RecordingSink()
    async with asyncio.timeout(5):
        stats = await replay(capture, sink, "incident", chunk_size=3)
    assert sink.lines("incident") == ["one", "two", "", "four without a newline"]
    assert all(fed.timestamp is None for fed in sink.fed)
    assert sink.closed == ["incident"]
    assert (stats.lines, stats.bytes, stats.streams) == (4, capture.stat().st_size, 0)


async def test_the_default_stream_name_says_what_was_replayed(tmp_path: Path) -> None:
    capture = tmp_path / "incident.log"
    capture.write_bytes(b"line\n")
    sink = RecordingSink()
    async with asyncio.timeout(5):
        await replay(str(capture), sink)
    assert [fed.stream for fed in sink.fed] == [f"replay:{capture}"]


async def test_dash_replays_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"from a pipe\nsecond\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    sink = RecordingSink()
    async with asyncio.timeout(5):
        stats = await replay("-", sink)
    assert sink.lines(replay_stream_name("-")) == ["from a pipe", "second"]
    assert (replay_stream_name("-"), stats.lines) == ("replay:stdin", 2)


async def test_an_overlong_line_is_counted_not_fed(tmp_path: Path) -> None:
    capture = tmp_path / "binary.log"
    capture.write_bytes(b"ok\n" + b"\0" * 500 + b"\nok again")
    sink = RecordingSink()
    async with asyncio.timeout(5):
        stats = await replay(capture, sink, max_line_bytes=100, chunk_size=64)
    assert sink.lines() == ["ok", "ok again"]
    assert stats.overlong == 1


async def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await replay(tmp_path / "nope.log", RecordingSink())
