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

Namespaces. Each plays one scenario. `e2e-control-*` namespaces are scraped by their own
job, which drops the series under test (the start timestamp, the attributed 5xx): a
negative control showing that a page comes from what the exporter exports.
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
import yaml

from exporter.app import Exporter, listening
from exporter.kube.client import ApiClient
from exporter.kube.credentials import load_credentials
from exporter.kube.reflector import WatchSettings
from exporter.settings import Settings
from exporter.sim.clock import EPOCH, ManualClock, ScaledClock, parse_time
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.scenarios import Scenario, rollout_completes, rollout_stuck_readiness
from tests.e2e.daemons import Daemon, alertmanager, free_port, prometheus
from tests.e2e.receivers import CHAT_PATH, PAGERDUTY_PATH, Receivers, receiving
from tests.harness import TOKEN, new_sim
from tests.rules.chart_rules import chart_rule_groups
from tests.rules.rulefiles import ALERTMANAGER_EXAMPLE

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

PLAYS: dict[str, Scenario] = {
    STUCK: rollout_stuck_readiness,
    CLEAN: rollout_completes,
    CONTROL_STUCK: rollout_stuck_readiness,
}
"""Which scenario each namespace plays; all start together. (The ingress attribution of
issue 5 adds its bad-rollout scenario here for INGRESS and CONTROL_INGRESS.)"""

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


def prometheus_config(exporter: str, alertmanager: str) -> dict[str, Any]:
    def job(name: str, relabel: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "job_name": name,
            "honor_labels": True,  # the exporter's `namespace` is the workload's
            "static_configs": [{"targets": [exporter]}],
            "metric_relabel_configs": relabel,
        }

    return {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["rules.yaml"],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]},
        "scrape_configs": [
            job(
                "rollout-exporter",
                [{"source_labels": ["namespace"], "regex": CONTROL_PATTERN, "action": "drop"}],
            ),
            job(
                "rollout-exporter-control",
                [
                    {"source_labels": ["namespace"], "regex": CONTROL_PATTERN, "action": "keep"},
                    {
                        "source_labels": ["__name__"],
                        "regex": "|".join(UNDER_TEST),
                        "action": "drop",
                    },
                ],
            ),
        ],
    }


def alertmanager_config(receivers_url: str, routing_key_file: Path) -> dict[str, Any]:
    """The example configuration, sending to the local stand-ins, with timers in seconds."""
    config: dict[str, Any] = yaml.safe_load(ALERTMANAGER_EXAMPLE.read_text())
    receivers = {receiver["name"]: receiver for receiver in config["receivers"]}
    (pagerduty,) = receivers["pagerduty"]["pagerduty_configs"]
    pagerduty["routing_key_file"] = str(routing_key_file)
    pagerduty["url"] = receivers_url + PAGERDUTY_PATH
    (chat,) = receivers["chat"]["webhook_configs"]
    chat["url"] = receivers_url + CHAT_PATH
    config["route"]["group_wait"] = "1s"
    config["route"]["group_interval"] = "1s"
    return config


def write_yaml(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def write_secret(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


@contextlib.asynccontextmanager
async def running_alertmanager(workdir: Path) -> AsyncIterator[tuple[Daemon, Receivers]]:
    """Alertmanager from the example, notifying local stand-ins for PagerDuty and chat."""
    key_file = write_secret(workdir / "pagerduty-routing-key", ROUTING_KEY)
    async with receiving() as receivers:
        config = write_yaml(
            workdir / "alertmanager.yml", alertmanager_config(receivers.url, key_file)
        )
        async with alertmanager(config, workdir) as daemon:
            yield daemon, receivers


@dataclass
class Stack:
    prometheus: Daemon
    alertmanager: Daemon
    receivers: Receivers
    exporter_url: str

    async def query(self, promql: str) -> list[dict[str, Any]]:
        answer = await self.prometheus.get_json("/api/v1/query", query=promql)
        assert answer["status"] == "success", answer
        result: list[dict[str, Any]] = answer["data"]["result"]
        return result

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


@contextlib.asynccontextmanager
async def running_stack(workdir: Path) -> AsyncIterator[Stack]:
    """Everything up, the scenarios of PLAYS started together; torn down in reverse."""
    rules = chart_rule_groups(
        workdir / "chart", {"rolloutDurationSeconds": ROLLOUT_DURATION_THRESHOLD}
    )
    write_yaml(workdir / "rules.yaml", {"groups": rules})
    exporter_port = free_port()
    async with running_alertmanager(workdir) as (am, receivers):
        config = write_yaml(
            workdir / "prometheus.yml",
            prometheus_config(f"127.0.0.1:{exporter_port}", am.url.removeprefix("http://")),
        )
        async with prometheus(config, workdir) as prom:
            lead_in = rollout_start_offset(rollout_stuck_readiness)
            cluster = Cluster(clock=aligned_clock(SPEED, lead_in))
            async with new_sim(cluster) as server:
                kubeconfig = write_kubeconfig(workdir / "kubeconfig", server.url, TOKEN)
                credentials = load_credentials(kubeconfig=str(kubeconfig), context=None)
                async with ApiClient(credentials) as client:
                    exporter = Exporter(
                        client,
                        settings=WATCH,
                        clock=lambda: cluster.clock.now().timestamp(),
                        tick_interval=0.5,
                    )
                    settings = Settings(listen_address=f"127.0.0.1:{exporter_port}")
                    async with listening(exporter, settings) as url:
                        tasks = [asyncio.create_task(exporter.run())]
                        tasks += [
                            asyncio.create_task(scenario.run(cluster, namespace=name, speed=SPEED))
                            for name, scenario in PLAYS.items()
                        ]
                        try:
                            yield Stack(prom, am, receivers, url)
                        finally:
                            await _stop(tasks)
