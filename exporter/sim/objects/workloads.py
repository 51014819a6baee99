"""Deployments, ReplicaSets, StatefulSets and DaemonSets as the apps/v1 API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exporter.sim.clock import rfc3339
from exporter.sim.objects.meta import drop_zero, metadata, template_hash
from exporter.sim.resources import JsonObj

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
"""Revisions a reused ReplicaSet held before a rollback gave it a new one."""
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
"""The DaemonSet annotation the API server bumps on every template change."""
CONTROLLER_REVISION_HASH = "controller-revision-hash"
POD_TEMPLATE_GENERATION = "pod-template-generation"
STATEFULSET_POD_NAME = "statefulset.kubernetes.io/pod-name"
POD_INDEX = "apps.kubernetes.io/pod-index"

PROGRESS_MESSAGES = {
    "NewReplicaSetCreated": 'Created new replica set "{rs}"',
    "FoundNewReplicaSet": 'Found new replica set "{rs}"',
    "ReplicaSetUpdated": 'ReplicaSet "{rs}" is progressing.',
    "NewReplicaSetAvailable": 'ReplicaSet "{rs}" has successfully progressed.',
    "ProgressDeadlineExceeded": 'ReplicaSet "{rs}" has timed out progressing.',
    "DeploymentPaused": "Deployment is paused",
    "DeploymentResumed": "Deployment is resumed",
}
"""The deployment controller's Progressing messages, keyed by reason."""


def deployment_condition(
    kind: str,
    status: str,
    at: datetime,
    reason: str,
    message: str,
    *,
    transitioned: datetime | None = None,
) -> JsonObj:
    """A DeploymentCondition; `transitioned` defaults to `at`."""
    return {
        "type": kind,
        "status": status,
        "lastUpdateTime": rfc3339(at),
        "lastTransitionTime": rfc3339(transitioned or at),
        "reason": reason,
        "message": message,
    }


def deployment(
    name: str,
    namespace: str,
    template: JsonObj,
    *,
    replicas: int = 3,
    selector: dict[str, str] | None = None,
    max_surge: int | str = "25%",
    max_unavailable: int | str = "25%",
    progress_deadline_seconds: int = 600,
    revision_history_limit: int = 10,
    paused: bool = False,
    revision: int | None = None,
    status: JsonObj | None = None,
) -> JsonObj:
    """A Deployment; `selector` defaults to the template's labels."""
    annotations = {REVISION: str(revision)} if revision is not None else None
    labels = dict(template["metadata"].get("labels") or {})
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": selector or labels},
        "template": template,
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": max_surge},
        },
        "revisionHistoryLimit": revision_history_limit,
        "progressDeadlineSeconds": progress_deadline_seconds,
    }
    if paused:
        spec["paused"] = True
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, namespace, labels=labels, annotations=annotations),
        "spec": spec,
        "status": status or {},
    }


def deployment_status(
    *,
    observed_generation: int,
    replicas: int,
    updated: int,
    ready: int,
    available: int,
    conditions: list[JsonObj],
    desired: int,
) -> JsonObj:
    status = drop_zero(
        {
            "observedGeneration": observed_generation,
            "replicas": replicas,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": max(0, desired - available),
        },
        "observedGeneration",
        "replicas",
        "updatedReplicas",
        "readyReplicas",
        "availableReplicas",
        "unavailableReplicas",
    )
    if conditions:
        status["conditions"] = conditions
    return status


def replicaset(
    owner: JsonObj,
    *,
    replicas: int,
    revision: int,
    max_surge: int = 1,
) -> JsonObj:
    """The ReplicaSet a Deployment controller creates for the Deployment's current template."""
    template = _with_hash(owner["spec"]["template"])
    pod_hash = template["metadata"]["labels"]["pod-template-hash"]
    name = f"{owner['metadata']['name']}-{pod_hash}"
    desired = owner["spec"]["replicas"]
    selector = dict(owner["spec"]["selector"]["matchLabels"], **{"pod-template-hash": pod_hash})
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata(
            name,
            owner["metadata"]["namespace"],
            labels=template["metadata"]["labels"],
            annotations={
                DESIRED_REPLICAS: str(desired),
                MAX_REPLICAS: str(desired + max_surge),
                REVISION: str(revision),
            },
            owner=owner,
        ),
        "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": template},
        "status": {"replicas": 0},
    }


def replicaset_condition(
    kind: str, status: str, at: datetime, reason: str, message: str
) -> JsonObj:
    """A ReplicaSetCondition: unlike a Deployment's, it has no lastUpdateTime."""
    return {
        "type": kind,
        "status": status,
        "lastTransitionTime": rfc3339(at),
        "reason": reason,
        "message": message,
    }


def replicaset_status(
    *,
    observed_generation: int,
    replicas: int,
    ready: int,
    available: int,
    conditions: list[JsonObj] | None = None,
) -> JsonObj:
    status = drop_zero(
        {
            "replicas": replicas,
            "fullyLabeledReplicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": available,
            "observedGeneration": observed_generation,
        },
        "fullyLabeledReplicas",
        "readyReplicas",
        "availableReplicas",
        "observedGeneration",
    )
    if conditions:
        status["conditions"] = conditions
    return status


def statefulset_status(
    *,
    observed_generation: int,
    replicas: int,
    ready: int = 0,
    current: int = 0,
    updated: int = 0,
    available: int = 0,
    current_revision: str | None = None,
    update_revision: str | None = None,
    collision_count: int | None = 0,
) -> JsonObj:
    """StatefulSetStatus in Go's field order; `replicas` and `availableReplicas` are never
    omitted, `collisionCount` is a pointer the controller always sets (so a fresh object
    from the API server, `collision_count=None`, has none)."""
    fields: dict[str, Any] = {
        "observedGeneration": observed_generation,
        "replicas": replicas,
        "readyReplicas": ready,
        "currentReplicas": current,
        "updatedReplicas": updated,
    }
    if current_revision:
        fields["currentRevision"] = current_revision
    if update_revision:
        fields["updateRevision"] = update_revision
    if collision_count is not None:
        fields["collisionCount"] = collision_count
    fields["availableReplicas"] = available
    return drop_zero(
        fields, "observedGeneration", "readyReplicas", "currentReplicas", "updatedReplicas"
    )


def statefulset(
    name: str,
    namespace: str,
    template: JsonObj,
    *,
    replicas: int = 3,
    service_name: str | None = None,
    partition: int = 0,
    observed_generation: int = 1,
    ready: int = 0,
    current: int = 0,
    updated: int = 0,
    available: int = 0,
    current_revision: str | None = None,
    update_revision: str | None = None,
    status: JsonObj | None = None,
) -> JsonObj:
    """A StatefulSet; revisions default to `<name>-<hash>`, as ControllerRevisions are named.

    `status` replaces the one built from the counts (e.g. the empty status the API server
    gives a new object).
    """
    labels = dict(template["metadata"].get("labels") or {})
    revision = controller_revision_hash(name, template)
    if status is None:
        status = statefulset_status(
            observed_generation=observed_generation,
            replicas=replicas,
            ready=ready,
            current=current,
            updated=updated,
            available=available,
            current_revision=current_revision or revision,
            update_revision=update_revision or revision,
        )
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(name, namespace, labels=labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": template,
            "serviceName": service_name or name,
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": partition}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {
                "whenDeleted": "Retain",
                "whenScaled": "Retain",
            },
        },
        "status": status,
    }


def daemonset_status(
    *,
    desired: int,
    current: int,
    ready: int,
    updated: int,
    available: int,
    misscheduled: int = 0,
    observed_generation: int = 0,
) -> JsonObj:
    """DaemonSetStatus in Go's field order. The first four counts are never omitted, so
    even an unsynced DaemonSet shows them as zero."""
    return drop_zero(
        {
            "currentNumberScheduled": current,
            "numberMisscheduled": misscheduled,
            "desiredNumberScheduled": desired,
            "numberReady": ready,
            "observedGeneration": observed_generation,
            "updatedNumberScheduled": updated,
            "numberAvailable": available,
            "numberUnavailable": max(0, desired - available),
        },
        "observedGeneration",
        "updatedNumberScheduled",
        "numberAvailable",
        "numberUnavailable",
    )


def daemonset(
    name: str,
    namespace: str,
    template: JsonObj,
    *,
    desired: int = 3,
    current: int | None = None,
    ready: int | None = None,
    updated: int | None = None,
    available: int | None = None,
    misscheduled: int = 0,
    observed_generation: int = 1,
    max_unavailable: int | str = 1,
    template_generation: int = 1,
    status: JsonObj | None = None,
) -> JsonObj:
    """A DaemonSet; status counts default to a fully rolled-out, healthy set.

    apps/v1 DaemonSets always carry the `deprecated.daemonset.template.generation`
    annotation (the API server's TemplateGeneration); pods record it as a label.
    """
    labels = dict(template["metadata"].get("labels") or {})
    if status is None:
        status = daemonset_status(
            desired=desired,
            current=desired if current is None else current,
            ready=desired if ready is None else ready,
            updated=desired if updated is None else updated,
            available=desired if available is None else available,
            misscheduled=misscheduled,
            observed_generation=observed_generation,
        )
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": metadata(
            name,
            namespace,
            labels=labels,
            annotations={TEMPLATE_GENERATION: str(template_generation)},
        ),
        "spec": {
            "selector": {"matchLabels": labels},
            "template": template,
            "updateStrategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": max_unavailable, "maxSurge": 0},
            },
            "revisionHistoryLimit": 10,
        },
        "status": status,
    }


def controller_revision_hash(owner_name: str, template: JsonObj) -> str:
    """The name of the ControllerRevision holding `template`: `<owner>-<hash>`.

    StatefulSet pods carry this full name in their `controller-revision-hash` label and
    status.currentRevision/updateRevision hold it; DaemonSet pods carry only the hash part.
    """
    return f"{owner_name}-{template_hash(template)}"


def _with_hash(template: JsonObj) -> JsonObj:
    pod_hash = template_hash(template)
    meta = dict(template["metadata"])
    meta["labels"] = dict(meta.get("labels") or {}, **{"pod-template-hash": pod_hash})
    return {"metadata": meta, "spec": template["spec"]}
