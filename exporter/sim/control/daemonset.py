"""The DaemonSet controller: one pod per node, replaced node by node on a template change.

As the real controller (RollingUpdate with maxSurge 0): a node gets a new pod only once
its old one is gone (a terminating pod still occupies the node); old pods are deleted
while fewer than `maxUnavailable` nodes (rounded up, as DaemonSets do) lack an available
updated pod, unavailable old pods first; and the status counts look at the oldest pod on
each node. Pods carry the template's hash in `controller-revision-hash` (the
ControllerRevision is `<set>-<hash>`) and the template generation in
`pod-template-generation`; either matching makes a pod "updated".

Every node is eligible (no node selectors, taints or node objects are emulated), and
nodes are walked in name order where the real controller's map order is random.
"""

from __future__ import annotations

from datetime import datetime

from exporter.sim import objects
from exporter.sim.clock import parse_time
from exporter.sim.cluster import Cluster
from exporter.sim.control.deployment import resolve
from exporter.sim.control.kubelet import is_ready, request_deletion
from exporter.sim.control.ownership import owned_by
from exporter.sim.resources import JsonObj


def _terminating(pod: JsonObj) -> bool:
    return "deletionTimestamp" in pod["metadata"]


def _oldest_first(pod: JsonObj) -> tuple[float, str]:
    return parse_time(pod["metadata"]["creationTimestamp"]).timestamp(), pod["metadata"]["name"]


def template_generation(ds: JsonObj) -> str:
    annotations = ds["metadata"].get("annotations") or {}
    return str(annotations.get(objects.TEMPLATE_GENERATION, ds["metadata"]["generation"]))


def is_updated(pod: JsonObj, revision_hash: str, generation: str) -> bool:
    """util.IsPodUpdated: the hash label or the template-generation label matches."""
    labels = pod["metadata"].get("labels") or {}
    return (
        labels.get(objects.CONTROLLER_REVISION_HASH) == revision_hash
        or labels.get(objects.POD_TEMPLATE_GENERATION) == generation
    )


class DaemonSetController:
    def __init__(
        self,
        cluster: Cluster,
        namespace: str | None = None,
        nodes: tuple[str, ...] = ("node-a", "node-b", "node-c"),
    ) -> None:
        self._cluster = cluster
        self._namespace = namespace
        self._nodes = tuple(sorted(nodes))
        self._created: dict[str, int] = {}

    def step(self, now: datetime) -> None:
        for ds in self._cluster.list("daemonsets", self._namespace):
            self._sync(ds, now)

    def _pods_by_node(self, ds: JsonObj) -> dict[str, list[JsonObj]]:
        """getNodesToDaemonPods: terminating pods included, oldest first per node."""
        by_node: dict[str, list[JsonObj]] = {}
        for pod in owned_by(ds, self._cluster.list("pods", ds["metadata"]["namespace"])):
            node = pod["spec"].get("nodeName") or objects.required_node(pod)
            if node is not None:
                by_node.setdefault(node, []).append(pod)
        return {node: sorted(pods, key=_oldest_first) for node, pods in by_node.items()}

    def _sync(self, ds: JsonObj, now: datetime) -> None:
        revision_hash = objects.template_hash(ds["spec"]["template"])
        generation = template_generation(ds)
        by_node = self._pods_by_node(ds)
        missing = [node for node in self._nodes if node not in by_node]
        for node in missing:
            self._create(ds, node, revision_hash, generation)
        if not missing and ds["spec"]["updateStrategy"].get("type") == "RollingUpdate":
            self._rolling_update(ds, by_node, revision_hash, generation, now)
        self._write_status(ds, revision_hash, generation)

    def _create(self, ds: JsonObj, node: str, revision_hash: str, generation: str) -> None:
        meta = ds["metadata"]
        count = self._created.get(meta["uid"], 0) + 1
        self._created[meta["uid"]] = count
        seed = f"{meta['uid']}/{count}"
        name = f"{meta['name']}-{objects.suffix(seed)}"
        pod = objects.daemonset_pod(ds, name, node, revision_hash, generation)
        self._cluster.create("pods", pod)

    def _rolling_update(
        self,
        ds: JsonObj,
        by_node: dict[str, list[JsonObj]],
        revision_hash: str,
        generation: str,
        now: datetime,
    ) -> None:
        """rollingUpdate without surge: delete old pods within the unavailability budget."""
        rolling = ds["spec"]["updateStrategy"].get("rollingUpdate") or {}
        budget = resolve(rolling.get("maxUnavailable", 1), len(self._nodes), round_up=True)
        unavailable = 0
        must_replace: list[JsonObj] = []
        candidates: list[JsonObj] = []
        for node in self._nodes:
            live = [p for p in by_node.get(node, []) if not _terminating(p)]
            new = [p for p in live if is_updated(p, revision_hash, generation)]
            old = [p for p in live if not is_updated(p, revision_hash, generation)]
            if len(new) > 1 or len(old) > 1 or bool(new) == bool(old):
                unavailable += 1
            elif new:
                if not is_ready(new[0]):
                    unavailable += 1
            elif not is_ready(old[0]):
                must_replace.append(old[0])
            elif unavailable < budget:
                candidates.append(old[0])
        allowed = max(0, min(budget - unavailable, len(candidates)))
        for pod in must_replace + candidates[:allowed]:
            meta = pod["metadata"]
            self._cluster.mutate(
                "pods", meta["namespace"], meta["name"], lambda p: request_deletion(p, now)
            )

    def _write_status(self, ds: JsonObj, revision_hash: str, generation: str) -> None:
        by_node = self._pods_by_node(ds)
        scheduled = [by_node[node][0] for node in self._nodes if node in by_node]
        ready = sum(1 for pod in scheduled if is_ready(pod))
        status = objects.daemonset_status(
            desired=len(self._nodes),
            current=len(scheduled),
            ready=ready,
            updated=sum(1 for pod in scheduled if is_updated(pod, revision_hash, generation)),
            available=ready,
            observed_generation=ds["metadata"]["generation"],
        )
        if status != ds.get("status"):
            meta = ds["metadata"]
            self._cluster.mutate(
                "daemonsets", meta["namespace"], meta["name"], lambda d: d.update(status=status)
            )
