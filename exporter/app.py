"""Wires one exporter together: reflectors → index → metric families → HTTP server."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import Any

from exporter.index.cluster import ClusterIndex
from exporter.kube.client import ApiClient
from exporter.kube.reflector import Reflector, WatchSettings
from exporter.kube.resources import WATCHED, Resource
from exporter.metrics.registry import ExpositionRegistry
from exporter.metrics.self_metrics import SelfMetrics

log = logging.getLogger(__name__)


class Exporter:
    """Everything that runs inside one `rollout-exporter run`, minus the HTTP listener."""

    def __init__(
        self,
        client: ApiClient,
        *,
        settings: WatchSettings,
        namespaces: Sequence[str] = (),
        resources: Sequence[Resource[Any]] = WATCHED,
        rng: random.Random | None = None,
    ) -> None:
        self.index = ClusterIndex()
        self.self_metrics = SelfMetrics()
        self.exposition = ExpositionRegistry(self.self_metrics.registry)
        stores = self.index.by_plural()
        self.reflectors: list[Reflector[Any]] = []
        for resource in resources:
            store = stores[resource.plural]
            for namespace in namespaces or (None,):
                reflector = Reflector(
                    client, resource, store, settings=settings, namespace=namespace, rng=rng
                )
                self.self_metrics.watches.track(reflector.stats, store.__len__)
                self.reflectors.append(reflector)

    def is_ready(self) -> bool:
        """True once every reflector listed once (or found its kind unavailable)."""
        return all(reflector.synced.is_set() for reflector in self.reflectors)

    async def run(self) -> None:
        """Run every reflector until cancelled; one failing kind never stops the others."""
        async with asyncio.TaskGroup() as group:
            for reflector in self.reflectors:
                group.create_task(reflector.run(), name=f"reflector/{reflector.stats.kind}")
