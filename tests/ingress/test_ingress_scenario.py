"""The ingress_502_rollout story end to end: simulator → API log stream → attribution.

The exporter follows the ingress-nginx controller's Pod log through the simulated API
server's log endpoint while the scenario is stepped on a manual clock; after each step
the test waits until the exporter's index equals the server's truth and every log line
written so far was consumed, then checks the attributed counters.
"""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from exporter.app import Exporter
from exporter.settings import Settings
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import SCENARIOS
from exporter.sim.scenarios.ingress_traffic import CONTROLLER_CONTAINER, CONTROLLER_NAMESPACE
from tests.harness import eventually, index_matches, new_sim, running_exporter
from tests.rollout.test_golden import PLURALS, scrape

NS = "shop"


def written_lines(cluster: Cluster) -> int:
    total = 0
    for pod in cluster.list("pods", CONTROLLER_NAMESPACE):
        log = cluster.logs.log(CONTROLLER_NAMESPACE, pod["metadata"]["name"], CONTROLLER_CONTAINER)
        total += len(log.lines())
    return total


def consumed_lines(exporter: Exporter) -> int:
    source = exporter.ingress.sources.get("kubernetes")
    return source.lines if source is not None else 0


def five_xx(exposition: str) -> dict[tuple[str, str, str, str], float]:
    found: dict[tuple[str, str, str, str], float] = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if s.name == "rollout_ingress_5xx_total" and s.labels["namespace"] == NS:
                key = (
                    s.labels["revision"],
                    s.labels["pod_state"],
                    s.labels["cause"],
                    s.labels["during_rollout"],
                )
                found[key] = found.get(key, 0) + s.value
    return found


def requests_by_revision(exposition: str, status: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        for s in family.samples:
            if (
                s.name == "rollout_ingress_requests_total"
                and s.labels["namespace"] == NS
                and s.labels["status"] == status
            ):
                found[s.labels["revision"]] = s.value
    return found


async def test_ingress_502_rollout_is_attributed(tmp_path: Path) -> None:
    clock = ManualClock()
    cluster = Cluster(clock=clock, history_size=20_000)
    async with (
        new_sim(cluster) as server,
        running_exporter(
            server,
            tmp_path,
            clock=lambda: clock.now().timestamp(),
            log_settings=Settings(logs_namespace=CONTROLLER_NAMESPACE),
        ) as running,
    ):
        exporter = running.exporter
        await eventually(lambda: exporter.rollouts.synced)
        run = SCENARIOS["ingress_502_rollout"].start(cluster, namespace=NS)
        seen: dict[str, str] = {}
        revisions: dict[str, str] = {}
        while (reached := run.step()) is not None:
            await eventually(lambda: index_matches(exporter, cluster, PLURALS), what="index")
            await eventually(
                lambda: consumed_lines(exporter) >= written_lines(cluster),
                what="log lines consumed",
            )
            if reached.name != "tick":
                seen[reached.name] = await scrape(running)
                deployment = cluster.get("deployments", NS, "web")
                assert deployment is not None
                revisions[reached.name] = deployment["metadata"]["annotations"][
                    "deployment.kubernetes.io/revision"
                ]
    final = five_xx(seen["reused-ip-serving"])
    terminating = [
        k
        for k, v in final.items()
        if k[1] == "terminating" and k[2] == "refused" and k[3] == "true" and v > 0
    ]
    assert terminating, f"no refused 5xx from terminating pods: {final}"
    old = requests_by_revision(seen["steady-for-a-while"], "2xx")
    assert {k[0] for k in terminating} <= set(old), "attributed to the old revision"
    assert sum(v for k, v in final.items() if k[2] == "app" and k[3] == "false") == 1
    assert any(k[2] == "no_endpoints" for k in final), final
    before, after = (
        requests_by_revision(seen[name], "2xx") for name in ("ip-reused", "reused-ip-serving")
    )
    for revision in old:
        assert after.get(revision, 0) == before.get(revision, 0), (
            "a reused IP's requests went to the old revision"
        )
