"""Pods as the StatefulSet and DaemonSet controllers stamp them out of their templates.

Both add identity the template does not have: a StatefulSet pod gets a stable name, a
hostname in the governing Service's subdomain and the ordinal as labels; a DaemonSet pod
gets a node affinity pinning it to one node and the tolerations that keep it there when
the node is unhealthy. Both carry the revision in `controller-revision-hash`, which is
what a client compares against the owner's status to tell updated pods from old ones.
"""

from __future__ import annotations

from exporter.sim.objects.pods import pod
from exporter.sim.objects.workloads import (
    CONTROLLER_REVISION_HASH,
    POD_INDEX,
    POD_TEMPLATE_GENERATION,
    STATEFULSET_POD_NAME,
)
from exporter.sim.resources import JsonObj

DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
"""What the DaemonSet controller adds to every daemon pod (AddOrUpdateDaemonPodTolerations)."""


def _stamped(owner: JsonObj, template: JsonObj, name: str, identity: dict[str, str]) -> JsonObj:
    """Pod `name` from `template`, its labels joined by the controller's `identity` labels
    and sorted as Go encodes maps, so the wire order is the one a real server sends."""
    labels = {**(template["metadata"].get("labels") or {}), **identity}
    return pod(
        name,
        owner["metadata"]["namespace"],
        {"metadata": {}, "spec": template["spec"]},
        owner=owner,
        labels=dict(sorted(labels.items())),
    )


def statefulset_pod(owner: JsonObj, template: JsonObj, ordinal: int, revision: str) -> JsonObj:
    """Pod `<set>-<ordinal>` of a StatefulSet at ControllerRevision `revision`.

    `template` is the one stored in that revision (it may differ from the set's current
    spec while a partitioned update is under way).
    """
    name = f"{owner['metadata']['name']}-{ordinal}"
    identity = {
        CONTROLLER_REVISION_HASH: revision,
        STATEFULSET_POD_NAME: name,
        POD_INDEX: str(ordinal),
    }
    created = _stamped(owner, template, name, identity)
    created["spec"]["hostname"] = name
    created["spec"]["subdomain"] = owner["spec"]["serviceName"]
    return created


def daemon_affinity(node: str) -> JsonObj:
    """The required node affinity that binds a daemon pod to `node` through the scheduler."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
        }
    }


def required_node(obj: JsonObj) -> str | None:
    """The node a pod's required `metadata.name` affinity names (util.GetTargetNodeName)."""
    affinity = obj["spec"].get("affinity") or {}
    required = (affinity.get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field["key"] == "metadata.name" and field["operator"] == "In" and field["values"]:
                node: str = field["values"][0]
                return node
    return None


def daemonset_pod(
    owner: JsonObj, name: str, node: str, revision_hash: str, template_generation: str
) -> JsonObj:
    """A daemon pod for `node`, labelled with the template's hash and generation."""
    identity = {
        CONTROLLER_REVISION_HASH: revision_hash,
        POD_TEMPLATE_GENERATION: template_generation,
    }
    created = _stamped(owner, owner["spec"]["template"], name, identity)
    created["spec"]["affinity"] = daemon_affinity(node)
    created["spec"]["tolerations"] = [
        {"key": key, "operator": "Exists", "effect": effect} for key, effect in DAEMON_TOLERATIONS
    ]
    return created
