"""The whole alerting path on loopback: simulated cluster → exporter → Prometheus → rules
→ Alertmanager → PagerDuty/chat stand-ins.

Time. The scenarios play `SPEED` times faster than the wall clock on the cluster's clock,
which the exporter uses too (as `rollout-exporter demo` does). Prometheus evaluates
`time()` on the wall clock, so the cluster clock is set to read the wall time at the
moment the scenarios reach their rollout: from then on Prometheus sees a rollout's age in
wall seconds, `SPEED` times less than its simulated age. The threshold of RolloutTooLong
is shortened through the chart's documented override to `600 / SPEED` seconds, so it fires
when the stuck rollout is 10 simulated minutes old, while the progress deadline (120
simulated seconds) passes after 2 wall seconds. Only the rollout start is aligned: the
cluster's other timestamps are off the wall clock by up to (SPEED - 1) times the wall time
since then, which no alert of this run depends on (no container is OOMKilled, every
Service keeps ready endpoints after its first second).

Ingress. The 502s of a bad rollout (`ingress_502_rollout`, INGRESS) play in a cluster of
their own, watched by a second exporter that also follows the ingress-nginx controller's
log. Its 502s rise over several scrapes, as in a rollout Prometheus watched from before:
the scenario runs through its setup at once, the second exporter's /metrics comes up
(and is scraped) before the rollout, and the steps in which the old Pods terminate take
INGRESS_STEP wall seconds each; the scenario sends INGRESS_RATE requests/s then, in
steps of INGRESS_TICK simulated seconds. (A burst within one scrape pages too: the rules
count a series born within their window from 0; rules/tests covers it.)
RolloutIngress5xxDuringRollout keeps its threshold; its `for` is shortened through the
chart's documented alertOverrides. The time of this cluster is unrelated to the wall
clock: the ingress rules compare time() only with the exporter's start
(rollout_exporter_start_time_seconds, on the wall clock). To RolloutTooLong, which
compares time() with the rollout's start, this cluster's rollout is years old: it pages
too, in the 502s' incident (one per workload), and its summary may join the page's title.

Namespaces. Each plays one scenario. `e2e-control-*` namespaces are scraped by their own
job, which drops the series under test (the start timestamp, the attributed 5xx): a
negative control showing that a page comes from what the exporter exports. The ingress
scenario runs once (a cluster has one ingress-nginx controller): its control,
CONTROL_INGRESS, is a copy of INGRESS that the control job makes by relabeling.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from exporter.app import Exporter, add_log_sources, listening
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.kube.reflector import WatchSettings
from exporter.loopback.alerting import running_alertmanager
from exporter.loopback.configs import prometheus_config, scrape_job, write_yaml
from exporter.loopback.daemons import Daemon, free_port, prometheus
from exporter.loopback.receivers import Receivers
from exporter.settings import Settings
from exporter.sim.clock import EPOCH, ManualClock, ScaledClock, parse_time
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.scenarios import TICK, Scenario, rollout_completes, rollout_stuck_readiness
from exporter.sim.scenarios.ingress import ingress_502_rollout_with
from exporter.sim.scenarios.ingress_traffic import CONTROLLER_NAMESPACE
from tests.harness import TOKEN, eventually, new_sim
from tests.helm.chart import render
from tests.helm.conftest import make_repository
from tests.rules.rulefiles import RULES

SPEED = 60.0
"""Simulated seconds per wall second."""
ROLLOUT_DURATION_THRESHOLD = 600 / SPEED
"""prometheusRule.thresholds.rolloutDurationSeconds for this run: 10 simulated minutes."""
SETTLE = 5.0
"""Wall seconds after which a page that was due has arrived: evaluation and scrape
intervals (1 s each), Alertmanager's group_wait (1 s here) and some slack."""

STUCK = "e2e-stuck"
CLEAN = "e2e-clean"
CONTROL_STUCK = "e2e-control-stuck"
INGRESS = "e2e-502"
CONTROL_INGRESS = "e2e-control-502"
CONTROL_PATTERN = "e2e-control-.+"
UNDER_TEST = ("rollout_started_timestamp_seconds", "rollout_ingress_5xx_total")
"""What the control job drops: the series the pages of this run depend on."""

INGRESS_RATE = 20.0
"""Requests/s of the ingress scenario: some ten 502s per step while old Pods terminate."""
INGRESS_TICK = 0.5
"""Simulated seconds per step of the ingress scenario while its old Pods terminate."""
INGRESS_STEP = 1.5
"""Wall seconds per such step: at least one scrape between two steps."""
INGRESS_SPEED = 10.0
"""Simulated seconds per wall second of the ingress scenario's other steps, once it is
scraped."""
INGRESS_502_FOR = "0s"
"""alertOverrides.RolloutIngress5xxDuringRollout.for in this run (1m shipped)."""

PLAYS: dict[str, Scenario] = {
    STUCK: rollout_stuck_readiness,
    CLEAN: rollout_completes,
    CONTROL_STUCK: rollout_stuck_readiness,
    INGRESS: ingress_502_rollout_with(rate=INGRESS_RATE, sync_delay=2.0, tick=INGRESS_TICK),
}
"""Which scenario each namespace plays; all start together. INGRESS plays in the ingress
cluster; CONTROL_INGRESS is its relabeled copy (prometheus_config)."""
INGRESS_PLAYS = (INGRESS,)
"""The namespaces of PLAYS that play in the ingress cluster."""

ROUTING_KEY = "e2e0routing0key0not0a0secret0000"
WATCH = WatchSettings(backoff_initial=0.05, backoff_max=1.0)
"""client-go's timeouts, as in production; a short backoff for a run of seconds."""


def rollout_start_offset(scenario: Scenario) -> float:
    """Simulated seconds from the start of `scenario` to the creation of its new
    ReplicaSet (the rollout's start), found by stepping it on a ManualClock."""
    cluster = Cluster(clock=ManualClock())
    run = scenario.start(cluster, namespace="dry-run")
    run.run_until("spec-updated")
    while len(cluster.list("replicasets", "dry-run")) < 2:
        assert run.step() is not None, f"{scenario.name} never created a new ReplicaSet"
    created = [
        parse_time(replicaset["metadata"]["creationTimestamp"])
        for replicaset in cluster.list("replicasets", "dry-run")
    ]
    return (max(created) - EPOCH).total_seconds()


def aligned_clock(speed: float, lead_in: float) -> ScaledClock:
    """Cluster time running `speed` times faster than the wall clock, reading the wall time
    `lead_in` simulated seconds from now (when the scenarios, started now, roll out)."""
    now = datetime.now(UTC)
    return ScaledClock(speed, now - timedelta(seconds=lead_in * (1 - 1 / speed)))


ALERTMANAGER_TIMERS = {"group_wait": "1s", "group_interval": "1s"}
"""The example's route timers, in seconds for a run of seconds (running_alertmanager)."""


def scrape_jobs(exporters: list[str]) -> list[dict[str, Any]]:
    """The exporters, scraped by a job that drops the control namespaces and by a control
    job that keeps only them (INGRESS relabeled as CONTROL_INGRESS), without UNDER_TEST."""
    return [
        scrape_job(
            "rollout-exporter",
            exporters,
            relabel=[{"source_labels": ["namespace"], "regex": CONTROL_PATTERN, "action": "drop"}],
        ),
        scrape_job(
            "rollout-exporter-control",
            exporters,
            relabel=[
                # The control copy of INGRESS (only it plays there).
                {
                    "source_labels": ["namespace"],
                    "regex": INGRESS,
                    "target_label": "namespace",
                    "replacement": CONTROL_INGRESS,
                },
                {"source_labels": ["namespace"], "regex": CONTROL_PATTERN, "action": "keep"},
                {
                    "source_labels": ["__name__"],
                    "regex": "|".join(UNDER_TEST),
                    "action": "drop",
                },
            ],
        ),
    ]


def rule_groups(workdir: Path) -> list[dict[str, Any]]:
    """spec.groups of the PrometheusRule the chart renders from rules/, with this run's
    documented overrides: the RolloutTooLong threshold and the RolloutIngress5xxDuringRollout
    `for`."""
    chart = make_repository(workdir, rules=RULES, dashboards=None)
    values = {
        "prometheusRule": {
            "thresholds": {"rolloutDurationSeconds": ROLLOUT_DURATION_THRESHOLD},
            "alertOverrides": {"RolloutIngress5xxDuringRollout": {"for": INGRESS_502_FOR}},
        }
    }
    (rule,) = render(chart, values).of_kind("PrometheusRule")
    groups: list[dict[str, Any]] = rule["spec"]["groups"]
    return groups


@dataclass
class Stack:
    prometheus: Daemon
    alertmanager: Daemon
    receivers: Receivers
    exporter_url: str

    async def exporter_metrics(self) -> str:
        async with (
            aiohttp.ClientSession() as session,
            session.get(self.exporter_url + "/metrics") as response,
        ):
            response.raise_for_status()
            return await response.text()


async def settle_after(moment: float) -> None:
    """Wait until a notification due at wall time `moment` has certainly arrived."""
    await asyncio.sleep(max(0.0, moment + SETTLE - time.time()))


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the exporter and the scenarios; a scenario that failed fails the run."""
    for task in tasks:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, Exception):
            raise outcome


def _consumed(exporter: Exporter, cluster: Cluster) -> bool:
    """Every line the ingress controller wrote so far went through the exporter."""
    source = exporter.ingress.sources.get("kubernetes")
    written = sum(
        len(cluster.logs.log(CONTROLLER_NAMESPACE, pod["metadata"]["name"], "controller").lines())
        for pod in cluster.list("pods", CONTROLLER_NAMESPACE)
    )
    return source is not None and source.lines >= written


async def _play_ingress(
    scenario: Scenario, namespace: str, cluster: Cluster, exporter: Exporter, port: int
) -> None:
    """Play `scenario` on the ManualClock of `cluster`: its setup at once; then, before
    its rollout, serve `exporter` on `port` and let Prometheus scrape it; then the rest,
    INGRESS_STEP wall seconds per step while the old Pods terminate."""
    # The controller's Pod must be new to the exporter, which reads its log from the start.
    await eventually(lambda: exporter.rollouts.synced, within=30.0, what="ingress exporter synced")
    await asyncio.sleep(0.5)
    run = scenario.start(cluster, namespace=namespace)
    run.run_until("steady-for-a-while")
    await eventually(lambda: _consumed(exporter, cluster), within=30.0, what="log lines consumed")
    settings = Settings(listen_address=f"127.0.0.1:{port}")
    async with listening(exporter, settings):
        await asyncio.sleep(2.0)  # scraped before the rollout: the counters' baseline
        terminating = False
        while (checkpoint := run.step()) is not None:
            if checkpoint.name != TICK:
                terminating = checkpoint.name == "old-pods-terminating"
            await asyncio.sleep(INGRESS_STEP if terminating else checkpoint.wait / INGRESS_SPEED)
        await asyncio.Event().wait()  # serve until cancelled


@contextlib.asynccontextmanager
async def _exporter_of(
    cluster: Cluster, kubeconfig: Path, logs: Settings | None = None
) -> AsyncIterator[Exporter]:
    """An exporter watching `cluster` through its own simulated API server, reading the
    ingress controller's log too if `logs` says where; on the cluster's clock."""
    async with new_sim(cluster) as server:
        write_kubeconfig(kubeconfig, server.url, TOKEN)
        credentials = load_credentials(kubeconfig=str(kubeconfig), context=None)
        async with ApiClient(credentials) as client:
            exporter = Exporter(
                client,
                settings=WATCH,
                clock=lambda: cluster.clock.now().timestamp(),
                tick_interval=0.5,
            )
            if logs is not None:
                add_log_sources(exporter, client, logs)
            yield exporter


@contextlib.asynccontextmanager
async def _ingress_exporter(workdir: Path) -> AsyncIterator[tuple[Cluster, Exporter]]:
    """The ingress cluster and its exporter, following the controller's log too."""
    cluster = Cluster(clock=ManualClock(), history_size=20_000)
    logs = Settings(logs_namespace=CONTROLLER_NAMESPACE)
    async with _exporter_of(cluster, workdir / "kubeconfig-ingress", logs) as exporter:
        yield cluster, exporter


@contextlib.asynccontextmanager
async def running_stack(workdir: Path) -> AsyncIterator[Stack]:
    """Everything up, the scenarios of PLAYS started together; torn down in reverse."""
    rules = write_yaml(workdir / "rules.yaml", {"groups": rule_groups(workdir / "chart")})
    exporter_port, ingress_port = free_port(), free_port()
    async with running_alertmanager(
        workdir, routing_key=ROUTING_KEY, timers=ALERTMANAGER_TIMERS
    ) as (am, receivers):
        jobs = scrape_jobs([f"127.0.0.1:{exporter_port}", f"127.0.0.1:{ingress_port}"])
        config = write_yaml(
            workdir / "prometheus.yml",
            prometheus_config(jobs, interval="1s", rule_files=[rules], alertmanager=am.address),
        )
        settings = Settings(listen_address=f"127.0.0.1:{exporter_port}")
        async with prometheus(config, workdir) as prom:
            # Aligned from now: the scenarios start as soon as everything below is up.
            lead_in = rollout_start_offset(rollout_stuck_readiness)
            cluster = Cluster(clock=aligned_clock(SPEED, lead_in))
            async with (
                _exporter_of(cluster, workdir / "kubeconfig") as exporter,
                listening(exporter, settings) as url,
                _ingress_exporter(workdir) as (ingress_cluster, ingress_exporter),
            ):
                tasks = [
                    asyncio.create_task(exporter.run()),
                    asyncio.create_task(ingress_exporter.run()),
                ]
                tasks += [
                    asyncio.create_task(
                        _play_ingress(
                            scenario, name, ingress_cluster, ingress_exporter, ingress_port
                        )
                        if name in INGRESS_PLAYS
                        else scenario.run(cluster, namespace=name, speed=SPEED)
                    )
                    for name, scenario in PLAYS.items()
                ]
                try:
                    yield Stack(prom, am, receivers, url)
                finally:
                    await _stop(tasks)
