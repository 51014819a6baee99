"""Cutting a byte stream read in arbitrary chunks into complete lines.

Files are read in chunks that end wherever the read ended, often in the middle of a line
the writer has not finished; that part is held until its newline arrives. A line longer
than the limit (a binary file, a log without newlines) is dropped and counted instead of
growing the buffer without bound.
"""

from __future__ import annotations

DEFAULT_MAX_LINE_BYTES = 1 << 20
"""1 MiB: far beyond any access line, small enough to bound a runaway file's memory."""


class LineBuffer:
    """Complete lines out of chunks in; the unfinished tail is kept for the next chunk."""

    def __init__(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> None:
        if max_line_bytes < 1:
            raise ValueError("max_line_bytes must be positive")
        self._max = max_line_bytes
        self._partial = bytearray()
        self._discarding = False
        """Inside an overlong line: drop everything up to its newline."""
        self.overlong = 0
        """Lines dropped for exceeding the limit, so far."""

    @property
    def pending(self) -> int:
        """Bytes of the unfinished line held back."""
        return len(self._partial)

    def split(self, chunk: bytes) -> list[bytes]:
        """The lines `chunk` completes, without their newlines, in order."""
        lines: list[bytes] = []
        start = 0
        newline = chunk.find(b"\n")
        while newline != -1:
            piece = chunk[start:newline]
            if self._discarding:
                self._discarding = False
            elif self._partial:
                self._partial += piece
                self._emit(bytes(self._partial), lines)
                self._partial.clear()
            else:
                self._emit(piece, lines)
            start = newline + 1
            newline = chunk.find(b"\n", start)
        if start < len(chunk) and not self._discarding:
            self._partial += chunk[start:]
            if len(self._partial) > self._max:
                self._partial.clear()
                self._discarding = True
                self.overlong += 1
        return lines

    def skip_to_next_line(self) -> None:
        """Drop what comes before the next newline: reading started inside a line."""
        self._partial.clear()
        self._discarding = True

    def flush(self) -> bytes | None:
        """The unfinished line as a line of its own (the stream ended), or None."""
        self._discarding = False
        if not self._partial:
            return None
        line = bytes(self._partial)
        self._partial.clear()
        return line

    def clear(self) -> None:
        """Forget the unfinished line: the bytes it came from no longer exist."""
        self._partial.clear()
        self._discarding = False

    def _emit(self, line: bytes, into: list[bytes]) -> None:
        if len(line) > self._max:
            self.overlong += 1
        else:
            into.append(line)
