"""What scenario scripts do to applications, phrased as a user or a CD tool would.

These are the user-side writes (create a Deployment and its Service, change an image);
everything that follows from them is left to the control plane.
"""

from __future__ import annotations

from exporter.sim import objects
from exporter.sim.cluster import Cluster
from exporter.sim.resources import JsonObj


def deploy(
    cluster: Cluster,
    namespace: str,
    name: str,
    image: str,
    *,
    replicas: int = 3,
    labels: dict[str, str] | None = None,
    selector: dict[str, str] | None = None,
    service_selector: dict[str, str] | None = None,
    progress_deadline_seconds: int = 600,
) -> JsonObj:
    """Create a Deployment and a ClusterIP Service in front of it."""
    pod_labels = labels or {"app": name}
    template = objects.pod_template(pod_labels, [objects.container(name, image)])
    created = cluster.create(
        "deployments",
        objects.deployment(
            name,
            namespace,
            template,
            replicas=replicas,
            selector=selector,
            progress_deadline_seconds=progress_deadline_seconds,
        ),
    )
    cluster.create(
        "services", objects.service(name, namespace, selector=service_selector or pod_labels)
    )
    return created


def set_image(cluster: Cluster, namespace: str, name: str, image: str) -> JsonObj:
    """`kubectl set image`: change the first container's image (a new revision)."""
    return cluster.mutate(
        "deployments",
        namespace,
        name,
        lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image=image),
    )


def set_template_labels(
    cluster: Cluster, namespace: str, name: str, labels: dict[str, str]
) -> JsonObj:
    """Replace the pod template's labels (the selector must still match them)."""
    return cluster.mutate(
        "deployments",
        namespace,
        name,
        lambda d: d["spec"]["template"]["metadata"].update(labels=dict(labels)),
    )


def progressing_reason(cluster: Cluster, namespace: str, name: str) -> str | None:
    found = cluster.get("deployments", namespace, name)
    for condition in (found or {}).get("status", {}).get("conditions", []):
        if condition["type"] == "Progressing":
            reason: str = condition["reason"]
            return reason
    return None


def rolled_out(cluster: Cluster, namespace: str, name: str) -> bool:
    """What `kubectl rollout status` waits for: the latest generation fully available."""
    found = cluster.get("deployments", namespace, name)
    if found is None:
        return False
    status = found.get("status", {})
    replicas = found["spec"]["replicas"]
    return (
        status.get("observedGeneration") == found["metadata"]["generation"]
        and status.get("updatedReplicas", 0) == replicas
        and status.get("availableReplicas", 0) == replicas
        and status.get("replicas", 0) == replicas
        and progressing_reason(cluster, namespace, name) == "NewReplicaSetAvailable"
    )
