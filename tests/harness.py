"""Run a real exporter against a real simulated API server, both on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exporter.app import Exporter, add_log_sources, listening
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.kube.reflector import WatchSettings
from exporter.kube.resources import WATCHED, Resource
from exporter.settings import Settings
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.server import SimulatedApiServer

TOKEN = "harness-token"

FAST = WatchSettings(
    page_size=2,
    watch_timeout=2.0,
    inactivity_timeout=1.0,
    backoff_initial=0.02,
    backoff_max=0.2,
    unavailable_retry=0.5,
)
"""Small pages and short timeouts so every code path runs within a test's budget."""


@dataclass
class RunningExporter:
    exporter: Exporter
    url: str
    """Base URL of the exporter's HTTP server."""


@asynccontextmanager
async def running_exporter(
    server: SimulatedApiServer,
    tmp_path: Path,
    *,
    settings: WatchSettings = FAST,
    resources: Sequence[Resource[Any]] = WATCHED,
    namespaces: Sequence[str] = (),
    log_settings: Settings | None = None,
    **options: Any,
) -> AsyncIterator[RunningExporter]:
    """An exporter connected through a kubeconfig file, its reflectors and HTTP server up."""
    path = write_kubeconfig(tmp_path / "kubeconfig", server.url, TOKEN)
    credentials = load_credentials(kubeconfig=str(path), context=None)
    async with ApiClient(credentials) as client:
        exporter = Exporter(
            client, settings=settings, namespaces=namespaces, resources=resources, **options
        )
        if log_settings is not None:
            add_log_sources(exporter, client, log_settings)
        http = Settings(listen_address="127.0.0.1:0")
        async with listening(exporter, http) as url:
            task = asyncio.create_task(exporter.run())
            try:
                yield RunningExporter(exporter, url)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


async def eventually(
    condition: Callable[[], bool], *, within: float = 10.0, what: str = "condition"
) -> None:
    """Poll until `condition()` holds; the failure names what never happened."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {within:g}s")
        await asyncio.sleep(0.02)


def index_matches(exporter: Exporter, cluster: Cluster, plurals: Sequence[str]) -> bool:
    """The exporter's index holds exactly the server's objects at the same RVs."""
    stores = exporter.index.by_plural()
    return all(stores[p].resource_versions() == cluster.truth(p) for p in plurals)


def new_sim(cluster: Cluster, **overrides: Any) -> SimulatedApiServer:
    options: dict[str, Any] = {"bookmark_interval": 0.3, "fresh_wait": 0.2}
    options.update(overrides)
    return SimulatedApiServer(cluster, token=TOKEN, **options)
