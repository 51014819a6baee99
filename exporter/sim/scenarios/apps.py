"""What scenario scripts do to applications, phrased as a user or a CD tool would.

These are the user-side writes (create a Deployment and its Service, change an image,
pause, scale, roll back); everything that follows from them is left to the control
plane. Where the API server itself would add to a write (a DaemonSet's template
generation), the helper does that too, since the simulator has no registry strategies.
"""

from __future__ import annotations

from collections.abc import Callable

from exporter.sim import objects
from exporter.sim.cluster import Cluster
from exporter.sim.resources import JsonObj


def _container(name: str, image: str, memory: str | None, config_maps: tuple[str, ...]) -> JsonObj:
    if memory is None:
        return objects.container(name, image, config_maps=config_maps)
    return objects.container(name, image, memory_limit=memory, config_maps=config_maps)


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
    max_surge: int | str = "25%",
    max_unavailable: int | str = "25%",
    node: str | None = None,
) -> JsonObj:
    """Create a Deployment and a ClusterIP Service in front of it.

    `node` pins the pods to one node (a required node affinity on its name, what a
    `kubernetes.io/hostname` nodeSelector amounts to).
    """
    pod_labels = labels or {"app": name}
    template = objects.pod_template(pod_labels, [objects.container(name, image)])
    if node is not None:
        template["spec"]["affinity"] = objects.daemon_affinity(node)
    created = cluster.create(
        "deployments",
        objects.deployment(
            name,
            namespace,
            template,
            replicas=replicas,
            selector=selector,
            max_surge=max_surge,
            max_unavailable=max_unavailable,
            progress_deadline_seconds=progress_deadline_seconds,
        ),
    )
    cluster.create(
        "services", objects.service(name, namespace, selector=service_selector or pod_labels)
    )
    return created


def deploy_statefulset(
    cluster: Cluster, namespace: str, name: str, image: str, *, replicas: int = 3
) -> JsonObj:
    """Create a StatefulSet and its governing headless Service (same name, `serviceName`).

    The API server answers a create with an empty status; the controller fills it in.
    """
    template = objects.pod_template({"app": name}, [objects.container(name, image)])
    cluster.create(
        "services", objects.service(name, namespace, selector={"app": name}, kind="Headless")
    )
    empty = objects.statefulset_status(observed_generation=0, replicas=0, collision_count=None)
    return cluster.create(
        "statefulsets",
        objects.statefulset(name, namespace, template, replicas=replicas, status=empty),
    )


def deploy_daemonset(cluster: Cluster, namespace: str, name: str, image: str) -> JsonObj:
    """Create a DaemonSet (maxUnavailable 1) and a ClusterIP Service selecting its pods."""
    template = objects.pod_template({"app": name}, [objects.container(name, image)])
    cluster.create("services", objects.service(name, namespace, selector={"app": name}))
    empty = objects.daemonset_status(desired=0, current=0, ready=0, updated=0, available=0)
    return cluster.create("daemonsets", objects.daemonset(name, namespace, template, status=empty))


def _change_template(
    cluster: Cluster,
    resource: str,
    namespace: str,
    name: str,
    change: Callable[[JsonObj], None],
) -> JsonObj:
    """Apply `change` to the pod template; for a DaemonSet, bump its template generation
    as the API server does on every template change."""

    def apply(obj: JsonObj) -> None:
        before = objects.template_hash(obj["spec"]["template"])
        change(obj["spec"]["template"])
        annotations = obj["metadata"].get("annotations") or {}
        if resource == "daemonsets" and objects.template_hash(obj["spec"]["template"]) != before:
            generation = int(annotations.get(objects.TEMPLATE_GENERATION, "1")) + 1
            annotations[objects.TEMPLATE_GENERATION] = str(generation)
            obj["metadata"]["annotations"] = annotations

    return cluster.mutate(resource, namespace, name, apply)


def set_image(
    cluster: Cluster, namespace: str, name: str, image: str, *, resource: str = "deployments"
) -> JsonObj:
    """`kubectl set image`: change the first container's image (a new revision)."""
    return _change_template(
        cluster,
        resource,
        namespace,
        name,
        lambda t: t["spec"]["containers"][0].update(image=image),
    )


def set_container(
    cluster: Cluster,
    namespace: str,
    name: str,
    image: str,
    *,
    memory: str | None = None,
    config_maps: tuple[str, ...] = (),
) -> JsonObj:
    """A new image together with other container changes a chart upgrade brings (a
    memory request, a ConfigMap to load the environment from)."""

    def change(template: JsonObj) -> None:
        template["spec"]["containers"][0] = _container(name, image, memory, config_maps)

    return _change_template(cluster, "deployments", namespace, name, change)


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


def scale(cluster: Cluster, namespace: str, name: str, replicas: int) -> JsonObj:
    """`kubectl scale`: a new size, same template (no new ReplicaSet, same revision)."""
    return cluster.mutate(
        "deployments", namespace, name, lambda d: d["spec"].update(replicas=replicas)
    )


def set_paused(cluster: Cluster, namespace: str, name: str, paused: bool) -> JsonObj:
    """`kubectl rollout pause` / `resume`: resume removes the field, as kubectl's patch does."""

    def apply(d: JsonObj) -> None:
        if paused:
            d["spec"]["paused"] = True
        else:
            d["spec"].pop("paused", None)

    return cluster.mutate("deployments", namespace, name, apply)


def undo(cluster: Cluster, namespace: str, name: str) -> JsonObj:
    """`kubectl rollout undo`: copy the previous revision's ReplicaSet template (without
    its pod-template-hash label) back into the Deployment."""
    deployment = cluster.get("deployments", namespace, name)
    if deployment is None:
        raise LookupError(f"deployment {namespace}/{name} not found")
    owned = [
        rs
        for rs in cluster.list("replicasets", namespace)
        if any(
            ref["uid"] == deployment["metadata"]["uid"]
            for ref in rs["metadata"].get("ownerReferences", [])
        )
    ]
    by_revision = sorted(owned, key=lambda rs: int(rs["metadata"]["annotations"][objects.REVISION]))
    if len(by_revision) < 2:
        raise LookupError(f"deployment {namespace}/{name} has no previous revision")
    template = by_revision[-2]["spec"]["template"]
    labels = {k: v for k, v in template["metadata"]["labels"].items() if k != "pod-template-hash"}
    previous = {"metadata": dict(template["metadata"], labels=labels), "spec": template["spec"]}
    return cluster.mutate(
        "deployments", namespace, name, lambda d: d["spec"].update(template=previous)
    )


def occurrences(event: JsonObj) -> int:
    """How often an Event says it happened, in either the counted or the series form."""
    series = event.get("series") or {}
    return int(series.get("count") or event.get("count") or 1)


def condition(obj: JsonObj | None, kind: str) -> JsonObj | None:
    for cond in (obj or {}).get("status", {}).get("conditions", []):
        if cond["type"] == kind:
            return dict(cond)
    return None


def progressing_reason(cluster: Cluster, namespace: str, name: str) -> str | None:
    found = condition(cluster.get("deployments", namespace, name), "Progressing")
    return None if found is None else str(found["reason"])


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


def statefulset_rolled_out(cluster: Cluster, namespace: str, name: str) -> bool:
    """`kubectl rollout status statefulset`: observed, all Ready, one revision."""
    found = cluster.get("statefulsets", namespace, name)
    if found is None:
        return False
    status = found.get("status", {})
    return bool(
        status.get("observedGeneration") == found["metadata"]["generation"]
        and status.get("readyReplicas", 0) == found["spec"]["replicas"]
        and status.get("updatedReplicas", 0) == found["spec"]["replicas"]
        and status.get("currentRevision") == status.get("updateRevision")
    )


def daemonset_rolled_out(cluster: Cluster, namespace: str, name: str) -> bool:
    """`kubectl rollout status daemonset`: every node runs an updated, available pod."""
    found = cluster.get("daemonsets", namespace, name)
    if found is None:
        return False
    status = found.get("status", {})
    desired = status.get("desiredNumberScheduled", 0)
    return bool(
        status.get("observedGeneration") == found["metadata"]["generation"]
        and desired > 0
        and status.get("updatedNumberScheduled", 0) == desired
        and status.get("numberAvailable", 0) == desired
    )
