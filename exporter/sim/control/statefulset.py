"""The StatefulSet controller: ordered pods, and rolling updates from the highest ordinal.

It follows the real controller's OrderedReady rules: pod `<set>-<i>` is created only when
every lower ordinal is Running and Ready, nothing proceeds while a pod terminates, and a
RollingUpdate deletes the highest-ordinal pod not at the update revision once all pods
are healthy, waiting for its replacement to be Ready before the next. Revisions are
named `<set>-<hash>` (ControllerRevision names), pods carry theirs in
`controller-revision-hash`, and `currentRevision` becomes `updateRevision` only when
every pod is updated and Ready (completeRollingUpdate).

ControllerRevision objects are kept in the controller's memory: the simulator does not
serve that kind, and clients read revisions from the StatefulSet and its pods.
"""

from __future__ import annotations

from datetime import datetime

from exporter.sim import objects
from exporter.sim.cluster import Cluster, clone
from exporter.sim.control.kubelet import is_ready, request_deletion
from exporter.sim.control.ownership import owned_by
from exporter.sim.resources import JsonObj


def ordinal_of(pod: JsonObj) -> int:
    return int(pod["metadata"]["name"].rsplit("-", 1)[1])


def revision_of(pod: JsonObj) -> str:
    return str((pod["metadata"].get("labels") or {}).get(objects.CONTROLLER_REVISION_HASH, ""))


def _terminating(pod: JsonObj) -> bool:
    return "deletionTimestamp" in pod["metadata"]


def running_and_ready(pod: JsonObj) -> bool:
    return pod["status"].get("phase") == "Running" and is_ready(pod)


def _healthy(pod: JsonObj) -> bool:
    return running_and_ready(pod) and not _terminating(pod)


def _partition(sts: JsonObj) -> int:
    rolling = (sts["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}
    partition: int = rolling.get("partition", 0)
    return partition


class StatefulSetController:
    def __init__(self, cluster: Cluster, namespace: str | None = None) -> None:
        self._cluster = cluster
        self._namespace = namespace
        self._revisions: dict[str, dict[str, JsonObj]] = {}
        """Per StatefulSet uid: ControllerRevision name → the pod template it holds."""

    def step(self, now: datetime) -> None:
        for sts in self._cluster.list("statefulsets", self._namespace):
            self._sync(sts, now)

    def _pods(self, sts: JsonObj) -> dict[int, JsonObj]:
        owned = owned_by(sts, self._cluster.list("pods", sts["metadata"]["namespace"]))
        return {ordinal_of(pod): pod for pod in owned}

    def _sync(self, sts: JsonObj, now: datetime) -> None:
        meta = sts["metadata"]
        update = objects.controller_revision_hash(meta["name"], sts["spec"]["template"])
        revisions = self._revisions.setdefault(meta["uid"], {})
        revisions.setdefault(update, clone(sts["spec"]["template"]))
        current = (sts.get("status") or {}).get("currentRevision") or update
        if current not in revisions:
            current = update
        self._update_replicas(sts, now, current, update)
        self._write_status(sts, current, update)

    def _update_replicas(self, sts: JsonObj, now: datetime, current: str, update: str) -> None:
        """One pass of updateStatefulSet; returns after the first step it must wait on."""
        replicas = sts["spec"]["replicas"]
        partition = _partition(sts)
        pods = self._pods(sts)
        for ordinal in range(replicas):
            pod = pods.get(ordinal)
            if pod is None:
                revision = current if ordinal < partition else update
                template = self._revisions[sts["metadata"]["uid"]][revision]
                created = objects.statefulset_pod(sts, template, ordinal, revision)
                self._cluster.create("pods", created)
                return
            if _terminating(pod) or not running_and_ready(pod):
                return
        for ordinal in sorted((o for o in pods if o >= replicas), reverse=True):
            if _terminating(pods[ordinal]):
                return
            self._delete(pods[ordinal], now)
            return
        for target in range(replicas - 1, partition - 1, -1):
            pod = pods[target]
            if revision_of(pod) != update and not _terminating(pod):
                self._delete(pod, now)
                return
            if not _healthy(pod):
                return

    def _delete(self, pod: JsonObj, now: datetime) -> None:
        meta = pod["metadata"]
        self._cluster.mutate(
            "pods", meta["namespace"], meta["name"], lambda p: request_deletion(p, now)
        )

    def _write_status(self, sts: JsonObj, current: str, update: str) -> None:
        pods = list(self._pods(sts).values())
        live = [p for p in pods if not _terminating(p)]
        ready = sum(1 for p in pods if running_and_ready(p))
        current_count = sum(1 for p in live if revision_of(p) == current)
        updated = sum(1 for p in live if revision_of(p) == update)
        if updated == len(pods) and ready == len(pods):
            current, current_count = update, updated
        status = objects.statefulset_status(
            observed_generation=sts["metadata"]["generation"],
            replicas=len(pods),
            ready=ready,
            current=current_count,
            updated=updated,
            available=ready,
            current_revision=current,
            update_revision=update,
        )
        if status != sts.get("status"):
            meta = sts["metadata"]
            self._cluster.mutate(
                "statefulsets", meta["namespace"], meta["name"], lambda s: s.update(status=status)
            )
