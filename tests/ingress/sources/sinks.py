"""A `LineSink` that remembers what it was given, for asserting on it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fed:
    stream: str
    line: str
    timestamp: float | None


@dataclass
class RecordingSink:
    fed: list[Fed] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)

    def feed(self, stream: str, line: bytes, *, timestamp: float | None = None) -> None:
        self.fed.append(Fed(stream, line.decode(), timestamp))

    def close_stream(self, stream: str) -> None:
        self.closed.append(stream)

    def lines(self, stream: str | None = None) -> list[str]:
        return [fed.line for fed in self.fed if stream is None or fed.stream == stream]
