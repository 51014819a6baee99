"""Follow log files by name, as `tail -F` does, for node-level or sidecar deployments.

Each path is polled every `poll_interval` seconds (no inotify: it needs no dependency,
works on every filesystem a volume can be, and a second of delay is nothing next to a
scrape interval). What each poll handles:

- a path that does not exist yet is opened when it appears, and read from its start;
- a file that grew is read from where we stopped; an unfinished last line is held until
  its newline arrives;
- rotation: when the path names another file (new inode) or nothing, the old file is read
  to its end first, its unfinished line delivered as it is, then the new file is read
  from its start;
- truncation (`copytruncate`): a file shorter than what we read of it is read again from
  its start. (A file truncated and refilled past our offset between two polls cannot be
  told apart from one that grew; `tail -F` has the same blind spot.)

Files that exist when the tailer starts are read from their end, or from their start with
`from_start`. Disk reads run in a worker thread; lines are fed to the sink on the event
loop. Lines carry no timestamp: the parsers use the line's own time field.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from exporter.ingress.sink import LineSink
from exporter.ingress.sources.lines import DEFAULT_MAX_LINE_BYTES, LineBuffer
from exporter.ingress.sources.stats import SourceStats

log = logging.getLogger(__name__)

DEFAULT_READ_SIZE = 1 << 20
"""Bytes read from one file per poll before the other files get their turn."""


def file_stream_name(path: str) -> str:
    return f"file:{path}"


@dataclass
class _Tail:
    """One followed path and the file currently open under it."""

    path: str
    stats: SourceStats
    buffer: LineBuffer
    file: BinaryIO | None = None
    identity: tuple[int, int] | None = None
    """(st_dev, st_ino) of the open file: a different pair under the path is a rotation."""
    offset: int = 0
    polled: bool = False
    """Whether the path was looked at once: what exists at the first look is old news."""
    warned: bool = False
    lines: list[bytes] = field(default_factory=list)
    """Lines of the last poll, handed from the worker thread to the event loop."""


class FileTailer:
    """Feeds `sink` with the lines appended to `paths`, one stream per path, until cancelled."""

    def __init__(
        self,
        paths: Sequence[str | os.PathLike[str]],
        sink: LineSink,
        *,
        poll_interval: float = 1.0,
        from_start: bool = False,
        read_size: int = DEFAULT_READ_SIZE,
        max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    ) -> None:
        if poll_interval <= 0 or read_size < 1:
            raise ValueError("poll_interval and read_size must be positive")
        self._sink = sink
        self._poll_interval = poll_interval
        self._from_start = from_start
        self._read_size = read_size
        self._tails = [
            _Tail(
                os.fspath(path),
                SourceStats(file_stream_name(os.fspath(path))),
                LineBuffer(max_line_bytes),
            )
            for path in paths
        ]

    @property
    def stats(self) -> dict[str, SourceStats]:
        """Per stream (`file:<path>`)."""
        return {tail.stats.source: tail.stats for tail in self._tails}

    async def run(self) -> None:
        """Poll every path until cancelled; files are closed on the way out."""
        reading: asyncio.Future[bool] | None = None
        try:
            while True:
                more = False
                for tail in self._tails:
                    reading = asyncio.ensure_future(asyncio.to_thread(self._poll, tail))
                    more |= await reading
                    reading = None
                    self._deliver(tail)
                if not more:
                    await asyncio.sleep(self._poll_interval)
        finally:
            if reading is not None:
                # The worker thread still reads; let it finish before closing its file.
                with contextlib.suppress(Exception):
                    await asyncio.wait({reading})
            for tail in self._tails:
                self._close(tail)

    def _deliver(self, tail: _Tail) -> None:
        lines, tail.lines = tail.lines, []
        if not lines:
            return
        stream = tail.stats.source
        feed = self._sink.feed
        for line in lines:
            feed(stream, line)
        tail.stats.lines += len(lines)
        tail.stats.last_line_time = time.time()

    def _poll(self, tail: _Tail) -> bool:
        """Read what is new under one path (worker thread); True if more is waiting."""
        first_look = not tail.polled
        tail.polled = True
        if tail.file is None and not self._open(tail, at_end=first_look and not self._from_start):
            return False
        file = tail.file
        assert file is not None
        if os.fstat(file.fileno()).st_size < tail.offset:
            file.seek(0)
            tail.offset = 0
            tail.buffer.clear()
            tail.stats.truncations += 1
        if self._read(tail, file) == self._read_size:
            return True
        try:
            current = os.stat(tail.path)
        except OSError:
            identity = None
        else:
            identity = (current.st_dev, current.st_ino)
        if identity == tail.identity:
            return False
        # Rotated: whatever the writer added before it reopened is still in the old file.
        while self._read(tail, file) == self._read_size:
            pass
        last = tail.buffer.flush()
        if last is not None:
            tail.lines.append(last)
        tail.stats.rotations += 1
        self._close(tail)
        return identity is not None

    def _read(self, tail: _Tail, file: BinaryIO) -> int:
        data = file.read(self._read_size)
        tail.offset += len(data)
        tail.stats.bytes += len(data)
        tail.lines += tail.buffer.split(data)
        tail.stats.overlong = tail.buffer.overlong
        return len(data)

    def _open(self, tail: _Tail, *, at_end: bool) -> bool:
        try:
            file = open(tail.path, "rb")  # noqa: SIM115 - stays open across polls
        except FileNotFoundError:
            return False
        except OSError as exc:
            if not tail.warned:
                log.warning("cannot open log file", extra={"path": tail.path, "error": str(exc)})
                tail.warned = True
            return False
        tail.warned = False
        status = os.fstat(file.fileno())
        tail.file = file
        tail.identity = (status.st_dev, status.st_ino)
        tail.offset = 0
        tail.buffer.clear()
        if at_end and status.st_size:
            file.seek(status.st_size - 1)
            if file.read(1) != b"\n":
                tail.buffer.skip_to_next_line()
            tail.offset = status.st_size
        tail.stats.streams += 1
        return True

    def _close(self, tail: _Tail) -> None:
        if tail.file is None:
            return
        tail.file.close()
        tail.file = None
        tail.identity = None
        tail.stats.streams -= 1
