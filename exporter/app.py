"""Wires one exporter together: reflectors → index → metric families → HTTP server."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from exporter import __version__
from exporter.errors import ListenError
from exporter.index.cluster import ClusterIndex
from exporter.ingress.attribution import IngressAttributor
from exporter.ingress.sources import FileTailer, KubernetesLogSource, replay
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.kube.reflector import Reflector, WatchSettings
from exporter.kube.resources import WATCHED, Resource
from exporter.metrics.registry import ExpositionRegistry
from exporter.metrics.self_metrics import SelfMetrics
from exporter.rollout.tracker import RolloutTracker
from exporter.settings import Settings
from exporter.web.server import build_app

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
        stall_timeout: float = 300.0,
        clock: Callable[[], float] = time.time,
        tick_interval: float = 5.0,
        warm_seconds: float = 10.0,
        log_format: str = "auto",
    ) -> None:
        self.index = ClusterIndex()
        self.self_metrics = SelfMetrics()
        self.exposition = ExpositionRegistry(self.self_metrics.registry)
        self.rollouts = RolloutTracker(self.index, clock=clock, stall_after=stall_timeout)
        self.rollouts.on_dirty = self._schedule_flush
        self.exposition.register(self.rollouts.families.values())
        self.exposition.before_render(self.rollouts.flush)
        self.self_metrics.track_rollouts(self.rollouts)
        self.ingress = IngressAttributor(
            self.index, self.rollouts, clock=clock, warm_seconds=warm_seconds, log_format=log_format
        )
        self.exposition.register(self.ingress.families.values())
        self.exposition.before_render(self.ingress.flush)
        self.self_metrics.track_logs(self.ingress, clock)
        self._tick_interval = tick_interval
        self._flush_scheduled = False
        self._log_sources: list[Callable[[], Coroutine[Any, Any, None]]] = []
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

    def add_log_source(self, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """A log source's `run`, started with the reflectors; it feeds `self.ingress`."""
        self._log_sources.append(run)

    def is_ready(self) -> bool:
        """True once every reflector listed once (or found its kind unavailable)."""
        return all(reflector.synced.is_set() for reflector in self.reflectors)

    def _schedule_flush(self) -> None:
        """Coalesce a burst of changes into one derivation on the next loop turn."""
        if self._flush_scheduled:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not running yet: the first scrape or tick flushes
        self._flush_scheduled = True
        loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        self.rollouts.flush()

    async def _derive(self) -> None:
        """Start counting once every kind listed; re-check time-dependent state."""
        await asyncio.gather(*(reflector.synced.wait() for reflector in self.reflectors))
        self.rollouts.mark_synced()
        self._flush()
        while True:
            await asyncio.sleep(self._tick_interval)
            self.rollouts.tick()
            self._flush()
            self.ingress.flush()

    async def run(self) -> None:
        """Run every reflector until cancelled; one failing kind never stops the others."""
        async with asyncio.TaskGroup() as group:
            for reflector in self.reflectors:
                group.create_task(reflector.run(), name=f"reflector/{reflector.stats.kind}")
            group.create_task(self._derive(), name="derive")
            for run in self._log_sources:
                group.create_task(run(), name="log-source")


def exporter_for(
    client: ApiClient, settings: Settings, *, clock: Callable[[], float] = time.time
) -> Exporter:
    """The exporter `settings` describe: the one place the command-line flags reach it, so
    `run`, `replay` and the demo all honour the same ones."""
    return Exporter(
        client,
        settings=watch_settings(settings),
        namespaces=settings.namespaces,
        stall_timeout=settings.stall_timeout,
        warm_seconds=settings.warm_seconds,
        log_format=settings.logs_format,
        clock=clock,
    )


def watch_settings(settings: Settings) -> WatchSettings:
    return WatchSettings(
        page_size=settings.list_page_size,
        watch_timeout=settings.watch_timeout,
        inactivity_timeout=settings.watch_inactivity_timeout,
        backoff_initial=settings.backoff_initial,
        backoff_max=settings.backoff_max,
    )


@asynccontextmanager
async def listening(exporter: Exporter, settings: Settings) -> AsyncIterator[str]:
    """Serve the exporter's HTTP endpoints while the context is open; yields the URL."""
    app = build_app(
        exporter.exposition,
        exporter.self_metrics,
        is_ready=exporter.is_ready,
        telemetry_path=settings.telemetry_path,
    )
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.listen_host, settings.listen_port)
        try:
            await site.start()
        except OSError as error:
            raise ListenError(
                f"cannot listen on --web.listen-address={settings.listen_address}: "
                f"{os.strerror(error.errno) if error.errno else error}"
            ) from error
        host, port = runner.addresses[0][:2]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        url = f"http://{shown}:{port}"
        log.info(
            "listening",
            extra={"address": f"{host}:{port}", "metrics": url + settings.telemetry_path},
        )
        yield url
    finally:
        await runner.cleanup()


async def serve(settings: Settings) -> None:
    """`rollout-exporter run`: list-watch the cluster and serve /metrics until cancelled."""
    credentials = load_credentials(kubeconfig=settings.kubeconfig, context=settings.kube_context)
    log.info(
        "starting",
        extra={
            "version": __version__,
            "api": credentials.host,
            "namespaces": ",".join(settings.namespaces) or "all",
        },
    )
    async with ApiClient(credentials) as client:
        exporter = exporter_for(client, settings)
        add_log_sources(exporter, client, settings)
        async with listening(exporter, settings):
            await exporter.run()


async def replay_file(settings: Settings, path: str) -> bytes:
    """`rollout-exporter replay FILE`: list the cluster, attribute the file's lines once
    against it, and return the ingress families' exposition (for incident review)."""
    credentials = load_credentials(kubeconfig=settings.kubeconfig, context=settings.kube_context)
    async with ApiClient(credentials) as client:
        exporter = exporter_for(client, settings)
        async with asyncio.TaskGroup() as group:
            watching = group.create_task(exporter.run())
            await asyncio.gather(*(r.synced.wait() for r in exporter.reflectors))
            exporter.rollouts.mark_synced()
            exporter.rollouts.flush()
            await replay(path, exporter.ingress)
            exporter.ingress.flush()
            watching.cancel()
        families = [*exporter.ingress.families.values()]
        return b"".join(f.header(openmetrics=False) + f.body() for f in families)


def add_log_sources(exporter: Exporter, client: ApiClient, settings: Settings) -> None:
    """Ingress access logs from the API (controller Pods' logs) and/or files."""
    if settings.logs_namespace:
        source = KubernetesLogSource(
            client,
            exporter.ingress,
            namespace=settings.logs_namespace,
            label_selector=settings.logs_selector,
            container=settings.logs_container or None,
        )
        exporter.add_log_source(source.run)
    if settings.logs_files:
        exporter.add_log_source(FileTailer(settings.logs_files, exporter.ingress).run)
