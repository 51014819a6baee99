"""Everything /metrics serves, in a stable order: our families, then self-metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from typing import cast

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import generate_latest
from prometheus_client.openmetrics import exposition as openmetrics_exposition

from exporter.metrics.family import MetricFamily

_EOF = b"# EOF\n"
_generate_openmetrics = cast(
    Callable[[CollectorRegistry], bytes], openmetrics_exposition.generate_latest
)


class ExpositionRegistry:
    """Joins cached family bodies; the only per-scrape Python work is one join per family."""

    def __init__(self, self_metrics: CollectorRegistry) -> None:
        self._families: list[MetricFamily] = []
        self._self_metrics = self_metrics
        self._refreshers: list[Callable[[], None]] = []

    def before_render(self, refresh: Callable[[], None]) -> None:
        """Run `refresh` at the start of every scrape: derivations still pending from
        the last changes are rendered before their cached bytes are joined."""
        self._refreshers.append(refresh)

    def register(self, families: Iterable[MetricFamily]) -> None:
        names = {family.spec.name for family in self._families}
        for family in families:
            if family.spec.name in names:
                raise ValueError(f"metric family {family.spec.name} registered twice")
            names.add(family.spec.name)
            self._families.append(family)

    @property
    def families(self) -> tuple[MetricFamily, ...]:
        return tuple(self._families)

    async def chunks(self, *, openmetrics: bool) -> AsyncIterator[bytes]:
        """Yield the exposition piece by piece, giving the event loop a turn between
        families so watch streams keep flowing during a large scrape."""
        for refresh in self._refreshers:
            refresh()
        for family in self._families:
            yield family.header(openmetrics=openmetrics)
            yield family.body()
            await asyncio.sleep(0)
        if openmetrics:
            text = _generate_openmetrics(self._self_metrics)
            yield text.removesuffix(_EOF)
            yield _EOF
        else:
            yield generate_latest(self._self_metrics)

    async def render(self, *, openmetrics: bool) -> bytes:
        return b"".join([chunk async for chunk in self.chunks(openmetrics=openmetrics)])
