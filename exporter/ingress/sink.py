"""The seam between log sources and the attribution pipeline.

Sources (Kubernetes API log streaming, tailed files, a replayed file) only deliver lines;
everything after that — format detection, parsing, attribution, counting — is one code
path behind this protocol, whatever the source.
"""

from __future__ import annotations

from typing import Protocol


class LineSink(Protocol):
    def feed(self, stream: str, line: bytes, *, timestamp: float | None = None) -> None:
        """One complete log line (no trailing newline) of `stream`.

        `stream` names the source uniquely and stays the same across reconnects (e.g.
        `kubernetes:ingress-nginx/ingress-nginx-controller-7d9f`, `file:/var/log/x.log`):
        each stream keeps its own detected format. `timestamp` is when the line was
        written, when the source knows it (the API's `timestamps=true` prefix, already
        split off); parsers fall back to the line's own time field.
        """
        ...

    def close_stream(self, stream: str) -> None:
        """The stream ended for good (its Pod was deleted): forget its per-stream state."""
        ...
