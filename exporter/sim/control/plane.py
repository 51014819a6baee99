"""`ControlPlane`: the controllers and kubelets acting on a `Cluster`, one tick at a time.

A tick is one pass of each controller at the cluster clock's current time, in the order
the work flows (Deployment → ReplicaSet → kubelet → EndpointSlice). Scenarios advance the
clock between ticks, so the objects written are exactly what the real components would
have written by then, just without the real components' concurrency.
"""

from __future__ import annotations

from exporter.sim.cluster import Cluster
from exporter.sim.control.deployment import DeploymentController
from exporter.sim.control.endpointslice import EndpointSliceController
from exporter.sim.control.kubelet import HEALTHY, Kubelet, PodBehaviour
from exporter.sim.control.recorder import EventRecorder
from exporter.sim.control.replicaset import ReplicaSetController
from exporter.sim.resources import JsonObj


class ControlPlane:
    def __init__(self, cluster: Cluster, *, namespace: str | None = None) -> None:
        """`namespace` confines the plane, so scenarios in other namespaces of the same
        cluster each keep their own control plane and pod behaviours."""
        self.cluster = cluster
        self.events = EventRecorder(cluster)
        self._behaviours: dict[tuple[str, str], PodBehaviour] = {}
        self.deployments = DeploymentController(cluster, namespace)
        self.replicasets = ReplicaSetController(cluster, namespace)
        self.kubelet = Kubelet(cluster, self.events, self.behaviour_of, namespace)
        self.endpointslices = EndpointSliceController(cluster, namespace)

    def behave(self, namespace: str, image: str, behaviour: PodBehaviour) -> None:
        """Make every pod running `image` in `namespace` behave this way (default healthy)."""
        self._behaviours[(namespace, image)] = behaviour

    def behaviour_of(self, pod: JsonObj) -> PodBehaviour:
        image = pod["spec"]["containers"][0]["image"]
        return self._behaviours.get((pod["metadata"]["namespace"], image), HEALTHY)

    def tick(self) -> None:
        now = self.cluster.clock.now()
        self.deployments.step(now)
        self.replicasets.step(now)
        self.kubelet.step(now)
        self.endpointslices.step(now)
