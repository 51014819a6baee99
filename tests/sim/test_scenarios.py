"""Scenarios: what the emulated control plane writes, checkpoint by checkpoint."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from exporter.sim import objects
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import (
    SCENARIOS,
    create_fleet,
    oom_loop,
    rollout_completes,
    rollout_stuck_readiness,
    selector_label_rename,
)

from .wire import Api

NS = "shop"


def condition(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(c for c in obj["status"]["conditions"] if c["type"] == kind)


CHECKPOINTS: dict[str, list[str]] = {
    "rollout_completes": ["steady", "steady-for-a-while", "spec-updated", "rolled-out"],
    "rollout_stuck_readiness": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "readiness-failing",
        "deadline-exceeded",
    ],
    "oom_loop": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "first-oom-kill",
        "crash-looping",
        "deadline-exceeded",
    ],
    "selector_label_rename": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "rolled-out",
        "endpoints-empty",
    ],
    "rollout_stuck_readiness_series": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "readiness-failing",
        "deadline-exceeded",
        "series-refreshed",
    ],
    "rollback": ["steady", "spec-updated", "rolled-out", "rollback-started", "rolled-back"],
    "paused_deployment": [
        "steady",
        "spec-updated",
        "mid-rollout",
        "paused",
        "still-paused",
        "resumed",
        "rolled-out",
    ],
    "scale_only": ["steady", "scaling", "scaled"],
    "statefulset_rollout": ["steady", "spec-updated", "updating", "rolled-out"],
    "daemonset_rollout": ["steady", "spec-updated", "updating", "rolled-out"],
    "image_pull_failure": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "image-pull-failing",
        "image-pull-backoff",
        "deadline-exceeded",
    ],
    "missing_configmap": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "config-error",
        "deadline-exceeded",
        "configmap-created",
        "rolled-out",
    ],
    "unschedulable": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "unschedulable",
        "deadline-exceeded",
    ],
    "quota_exceeded": [
        "steady",
        "steady-for-a-while",
        "spec-updated",
        "create-failing",
        "deadline-exceeded",
    ],
    "ingress_502_rollout": [
        "steady",
        "steady-for-a-while",
        "rollout-started",
        "old-pods-terminating",
        "rolled-out",
        "ip-reused",
        "reused-ip-serving",
    ],
}
"""The named checkpoints of every scenario, in order."""


@pytest.mark.parametrize(("name", "checkpoints"), CHECKPOINTS.items(), ids=list(CHECKPOINTS))
def test_scenarios_pass_their_checkpoints_in_order(name: str, checkpoints: list[str]) -> None:
    cluster = Cluster(clock=ManualClock())
    assert SCENARIOS[name].start(cluster, namespace=NS).run_to_end() == checkpoints


def test_every_registered_scenario_has_its_checkpoints_listed_here() -> None:
    assert set(CHECKPOINTS) == set(SCENARIOS)


def test_completed_rollout_looks_like_kubectl_rollout_status_done() -> None:
    cluster = Cluster(clock=ManualClock())
    rollout_completes.start(cluster, namespace=NS).run_to_end()
    deployment = cluster.get("deployments", NS, "web")
    assert deployment is not None
    new_rs = f"web-{objects.template_hash(deployment['spec']['template'])}"
    assert deployment["metadata"]["annotations"][objects.REVISION] == "2"
    assert deployment["status"]["observedGeneration"] == 2
    assert condition(deployment, "Progressing")["reason"] == "NewReplicaSetAvailable"
    replicasets = {rs["metadata"]["name"]: rs for rs in cluster.list("replicasets", NS)}
    assert replicasets[new_rs]["spec"]["replicas"] == 3
    assert [rs["spec"]["replicas"] for name, rs in replicasets.items() if name != new_rs] == [0]
    pods = cluster.list("pods", NS)
    assert {p["metadata"]["labels"]["pod-template-hash"] for p in pods} == {new_rs[4:]}
    assert all(p["metadata"]["ownerReferences"][0]["name"] == new_rs for p in pods)


def test_mid_rollout_checkpoint_shows_surge_and_stale_observed_generation() -> None:
    cluster = Cluster(clock=ManualClock())
    run = rollout_completes.start(cluster, namespace=NS)
    run.run_until("spec-updated")
    deployment = cluster.get("deployments", NS, "web")
    assert deployment is not None
    assert (deployment["metadata"]["generation"], deployment["status"]["observedGeneration"]) == (
        2,
        1,
    )
    run.step()
    deployment = cluster.get("deployments", NS, "web")
    assert deployment is not None
    assert condition(deployment, "Progressing")["reason"] == "NewReplicaSetCreated"
    assert sum(rs["spec"]["replicas"] for rs in cluster.list("replicasets", NS)) == 4


def test_stuck_rollout_has_growing_unhealthy_events_and_exceeds_its_deadline() -> None:
    cluster = Cluster(clock=ManualClock())
    run = rollout_stuck_readiness.start(cluster, namespace=NS)
    run.run_until("readiness-failing")
    first = [e for e in cluster.list("events", NS) if e["reason"] == "Unhealthy"]
    run.run_to_end()
    last = [e for e in cluster.list("events", NS) if e["reason"] == "Unhealthy"]
    assert len(first) == len(last) == 1
    assert last[0]["count"] > first[0]["count"] >= 3
    assert last[0]["message"] == "Readiness probe failed: HTTP probe failed with statuscode: 503"
    assert last[0]["involvedObject"]["fieldPath"] == "spec.containers{web}"
    assert (last[0]["type"], last[0]["source"]["component"]) == ("Warning", "kubelet")
    deployment = cluster.get("deployments", NS, "web")
    assert deployment is not None
    progressing = condition(deployment, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    stuck = [
        p
        for p in cluster.list("pods", NS)
        if p["status"]["containerStatuses"][0]["image"].endswith("1.1")
    ]
    assert [p["status"]["phase"] for p in stuck] == ["Running"]
    assert stuck[0]["status"]["containerStatuses"][0]["ready"] is False


def test_oom_loop_shows_oomkilled_last_state_and_crash_loop_back_off() -> None:
    cluster = Cluster(clock=ManualClock())
    oom_loop.start(cluster, namespace=NS).run_until("crash-looping")
    looping = [
        cs
        for p in cluster.list("pods", NS)
        for cs in p["status"]["containerStatuses"]
        if cs["restartCount"] >= 3
    ]
    assert looping
    terminated = looping[0]["lastState"]["terminated"]
    assert (terminated["reason"], terminated["exitCode"]) == ("OOMKilled", 137)
    assert terminated["containerID"].startswith("containerd://")
    waiting = [cs["state"].get("waiting", {}).get("reason") for cs in looping]
    assert "CrashLoopBackOff" in waiting


def test_label_rename_empties_the_endpointslice_after_a_successful_rollout() -> None:
    cluster = Cluster(clock=ManualClock())
    run = selector_label_rename.start(cluster, namespace=NS)
    run.run_until("steady")
    [steady] = cluster.list("endpointslices", NS)
    assert len(steady["endpoints"]) == 3
    assert steady["metadata"]["labels"][objects.SERVICE_NAME_LABEL] == "web"
    run.run_to_end()
    [emptied] = cluster.list("endpointslices", NS)
    assert emptied["endpoints"] is None


async def test_scenario_plays_over_http_at_speed_100(cluster: Cluster, api: Api) -> None:
    watching = asyncio.create_task(
        api.watch(f"/apis/apps/v1/namespaces/{NS}/deployments", timeoutSeconds="2", give_up_after=6)
    )
    started = time.monotonic()
    await rollout_completes.run(cluster, namespace=NS, speed=100)
    assert time.monotonic() - started < 5
    watched = await watching
    final = watched.events[-1]["object"]
    assert condition(final, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert final["status"]["observedGeneration"] == 2


async def test_fleet_lists_in_pages(cluster: Cluster, api: Api) -> None:
    create_fleet(cluster, deployments=20, pods_per_deployment=5, namespaces=2)
    names: list[str] = []
    token = ""
    while True:
        params = {"limit": "30", **({"continue": token} if token else {})}
        page = (await api.get("/api/v1/pods", **params)).body
        names += [p["metadata"]["name"] for p in page["items"]]
        token = page["metadata"].get("continue", "")
        if not token:
            break
    assert len(names) == len(set(names)) == 100
    ready = [
        s
        for s in cluster.list("endpointslices")
        if all(e["conditions"]["ready"] for e in s["endpoints"])
    ]
    assert len(ready) == 20
