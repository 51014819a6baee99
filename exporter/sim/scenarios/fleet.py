"""A steady fleet of N Deployments with M ready pods each, for load tests.

Objects are built directly in their rolled-out state (no control-plane passes), so a
fleet of thousands of pods is ready in one quick loop, with the same shapes the control
plane would have produced.
"""

from __future__ import annotations

from exporter.sim import objects
from exporter.sim.clock import rfc3339
from exporter.sim.cluster import Cluster
from exporter.sim.control.endpointslice import endpoints_for, slice_name
from exporter.sim.control.kubelet import become_ready, schedule, start
from exporter.sim.resources import JsonObj

_NODES = ("node-a", "node-b", "node-c")


def create_fleet(
    cluster: Cluster,
    *,
    deployments: int,
    pods_per_deployment: int,
    namespaces: int = 1,
    prefix: str = "app",
    image: str = "registry.example/app:1.0",
) -> list[tuple[str, str]]:
    """Create the fleet; returns (namespace, deployment name) pairs, namespaces `fleet-<i>`."""
    created = []
    for index in range(deployments):
        namespace = f"fleet-{index % namespaces}"
        name = f"{prefix}-{index:04d}"
        _create_app(cluster, namespace, name, image, pods_per_deployment, index)
        created.append((namespace, name))
    return created


def create_steady_deployment(
    cluster: Cluster, namespace: str, name: str, template: JsonObj, replicas: int
) -> JsonObj:
    """A Deployment at revision 1 whose rollout finished, and its ReplicaSet: what the
    controllers leave behind once everything is available. Returns the ReplicaSet."""
    now = cluster.clock.now()
    rs_name = f"{name}-{objects.template_hash(template)}"
    conditions = [
        objects.deployment_condition(
            "Available",
            "True",
            now,
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        ),
        objects.deployment_condition(
            "Progressing",
            "True",
            now,
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
        ),
    ]
    status = objects.deployment_status(
        observed_generation=1,
        replicas=replicas,
        updated=replicas,
        ready=replicas,
        available=replicas,
        desired=replicas,
        conditions=conditions,
    )
    deployment = cluster.create(
        "deployments",
        objects.deployment(name, namespace, template, replicas=replicas, revision=1, status=status),
    )
    rs = objects.replicaset(deployment, replicas=replicas, revision=1)
    rs["status"] = objects.replicaset_status(
        observed_generation=1, replicas=replicas, ready=replicas, available=replicas
    )
    created: JsonObj = cluster.create("replicasets", rs)
    return created


def _create_app(
    cluster: Cluster, namespace: str, name: str, image: str, replicas: int, index: int
) -> None:
    now = cluster.clock.now()
    template = objects.pod_template({"app": name}, [objects.container(name, image)])
    rs = create_steady_deployment(cluster, namespace, name, template, replicas)
    rs_name = rs["metadata"]["name"]
    pods = []
    for number in range(replicas):
        pod = objects.pod(
            f"{rs_name}-{objects.suffix(f'{rs_name}/{number}')}",
            namespace,
            rs["spec"]["template"],
            owner=rs,
        )
        schedule(pod, now, _NODES)
        start(pod, now, f"10.{100 + index // 250}.{index % 250}.{number % 250 + 2}")
        become_ready(pod, now)
        pods.append(cluster.create("pods", pod))
    service = cluster.create(
        "services",
        objects.service(
            name,
            namespace,
            selector={"app": name},
            cluster_ip=f"10.96.{index // 250}.{index % 250 + 2}",
        ),
    )
    cluster.create(
        "endpointslices",
        objects.endpointslice(
            slice_name(service), service, endpoints_for(service, pods), trigger_time=rfc3339(now)
        ),
    )
