"""Replay a saved log (a file, or stdin as `-`) once, for incident review and for tests.

`rollout-exporter replay FILE` feeds every line of a log captured during an incident
through the same parsers and attribution as a live source, then stops. The file is read
in chunks in a worker thread, so a large capture neither blocks the event loop nor sits
in memory; the last line counts even without a final newline (a capture is complete).
Lines carry no timestamp: a `kubectl logs --timestamps` capture keeps its prefix, which
the parser strips when told to (`StreamParser(timestamp_prefix=True)`).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from typing import BinaryIO

from exporter.ingress.sink import LineSink
from exporter.ingress.sources.lines import DEFAULT_MAX_LINE_BYTES, LineBuffer
from exporter.ingress.sources.stats import SourceStats

STDIN = "-"
CHUNK_SIZE = 1 << 20


def replay_stream_name(path: str | os.PathLike[str]) -> str:
    """`replay:stdin` for `-`, else `replay:<path>`."""
    text = os.fspath(path)
    return "replay:stdin" if text == STDIN else f"replay:{text}"


async def replay(
    path: str | os.PathLike[str],
    sink: LineSink,
    stream_name: str | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> SourceStats:
    """Feed every line of `path` to `sink` as `stream_name`, close the stream, return counts.

    The stream is closed at the end because it ended for good: whatever the sink holds
    per stream (its detected format, error lines waiting for their access line) is done.
    """
    stream = stream_name or replay_stream_name(path)
    stats = SourceStats(stream)
    buffer = LineBuffer(max_line_bytes)
    source = os.fspath(path)
    file: BinaryIO = (
        sys.stdin.buffer if source == STDIN else await asyncio.to_thread(open, source, "rb")
    )
    stats.streams = 1
    try:
        while chunk := await asyncio.to_thread(file.read, chunk_size):
            stats.bytes += len(chunk)
            _feed(sink, stream, buffer.split(chunk), stats)
        last = buffer.flush()
        _feed(sink, stream, [last] if last is not None else [], stats)
    finally:
        stats.streams = 0
        stats.overlong = buffer.overlong
        if file is not sys.stdin.buffer:
            file.close()
    sink.close_stream(stream)
    return stats


def _feed(sink: LineSink, stream: str, lines: list[bytes], stats: SourceStats) -> None:
    for line in lines:
        sink.feed(stream, line)
    if lines:
        stats.lines += len(lines)
        stats.last_line_time = time.time()
