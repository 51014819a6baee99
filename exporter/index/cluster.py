"""The per-kind stores of one exporter, and the owner chain across them.

Owner lookups go through each store's UID index, so resolving Pod → ReplicaSet →
Deployment is two dict lookups, whatever the cluster size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exporter.index.store import Store
from exporter.model.event import Event
from exporter.model.pod import Pod
from exporter.model.service import EndpointSlice, Service
from exporter.model.workloads import DaemonSet, Deployment, ReplicaSet, StatefulSet

POD_TEMPLATE_HASH = "pod-template-hash"
"""Label the Deployment controller puts on a ReplicaSet and its Pods."""
CONTROLLER_REVISION_HASH = "controller-revision-hash"
"""Label StatefulSet/DaemonSet controllers put on Pods: the ControllerRevision's hash."""


@dataclass(frozen=True, slots=True)
class WorkloadRef:
    """The workload a Pod belongs to, and which revision of its template it runs."""

    kind: str
    namespace: str
    name: str
    revision: str


class ClusterIndex:
    """One store per watched kind."""

    def __init__(self) -> None:
        self.pods: Store[Pod] = Store("pods")
        self.replicasets: Store[ReplicaSet] = Store("replicasets")
        self.deployments: Store[Deployment] = Store("deployments")
        self.statefulsets: Store[StatefulSet] = Store("statefulsets")
        self.daemonsets: Store[DaemonSet] = Store("daemonsets")
        self.services: Store[Service] = Store("services")
        self.endpointslices: Store[EndpointSlice] = Store("endpointslices")
        self.events: Store[Event] = Store("events")

    def by_plural(self) -> dict[str, Store[Any]]:
        """Stores by resource plural, as reflectors address them."""
        return {
            "pods": self.pods,
            "replicasets": self.replicasets,
            "deployments": self.deployments,
            "statefulsets": self.statefulsets,
            "daemonsets": self.daemonsets,
            "services": self.services,
            "endpointslices": self.endpointslices,
            "events": self.events,
        }

    def pod_workload(self, pod: Pod) -> WorkloadRef | None:
        """Resolve a Pod to its Deployment, StatefulSet or DaemonSet, if it has one.

        A Pod whose ReplicaSet is not (yet) in the index, or whose ReplicaSet is not
        owned by a Deployment, resolves to None rather than to a guess from its name.
        """
        meta = pod.metadata
        owner = meta.controller_ref()
        if owner is None:
            return None
        if owner.kind == "ReplicaSet":
            replicaset = self.replicasets.by_uid(owner.uid) or self.replicasets.get(
                f"{meta.namespace}/{owner.name}"
            )
            if replicaset is None:
                return None
            deployment = replicaset.metadata.controller_ref()
            if deployment is None or deployment.kind != "Deployment":
                return None
            revision = replicaset.metadata.labels.get(POD_TEMPLATE_HASH) or meta.labels.get(
                POD_TEMPLATE_HASH, ""
            )
            return WorkloadRef("Deployment", meta.namespace, deployment.name, revision)
        if owner.kind in ("StatefulSet", "DaemonSet"):
            revision = meta.labels.get(CONTROLLER_REVISION_HASH, "")
            return WorkloadRef(owner.kind, meta.namespace, owner.name, revision)
        return None
