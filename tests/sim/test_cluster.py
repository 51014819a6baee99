"""Cluster: the store's bookkeeping that every API answer depends on."""

from __future__ import annotations

import pytest

from exporter.sim import objects
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster, CompactedError, ConflictError

from .builders import make_pod


def _deployment(name: str = "web") -> dict[str, object]:
    template = objects.pod_template({"app": name}, [objects.container(name, "web:1")])
    return objects.deployment(name, "shop", template)


def test_create_fills_server_side_metadata(clock: ManualClock) -> None:
    cluster = Cluster(clock=clock)
    created = cluster.create("deployments", _deployment())
    assert created["kind"] == "Deployment"
    assert created["apiVersion"] == "apps/v1"
    meta = created["metadata"]
    assert meta["creationTimestamp"] == "2024-01-01T00:00:00Z"
    assert meta["generation"] == 1
    assert meta["resourceVersion"] == str(cluster.resource_version)


def test_uids_are_deterministic_and_differ_on_recreation() -> None:
    first, second = Cluster(clock=ManualClock()), Cluster(clock=ManualClock())
    uid = first.create("pods", make_pod("p"))["metadata"]["uid"]
    assert second.create("pods", make_pod("p"))["metadata"]["uid"] == uid
    first.delete("pods", "default", "p")
    assert first.create("pods", make_pod("p"))["metadata"]["uid"] != uid


def test_generation_moves_only_when_spec_changes(cluster: Cluster) -> None:
    cluster.create("deployments", _deployment())
    status_only = cluster.mutate(
        "deployments", "shop", "web", lambda d: d.update(status={"replicas": 1})
    )
    spec_change = cluster.mutate(
        "deployments", "shop", "web", lambda d: d["spec"].update(replicas=5)
    )
    assert (status_only["metadata"]["generation"], spec_change["metadata"]["generation"]) == (1, 2)


def test_update_with_stale_resource_version_conflicts(cluster: Cluster) -> None:
    stale = cluster.create("pods", make_pod("p"))
    cluster.mutate("pods", "default", "p", lambda p: p["status"].update(phase="Running"))
    with pytest.raises(ConflictError):
        cluster.update("pods", stale)


def test_truth_maps_keys_to_resource_versions(cluster: Cluster) -> None:
    a = cluster.create("pods", make_pod("a", "ns1"))
    b = cluster.create("pods", make_pod("b", "ns2"))
    assert cluster.truth("pods") == {
        "ns1/a": a["metadata"]["resourceVersion"],
        "ns2/b": b["metadata"]["resourceVersion"],
    }


def test_history_is_bounded_and_older_rvs_are_compacted() -> None:
    cluster = Cluster(clock=ManualClock(), history_size=3)
    start = cluster.resource_version
    for name in "abcde":
        cluster.create("pods", make_pod(name))
    assert cluster.floor == start + 2
    with pytest.raises(CompactedError):
        cluster.events_since("pods", start + 1)
    assert [e.key for e in cluster.events_since("pods", start + 2)] == [
        "default/c",
        "default/d",
        "default/e",
    ]


def test_snapshot_shows_the_past(cluster: Cluster) -> None:
    cluster.create("pods", make_pod("a"))
    then = cluster.resource_version
    cluster.delete("pods", "default", "a")
    cluster.create("pods", make_pod("b"))
    assert [key for key, _ in cluster.snapshot("pods", then)] == ["default/a"]


@pytest.mark.parametrize("rv_reset", [False, True])
def test_restart_clears_history(cluster: Cluster, rv_reset: bool) -> None:
    for name in "abc":
        cluster.create("pods", make_pod(name))
    cluster.mutate("pods", "default", "a", lambda p: p["status"].update(phase="Running"))
    before = cluster.resource_version
    cluster.restart(rv_reset=rv_reset)
    assert cluster.floor == cluster.resource_version
    assert (cluster.resource_version < before) is rv_reset
    assert sorted(int(rv) for rv in cluster.truth("pods").values())[-1] == cluster.resource_version
