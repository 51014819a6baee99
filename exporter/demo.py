"""`rollout-exporter demo`: the simulator, its scenarios on a loop, and an exporter.

Everything runs on loopback in one process, but the exporter reaches the simulator the
way it reaches a cluster: over HTTP, through a kubeconfig file, with a bearer token.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from exporter.app import Exporter, add_log_sources, listening, watch_settings
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.settings import Settings
from exporter.sim.clock import ScaledClock
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.scenarios import SCENARIOS, Scenario, create_fleet
from exporter.sim.server import SimulatedApiServer

log = logging.getLogger(__name__)

INGRESS_NAMESPACE = "ingress-nginx"
"""Where the `ingress_502_rollout` scenario runs its ingress-nginx controller."""

_PAUSE_BETWEEN_RUNS = 30.0
"""Simulated seconds a finished scenario stays visible before it starts over."""

_RESOURCES = (
    "events",
    "endpointslices",
    "services",
    "pods",
    "replicasets",
    "deployments",
    "statefulsets",
    "daemonsets",
)


def clear_namespace(cluster: Cluster, namespace: str) -> None:
    """Delete everything a scenario created, so its next run starts from scratch."""
    for resource in _RESOURCES:
        for obj in cluster.list(resource, namespace):
            cluster.delete(resource, namespace, obj["metadata"]["name"])


async def loop_scenario(cluster: Cluster, scenario: Scenario, speed: float) -> None:
    namespace = scenario.name.replace("_", "-")
    while True:
        await scenario.run(cluster, namespace=namespace, speed=speed)
        await asyncio.sleep(_PAUSE_BETWEEN_RUNS / speed)
        clear_namespace(cluster, namespace)


def demo_settings(settings: Settings, kubeconfig: Path) -> Settings:
    """The user's settings, pointed at the simulator; the default listener stays local."""
    listen = settings.listen_address
    if listen == Settings().listen_address:
        listen = "127.0.0.1" + listen
    return dataclasses.replace(
        settings, kubeconfig=str(kubeconfig), kube_context=None, listen_address=listen
    )


def banner(metrics_url: str, api_url: str, kubeconfig: Path) -> str:
    names = ", ".join(sorted(SCENARIOS))
    return (
        "rollout-exporter demo is running.\n"
        f"  metrics:              {metrics_url}\n"
        f"  readiness:            {metrics_url.rsplit('/', 1)[0]}/readyz\n"
        f"  simulated API server: {api_url} (kubeconfig: {kubeconfig})\n"
        f"  scenarios on a loop:  {names} (one namespace each)\n"
        f"Try: curl -s {metrics_url} | grep -v '^#' | sort | less\n"
        "Ctrl-C stops everything.\n"
    )


async def run_demo(settings: Settings, *, speed: float = 1.0) -> None:
    cluster = Cluster(clock=ScaledClock(speed, datetime.now(UTC).replace(microsecond=0)))
    create_fleet(cluster, deployments=10, pods_per_deployment=3)
    token = secrets.token_urlsafe(24)
    async with SimulatedApiServer(cluster, token=token, bookmark_interval=10.0) as server:
        with tempfile.TemporaryDirectory(prefix="rollout-exporter-demo-") as workdir:
            kubeconfig = write_kubeconfig(Path(workdir) / "kubeconfig", server.url, token)
            settings = demo_settings(settings, kubeconfig)
            credentials = load_credentials(kubeconfig=settings.kubeconfig, context=None)
            async with ApiClient(credentials) as client:
                exporter = Exporter(
                    client,
                    settings=watch_settings(settings),
                    namespaces=settings.namespaces,
                    stall_timeout=settings.stall_timeout,
                    clock=lambda: cluster.clock.now().timestamp(),
                )
                demo_logs = dataclasses.replace(
                    settings,
                    logs_namespace=settings.logs_namespace or INGRESS_NAMESPACE,
                )
                add_log_sources(exporter, client, demo_logs)
                async with listening(exporter, settings) as url, asyncio.TaskGroup() as tasks:
                    for scenario in SCENARIOS.values():
                        tasks.create_task(loop_scenario(cluster, scenario, speed))
                    print(
                        banner(url + settings.telemetry_path, server.url, kubeconfig),
                        flush=True,
                        file=sys.stdout,
                    )
                    await exporter.run()
