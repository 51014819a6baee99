"""`rollout-exporter replay FILE`: a captured access log attributed against a cluster."""

from __future__ import annotations

from pathlib import Path

from exporter.app import replay_file
from exporter.settings import Settings
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.kubeconfig import write_kubeconfig
from exporter.sim.scenarios import SCENARIOS
from exporter.sim.scenarios.ingress_traffic import CONTROLLER_CONTAINER, CONTROLLER_NAMESPACE
from tests.harness import TOKEN, new_sim


async def test_replay_prints_the_attributed_counters(tmp_path: Path) -> None:
    cluster = Cluster(clock=ManualClock(), history_size=20_000)
    SCENARIOS["ingress_502_rollout"].start(cluster, namespace="shop").run_to_end()
    (controller,) = cluster.list("pods", CONTROLLER_NAMESPACE)
    log = cluster.logs.log(
        CONTROLLER_NAMESPACE, controller["metadata"]["name"], CONTROLLER_CONTAINER
    )
    capture = tmp_path / "access.log"
    capture.write_text("".join(line.text + "\n" for line in log.lines()))
    async with new_sim(cluster) as server:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server.url, TOKEN)
        text = (await replay_file(Settings(kubeconfig=str(kubeconfig)), str(capture))).decode()
    assert "# TYPE rollout_ingress_requests_total counter" in text
    refused = [
        line
        for line in text.splitlines()
        if line.startswith("rollout_ingress_5xx_total") and 'cause="refused"' in line
    ]
    assert refused, text
    # Replayed after the fact, the old Pods are gone from the cluster the exporter lists:
    # their requests are still attributed to the workload, through the upstream's Service.
    assert 'namespace="shop",workload_kind="Deployment",workload="web"' in text
