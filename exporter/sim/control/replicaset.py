"""The ReplicaSet controller: keep `spec.replicas` pods alive and report their status.

When the API server refuses a pod (a ResourceQuota), the controller does what the real
one does: a `FailedCreate` Warning Event "Error creating: <error>" on the ReplicaSet, a
`ReplicaFailure` condition holding the first error, and retries on the work queue's
exponential back-off (5 ms doubling, capped at 1000 s). Each retry asks for a new
generated name, so the messages differ and the event correlator soon combines them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from exporter.sim import objects
from exporter.sim.clock import parse_time
from exporter.sim.cluster import Cluster
from exporter.sim.control.kubelet import is_ready, request_deletion
from exporter.sim.control.ownership import owned_by
from exporter.sim.control.recorder import EventRecorder
from exporter.sim.resources import JsonObj

Admission = Callable[[JsonObj], str | None]
"""Asked before each pod creation; returns the API server's refusal, or None."""

COMPONENT = "replicaset-controller"


def _deletion_rank(pod: JsonObj) -> tuple[int, float, str]:
    """Which pods go first on scale-down: unscheduled, then not running, then unready;
    newest first among equals (the controller's ActivePods ordering, simplified)."""
    status = pod["status"]
    scheduled = bool(pod["spec"].get("nodeName"))
    running = status.get("phase") == "Running"
    state = 0 if not scheduled else 1 if not running else 2 if not is_ready(pod) else 3
    created = parse_time(pod["metadata"]["creationTimestamp"]).timestamp()
    return state, -created, pod["metadata"]["name"]


def requeue_delay(failures: int) -> float:
    """workqueue.DefaultControllerRateLimiter's per-item back-off after `failures`."""
    return float(min(0.005 * 2 ** (failures - 1), 1000.0))


class ReplicaSetController:
    def __init__(
        self,
        cluster: Cluster,
        namespace: str | None = None,
        *,
        events: EventRecorder | None = None,
        admit: Admission = lambda pod: None,
    ) -> None:
        self._cluster = cluster
        self._namespace = namespace
        self._events = events or EventRecorder(cluster)
        self._admit = admit
        self._created: dict[str, int] = {}
        self._failing: dict[str, tuple[int, datetime, str]] = {}
        """Per ReplicaSet uid: failed syncs in a row, the next retry, the last error."""

    def step(self, now: datetime) -> None:
        for rs in self._cluster.list("replicasets", self._namespace):
            self._sync(rs, now)

    def _pods(self, rs: JsonObj) -> list[JsonObj]:
        return owned_by(rs, self._cluster.list("pods", rs["metadata"]["namespace"]))

    def _sync(self, rs: JsonObj, now: datetime) -> None:
        meta = rs["metadata"]
        failing = self._failing.get(meta["uid"])
        if failing is not None and now < failing[1]:
            return
        active = [p for p in self._pods(rs) if "deletionTimestamp" not in p["metadata"]]
        diff = rs["spec"]["replicas"] - len(active)
        error = self._create(rs, diff) if diff > 0 else None
        if error is None:
            self._failing.pop(meta["uid"], None)
        else:
            failures = 1 if failing is None else failing[0] + 1
            retry = now + timedelta(seconds=requeue_delay(failures))
            self._failing[meta["uid"]] = (failures, retry, error)
            self._events.record(
                rs, reason="FailedCreate", message=f"Error creating: {error}", component=COMPONENT
            )
        for victim in sorted(active, key=_deletion_rank)[: max(0, -diff)]:
            self._cluster.mutate(
                "pods",
                victim["metadata"]["namespace"],
                victim["metadata"]["name"],
                lambda p: request_deletion(p, now),
            )
        self._write_status(rs, now, error, diff)

    def _create(self, rs: JsonObj, count: int) -> str | None:
        """Create `count` pods, stopping at the first refusal (the slow-start batch of one
        that fails skips the rest); returns that refusal."""
        meta = rs["metadata"]
        for _ in range(count):
            created = self._created.get(meta["uid"], 0) + 1
            self._created[meta["uid"]] = created
            seed = f"{meta['uid']}/{created}"
            name = f"{meta['name']}-{objects.suffix(seed)}"
            pod = objects.pod(name, meta["namespace"], rs["spec"]["template"], owner=rs)
            error = self._admit(pod)
            if error is not None:
                return error
            self._cluster.create("pods", pod)
        return None

    def _write_status(self, rs: JsonObj, now: datetime, error: str | None, diff: int) -> None:
        """ReplicaFailure is added with the first error and kept until a sync succeeds."""
        meta = rs["metadata"]
        active = [p for p in self._pods(rs) if "deletionTimestamp" not in p["metadata"]]
        ready = sum(1 for p in active if is_ready(p))
        conditions = list(rs["status"].get("conditions", []))
        has_failure = any(c["type"] == "ReplicaFailure" for c in conditions)
        if error is not None and not has_failure:
            reason = "FailedCreate" if diff > 0 else "FailedDelete"
            conditions.append(
                objects.replicaset_condition("ReplicaFailure", "True", now, reason, error)
            )
        elif error is None and has_failure:
            conditions = [c for c in conditions if c["type"] != "ReplicaFailure"]
        status = objects.replicaset_status(
            observed_generation=meta["generation"],
            replicas=len(active),
            ready=ready,
            available=ready,
            conditions=conditions,
        )
        if status != rs["status"]:
            self._cluster.mutate(
                "replicasets", meta["namespace"], meta["name"], lambda r: r.update(status=status)
            )
