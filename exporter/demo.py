"""`rollout-exporter demo`: the simulator, its scenarios on a loop, and an exporter.

Everything runs on loopback in one process, but the exporter reaches the simulator the
way it reaches a cluster: over HTTP, through a kubeconfig file, with a bearer token.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from exporter.app import add_log_sources, exporter_for, listening
from exporter.demo_alerting import Alerting, check_alerting, running_alerting
from exporter.errors import AlertingUnavailable
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.loopback.daemons import DaemonError
from exporter.settings import Settings
from exporter.sim.clock import ScaledClock
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.scenarios import SCENARIOS, Scenario, create_fleet
from exporter.sim.scenarios.ingress import ingress_502_rollout_with
from exporter.sim.server import SimulatedApiServer

log = logging.getLogger(__name__)

INGRESS_NAMESPACE = "ingress-nginx"
"""Where the `ingress_502_rollout` scenario runs its ingress-nginx controller."""

_PAUSE_BETWEEN_RUNS = 300.0
"""Simulated seconds a finished scenario stays visible before it starts over: long enough
for the alerts it raised to page (RolloutIngress5xxDuringRollout's `for: 1m`, then
Alertmanager's `group_wait: 30s`) and to resolve as the rules' 5-minute windows pass."""

DEMO_SCENARIOS: dict[str, Scenario] = {
    **SCENARIOS,
    # The page of this one tells the classic story, and only it: the ingress controller,
    # syncing its endpoints 8 s after a change, keeps sending requests to the old Pods,
    # which stopped without a preStop sleep (refused) and then are gone (no_route). It
    # routes to `web` only once its first Pods are ready and synced: no 503s before.
    "ingress_502_rollout": ingress_502_rollout_with(sync_delay=8.0, routed_after=25.0),
}

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


def banner(metrics_url: str, api_url: str, kubeconfig: Path, alerting: Alerting | str) -> str:
    names = ", ".join(sorted(DEMO_SCENARIOS))
    if isinstance(alerting, Alerting):
        alerts = alerting.banner() + "Pages and chat messages print below as they arrive.\n"
    else:
        alerts = f"  alerting:             off ({alerting})\n"
    return (
        "rollout-exporter demo is running.\n"
        f"  metrics:              {metrics_url}\n"
        f"  readiness:            {metrics_url.rsplit('/', 1)[0]}/readyz\n"
        f"  simulated API server: {api_url} (kubeconfig: {kubeconfig})\n"
        f"  scenarios on a loop:  {names} (one namespace each)\n"
        f"{alerts}"
        f"Try: curl -s {metrics_url} | grep -v '^#' | sort | less\n"
        "Ctrl-C stops everything.\n"
    )


def alerting_decision(wanted: bool | None, speed: float) -> str | None:
    """None if the demo runs Prometheus and Alertmanager, else why not. Raises
    AlertingUnavailable if alerting was asked for (`--demo.alerting`) but cannot run."""
    if wanted is False:
        return "--no-demo.alerting"
    try:
        check_alerting(speed=speed)
    except AlertingUnavailable as why:
        if wanted:
            raise
        return str(why)
    return None


async def start_alerting(
    stack: contextlib.AsyncExitStack, metrics_url: str, workdir: Path, *, required: bool
) -> Alerting | str:
    """Prometheus and Alertmanager, stopped with `stack`; if they do not start, why not
    (or AlertingUnavailable, if `required`)."""
    try:
        return await stack.enter_async_context(running_alerting(metrics_url, workdir))
    except DaemonError as error:
        if required:
            raise AlertingUnavailable(str(error)) from error
        return f"did not start: {error}"


async def run_demo(settings: Settings, *, speed: float = 1.0, alerting: bool | None = None) -> None:
    """The demo; with Prometheus and Alertmanager too if `alerting` (None: if they are
    installed and the scenarios play in real time)."""
    alerting_off = alerting_decision(alerting, speed)
    cluster = Cluster(clock=ScaledClock(speed, datetime.now(UTC).replace(microsecond=0)))
    create_fleet(cluster, deployments=10, pods_per_deployment=3)
    token = secrets.token_urlsafe(24)
    async with SimulatedApiServer(cluster, token=token, bookmark_interval=10.0) as server:
        with tempfile.TemporaryDirectory(prefix="rollout-exporter-demo-") as workdir:
            kubeconfig = write_kubeconfig(Path(workdir) / "kubeconfig", server.url, token)
            settings = demo_settings(settings, kubeconfig)
            credentials = load_credentials(kubeconfig=settings.kubeconfig, context=None)
            async with ApiClient(credentials) as client:
                exporter = exporter_for(
                    client, settings, clock=lambda: cluster.clock.now().timestamp()
                )
                demo_logs = dataclasses.replace(
                    settings,
                    logs_namespace=settings.logs_namespace or INGRESS_NAMESPACE,
                )
                add_log_sources(exporter, client, demo_logs)
                async with (
                    listening(exporter, settings) as url,
                    contextlib.AsyncExitStack() as stack,
                ):
                    metrics_url = url + settings.telemetry_path
                    alerts = alerting_off or await start_alerting(
                        stack, metrics_url, Path(workdir), required=bool(alerting)
                    )
                    async with asyncio.TaskGroup() as tasks:
                        for scenario in DEMO_SCENARIOS.values():
                            tasks.create_task(loop_scenario(cluster, scenario, speed))
                        print(
                            banner(metrics_url, server.url, kubeconfig, alerts),
                            flush=True,
                            file=sys.stdout,
                        )
                        await exporter.run()
