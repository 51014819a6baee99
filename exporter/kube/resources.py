"""The resource kinds we watch: where they live on the wire and what they decode into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec

from exporter.model.event import Event
from exporter.model.pod import Pod
from exporter.model.service import EndpointSlice, Service
from exporter.model.workloads import DaemonSet, Deployment, ReplicaSet, StatefulSet

T = TypeVar("T", bound=msgspec.Struct)


@dataclass(frozen=True)
class Resource(Generic[T]):
    """One API resource: group/version/plural plus the slim projection we decode it into."""

    kind: str
    plural: str
    group: str
    version: str
    projection: type[T]

    @property
    def api_prefix(self) -> str:
        return f"/api/{self.version}" if not self.group else f"/apis/{self.group}/{self.version}"

    def collection_path(self, namespace: str | None) -> str:
        """The list/watch path, cluster-wide when `namespace` is None."""
        if namespace:
            return f"{self.api_prefix}/namespaces/{namespace}/{self.plural}"
        return f"{self.api_prefix}/{self.plural}"


PODS = Resource("Pod", "pods", "", "v1", Pod)
SERVICES = Resource("Service", "services", "", "v1", Service)
EVENTS = Resource("Event", "events", "", "v1", Event)
DEPLOYMENTS = Resource("Deployment", "deployments", "apps", "v1", Deployment)
REPLICASETS = Resource("ReplicaSet", "replicasets", "apps", "v1", ReplicaSet)
STATEFULSETS = Resource("StatefulSet", "statefulsets", "apps", "v1", StatefulSet)
DAEMONSETS = Resource("DaemonSet", "daemonsets", "apps", "v1", DaemonSet)
ENDPOINTSLICES = Resource(
    "EndpointSlice", "endpointslices", "discovery.k8s.io", "v1", EndpointSlice
)

WATCHED: tuple[Resource[Any], ...] = (
    PODS,
    REPLICASETS,
    DEPLOYMENTS,
    STATEFULSETS,
    DAEMONSETS,
    SERVICES,
    ENDPOINTSLICES,
    EVENTS,
)
"""Every kind the exporter list-watches, in the order reflectors start."""
