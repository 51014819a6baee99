"""The ReplicaSet controller: keep `spec.replicas` pods alive and report their status."""

from __future__ import annotations

from datetime import datetime

from exporter.sim import objects
from exporter.sim.clock import parse_time
from exporter.sim.cluster import Cluster
from exporter.sim.control.kubelet import is_ready, request_deletion
from exporter.sim.control.ownership import owned_by
from exporter.sim.resources import JsonObj


def _deletion_rank(pod: JsonObj) -> tuple[int, float, str]:
    """Which pods go first on scale-down: unscheduled, then not running, then unready;
    newest first among equals (the controller's ActivePods ordering, simplified)."""
    status = pod["status"]
    scheduled = bool(pod["spec"].get("nodeName"))
    running = status.get("phase") == "Running"
    state = 0 if not scheduled else 1 if not running else 2 if not is_ready(pod) else 3
    created = parse_time(pod["metadata"]["creationTimestamp"]).timestamp()
    return state, -created, pod["metadata"]["name"]


class ReplicaSetController:
    def __init__(self, cluster: Cluster, namespace: str | None = None) -> None:
        self._cluster = cluster
        self._namespace = namespace
        self._created: dict[str, int] = {}

    def step(self, now: datetime) -> None:
        for rs in self._cluster.list("replicasets", self._namespace):
            self._sync(rs, now)

    def _pods(self, rs: JsonObj) -> list[JsonObj]:
        return owned_by(rs, self._cluster.list("pods", rs["metadata"]["namespace"]))

    def _sync(self, rs: JsonObj, now: datetime) -> None:
        meta = rs["metadata"]
        active = [p for p in self._pods(rs) if "deletionTimestamp" not in p["metadata"]]
        diff = rs["spec"]["replicas"] - len(active)
        for _ in range(diff):
            count = self._created.get(meta["uid"], 0) + 1
            self._created[meta["uid"]] = count
            seed = f"{meta['uid']}/{count}"
            name = f"{meta['name']}-{objects.suffix(seed)}"
            pod = objects.pod(name, meta["namespace"], rs["spec"]["template"], owner=rs)
            self._cluster.create("pods", pod)
        for victim in sorted(active, key=_deletion_rank)[: max(0, -diff)]:
            self._cluster.mutate(
                "pods",
                victim["metadata"]["namespace"],
                victim["metadata"]["name"],
                lambda p: request_deletion(p, now),
            )
        active = [p for p in self._pods(rs) if "deletionTimestamp" not in p["metadata"]]
        ready = sum(1 for p in active if is_ready(p))
        status = objects.replicaset_status(
            observed_generation=meta["generation"],
            replicas=len(active),
            ready=ready,
            available=ready,
        )
        if status != rs["status"]:
            self._cluster.mutate(
                "replicasets", meta["namespace"], meta["name"], lambda r: r.update(status=status)
            )
