"""Every panel returns data from a real Prometheus scraping the exporter during scenarios.

The simulated API server plays a few scenarios at once, each in its own namespace with a
Deployment `web` (a rollout that completes, one stuck on readiness, an OOM loop, a
selector that stops matching, a paused rollout, a rollout that costs 502s behind
ingress-nginx); the exporter watches it and follows the controller's log; Debian's
Prometheus scrapes the exporter every second and evaluates the rules of rules/ (the
ingress time series read their recording rules, which the chart installs with the
dashboards). Afterwards every query of the committed
dashboards is run the way Grafana runs it — range queries over the run for time series
and annotations, instant queries at its end for tables and variables — once per
scenario namespace with `$workload` = web, and a panel passes when at least one
scenario gives it a series.

Scenario time runs SPEED times faster than the wall clock, so "running for" values are
off by that factor (even negative: the simulated clock is ahead of Prometheus' time());
this test checks that queries find their series and joins match, not durations —
except that the ingress 5xx panels must show the scenario's 5xx, which rate() alone
would draw as 0 (test_ingress_5xx_panels_show_the_burst).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from exporter.loopback.configs import prometheus_config, rule_files, scrape_job, write_yaml
from exporter.loopback.daemons import Daemon, QueryError, prometheus
from exporter.settings import Settings
from exporter.sim.clock import ScaledClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import SCENARIOS
from exporter.sim.scenarios.ingress_traffic import CONTROLLER_NAMESPACE
from tests.dashboards.queries import Query, queries, variables
from tests.harness import eventually, new_sim, running_exporter

SPEED = 30.0
"""Simulated seconds per real second: the OOM loop (~400 simulated s) takes ~14 s."""
PLAYED = (
    "rollout_completes",
    "rollout_stuck_readiness",
    "oom_loop",
    "selector_label_rename",
    "paused_deployment",
    "ingress_502_rollout",
)
INGRESS_SCENARIO = "ingress_502_rollout"
WORKLOAD = "web"
"""Every scenario's Deployment."""
JOB = "rollout-exporter"
SCRAPE = 1.0
RATE_INTERVAL = "4s"
"""What Grafana computes for a 1 s scrape interval: max(step + scrape, 4 x scrape)."""


def namespace_of(scenario: str) -> str:
    return scenario.replace("_", "-")


@dataclass
class Run:
    """What each query returned: the namespaces in which it found at least one series,
    and those in which some sample was above 0."""

    found: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    positive: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def empty(self) -> set[tuple[str, str]]:
        return {key for key, namespaces in self.found.items() if not namespaces}


async def wait_until_scraping(daemon: Daemon, *, within: float = 30.0) -> None:
    """Until Prometheus has scraped the exporter successfully once."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        with contextlib.suppress(aiohttp.ClientError, QueryError):
            if await daemon.query(f'up{{job="{JOB}"}} == 1'):
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"Prometheus did not scrape its target within {within:g}s")


async def play_and_query(workdir: Path) -> Run:
    cluster = Cluster(clock=ScaledClock(SPEED, datetime.now(UTC)))
    async with (
        new_sim(cluster) as server,
        running_exporter(
            server,
            workdir,
            clock=lambda: cluster.clock.now().timestamp(),
            log_settings=Settings(logs_namespace=CONTROLLER_NAMESPACE),
        ) as exporter,
    ):
        await eventually(lambda: exporter.exporter.rollouts.synced, what="exporter synced")
        target = exporter.url.removeprefix("http://")
        config = prometheus_config(
            [scrape_job(JOB, [target])], interval=f"{SCRAPE:g}s", rule_files=rule_files()
        )
        config_file = await asyncio.to_thread(write_yaml, workdir / "prometheus.yml", config)
        # Its log, workdir/prometheus.log, is in the message if it fails to start.
        async with prometheus(config_file, workdir) as daemon:
            await wait_until_scraping(daemon)
            start = time.time()
            await asyncio.gather(
                *(
                    SCENARIOS[name].run(cluster, namespace=namespace_of(name), speed=SPEED)
                    for name in PLAYED
                )
            )
            await asyncio.sleep(4 * SCRAPE)  # scrapes of the final state
            end = time.time()
            return await run_queries(daemon, start=start, end=end)


async def run_queries(prometheus: Daemon, *, start: float, end: float) -> Run:
    run = Run()
    for query in queries():
        key = key_of(query)
        run.found.setdefault(key, set())
        run.positive.setdefault(key, set())
        for scenario in PLAYED:
            namespace = namespace_of(scenario)
            expr = query.substituted(
                variables(
                    namespace,
                    WORKLOAD,
                    rate_interval=RATE_INTERVAL,
                    interval=f"{SCRAPE:g}s",
                    time_range=f"{round(end - start)}s",
                )
            )
            try:
                if query.instant:
                    series = await prometheus.query(expr, at=end)
                else:
                    series = await prometheus.query_range(expr, start=start, end=end, step=SCRAPE)
            except QueryError as error:
                run.errors.append(f"{query.file}: {query.label}: {error}")
                continue
            if series:
                run.found[key].add(namespace)
            if any(float(value) > 0 for value in sample_values(series)):
                run.positive[key].add(namespace)
    return run


def key_of(query: Query) -> tuple[str, str]:
    return (query.dashboard, query.label)


def sample_values(series: list[dict[str, Any]]) -> Iterator[str]:
    """The values of an instant (`value`) or range (`values`) query's series."""
    for one in series:
        if "value" in one:
            yield one["value"][1]
        for _, value in one.get("values", []):
            yield value


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return asyncio.run(play_and_query(tmp_path_factory.mktemp("dashboards-e2e")))


def test_prometheus_accepts_every_query(run: Run) -> None:
    assert run.errors == []


def test_every_panel_returns_data_in_some_scenario(run: Run) -> None:
    empty = sorted(run.empty())
    listing = "\n".join(f"  {dashboard}: {panel}" for dashboard, panel in empty)
    assert not empty, f"{len(empty)} panel queries returned no series:\n{listing}"


def test_ingress_5xx_panels_show_the_burst(run: Run) -> None:
    """The ingress scenario's rollout costs 5xx, each cause and Pod state counted in a
    series of its own that the exporter creates with the 5xx it has read and that does
    not grow afterwards: rate() never sees a series' first sample, so it would draw 0
    for exactly those 5xx. The 5xx time series read the recording rules, which count
    such a series from 0; the table over the time range uses grew(). Every query over
    the 5xx counter or its rules shows a value above 0 for the scenario."""
    namespace = namespace_of(INGRESS_SCENARIO)
    ingress = [key_of(q) for q in queries() if "rollout_ingress_5xx" in q.expr]
    assert len(ingress) >= 6
    flat = sorted(key for key in ingress if namespace not in run.positive[key])
    listing = "\n".join(f"  {dashboard}: {panel}" for dashboard, panel in flat)
    assert not flat, f"{len(flat)} ingress 5xx queries showed no 5xx in {namespace}:\n{listing}"
