"""`ControlPlane`: the controllers and kubelets acting on a `Cluster`, one tick at a time.

A tick is one pass of each controller at the cluster clock's current time, in the order
the work flows (Deployment → ReplicaSet, StatefulSet, DaemonSet → kubelet →
EndpointSlice, then the event recorders' timers). Scenarios advance the clock between
ticks, so the objects written are exactly what the real components would have written by
then, just without the real components' concurrency.

Two kinds the simulator does not serve live here instead: ResourceQuotas (checked when a
ReplicaSet creates a pod) and ConfigMaps (which the kubelet must find before it can
create a container that refers to one).
"""

from __future__ import annotations

from exporter.sim.cluster import Cluster
from exporter.sim.control.daemonset import DaemonSetController
from exporter.sim.control.deployment import DeploymentController
from exporter.sim.control.endpointslice import EndpointSliceController
from exporter.sim.control.kubelet import HEALTHY, Kubelet, PodBehaviour
from exporter.sim.control.quota import ResourceQuota, admit
from exporter.sim.control.recorder import EventRecorder
from exporter.sim.control.replicaset import ReplicaSetController
from exporter.sim.control.statefulset import StatefulSetController
from exporter.sim.resources import JsonObj


class ControlPlane:
    def __init__(self, cluster: Cluster, *, namespace: str | None = None) -> None:
        """`namespace` confines the plane, so scenarios in other namespaces of the same
        cluster each keep their own control plane and pod behaviours."""
        self.cluster = cluster
        self.events = EventRecorder(cluster)
        self._behaviours: dict[tuple[str, str], PodBehaviour] = {}
        self._quotas: dict[str, list[ResourceQuota]] = {}
        self._config_maps: dict[str, set[str]] = {}
        self.deployments = DeploymentController(cluster, namespace)
        self.replicasets = ReplicaSetController(
            cluster, namespace, events=self.events, admit=self.admit
        )
        self.statefulsets = StatefulSetController(cluster, namespace)
        self.kubelet = Kubelet(
            cluster,
            self.events,
            self.behaviour_of,
            namespace,
            config_maps=lambda ns: sorted(self._config_maps.get(ns, ())),
        )
        self.daemonsets = DaemonSetController(cluster, namespace, self.kubelet.nodes)
        self.endpointslices = EndpointSliceController(cluster, namespace)

    def behave(self, namespace: str, image: str, behaviour: PodBehaviour) -> None:
        """Make every pod running `image` in `namespace` behave this way (default healthy)."""
        self._behaviours[(namespace, image)] = behaviour

    def behaviour_of(self, pod: JsonObj) -> PodBehaviour:
        image = pod["spec"]["containers"][0]["image"]
        return self._behaviours.get((pod["metadata"]["namespace"], image), HEALTHY)

    def add_quota(self, namespace: str, quota: ResourceQuota) -> None:
        """A ResourceQuota in `namespace`, enforced on every pod a ReplicaSet creates."""
        self._quotas.setdefault(namespace, []).append(quota)

    def add_config_map(self, namespace: str, name: str) -> None:
        """A ConfigMap now exists; containers waiting on it can be created."""
        self._config_maps.setdefault(namespace, set()).add(name)

    def admit(self, pod: JsonObj) -> str | None:
        """Quota admission: the first quota the pod would exceed refuses it."""
        namespace = pod["metadata"]["namespace"]
        for quota in self._quotas.get(namespace, []):
            refusal = admit(quota, pod, self.cluster.list("pods", namespace))
            if refusal is not None:
                return refusal
        return None

    def tick(self) -> None:
        now = self.cluster.clock.now()
        self.deployments.step(now)
        self.replicasets.step(now)
        self.statefulsets.step(now)
        self.daemonsets.step(now)
        self.kubelet.step(now)
        self.endpointslices.step(now)
        self.events.flush()
