"""A metric family whose sample lines are cached per object.

When an object changes, whoever derives metrics from it calls `set(key, lines)` with
that object's rendered lines; a scrape then joins cached bytes. The joined body is
itself cached until the next change, so scraping an idle cluster costs almost nothing.
This is kube-state-metrics' metrics_store design, which they adopted after 10-20 s
scrapes and OOM kills with render-on-scrape.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from exporter.metrics.exposition import escape_help

MetricType = Literal["gauge", "counter", "histogram", "info"]


@dataclass(frozen=True)
class FamilySpec:
    """Declared once; code, docs/metrics.md and tests all read the same specs."""

    name: str
    """The sample name for gauges; without `_total` for counters, `_info` for info."""
    help: str
    type: MetricType
    labels: tuple[str, ...] = ()
    """Label names, in order, for documentation and cardinality checks."""

    @property
    def sample_name(self) -> str:
        if self.type == "counter":
            return self.name + "_total"
        if self.type == "info":
            return self.name + "_info"
        return self.name

    def header(self, *, openmetrics: bool) -> bytes:
        """`# HELP`/`# TYPE` lines; names differ between the formats for counters and info."""
        if openmetrics:
            name, kind = self.name, self.type
        else:
            name = self.sample_name
            kind = "gauge" if self.type == "info" else self.type
        return f"# HELP {name} {escape_help(self.help)}\n# TYPE {name} {kind}\n".encode()


class MetricFamily:
    """Cached sample lines of one family, keyed by the object (or entity) they describe."""

    __slots__ = ("_body", "_headers", "_series", "spec")

    def __init__(self, spec: FamilySpec) -> None:
        self.spec = spec
        self._series: dict[Hashable, bytes] = {}
        self._body: bytes | None = b""
        self._headers = (spec.header(openmetrics=False), spec.header(openmetrics=True))

    def __len__(self) -> int:
        return len(self._series)

    def set(self, key: Hashable, lines: bytes) -> None:
        """Replace the lines of `key`; empty `lines` removes it."""
        if lines:
            if self._series.get(key) == lines:
                return
            self._series[key] = lines
        elif self._series.pop(key, None) is None:
            return
        self._body = None

    def discard(self, key: Hashable) -> None:
        if self._series.pop(key, None) is not None:
            self._body = None

    def clear(self) -> None:
        self._series.clear()
        self._body = b""

    def header(self, *, openmetrics: bool) -> bytes:
        return self._headers[openmetrics]

    def body(self) -> bytes:
        if self._body is None:
            self._body = b"".join(self._series.values())
        return self._body
