"""The resource types the simulated API server serves, keyed by their URL plural.

One table drives routing, list kinds, discovery documents and bookmark objects, so a
new kind is one entry here rather than edits scattered over the server.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

JsonObj = dict[str, Any]
"""A Kubernetes object (or any JSON object) exactly as it appears on the wire."""


@dataclass(frozen=True)
class ResourceType:
    plural: str
    singular: str
    kind: str
    group: str
    version: str
    has_generation: bool
    bookmark_body: tuple[tuple[str, Any], ...] = ()
    """Fields besides metadata that Go's encoder emits for an empty object of this kind.

    A real BOOKMARK carries a zero-valued typed object, so clients see e.g.
    `"spec":{"containers":null}` and `"creationTimestamp":null`; we send the same.
    """

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def path_prefix(self) -> str:
        """URL prefix of the group version: `/api/v1` or `/apis/<group>/<version>`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


_EMPTY_TEMPLATE = {"metadata": {"creationTimestamp": None}, "spec": {"containers": None}}

RESOURCES: dict[str, ResourceType] = {
    rt.plural: rt
    for rt in (
        ResourceType(
            "pods",
            "pod",
            "Pod",
            "",
            "v1",
            False,
            (("spec", {"containers": None}), ("status", {})),
        ),
        ResourceType(
            "services",
            "service",
            "Service",
            "",
            "v1",
            False,
            (("spec", {}), ("status", {"loadBalancer": {}})),
        ),
        ResourceType(
            "events",
            "event",
            "Event",
            "",
            "v1",
            False,
            (
                ("involvedObject", {}),
                ("source", {}),
                ("firstTimestamp", None),
                ("lastTimestamp", None),
                ("eventTime", None),
                ("reportingComponent", ""),
                ("reportingInstance", ""),
            ),
        ),
        ResourceType(
            "deployments",
            "deployment",
            "Deployment",
            "apps",
            "v1",
            True,
            (
                ("spec", {"selector": None, "template": _EMPTY_TEMPLATE, "strategy": {}}),
                ("status", {}),
            ),
        ),
        ResourceType(
            "replicasets",
            "replicaset",
            "ReplicaSet",
            "apps",
            "v1",
            True,
            (
                ("spec", {"selector": None, "template": _EMPTY_TEMPLATE}),
                ("status", {"replicas": 0}),
            ),
        ),
        ResourceType(
            "statefulsets",
            "statefulset",
            "StatefulSet",
            "apps",
            "v1",
            True,
            (
                (
                    "spec",
                    {
                        "selector": None,
                        "template": _EMPTY_TEMPLATE,
                        "serviceName": "",
                        "updateStrategy": {},
                    },
                ),
                ("status", {"replicas": 0, "availableReplicas": 0}),
            ),
        ),
        ResourceType(
            "daemonsets",
            "daemonset",
            "DaemonSet",
            "apps",
            "v1",
            True,
            (
                ("spec", {"selector": None, "template": _EMPTY_TEMPLATE, "updateStrategy": {}}),
                (
                    "status",
                    {
                        "currentNumberScheduled": 0,
                        "numberMisscheduled": 0,
                        "desiredNumberScheduled": 0,
                        "numberReady": 0,
                    },
                ),
            ),
        ),
        ResourceType(
            "endpointslices",
            "endpointslice",
            "EndpointSlice",
            "discovery.k8s.io",
            "v1",
            False,
            (("addressType", ""), ("endpoints", None), ("ports", None)),
        ),
    )
}


def resource_type(plural: str) -> ResourceType:
    """Look a resource up by plural; a typo in a test should fail loudly, not serve 404s."""
    try:
        return RESOURCES[plural]
    except KeyError:
        raise KeyError(f"unknown resource {plural!r}; known: {sorted(RESOURCES)}") from None


def bookmark_object(rt: ResourceType, resource_version: int) -> JsonObj:
    """The object of a BOOKMARK event: an empty typed object carrying only the RV."""
    obj: JsonObj = {
        "kind": rt.kind,
        "apiVersion": rt.api_version,
        "metadata": {"resourceVersion": str(resource_version), "creationTimestamp": None},
    }
    obj.update((key, copy.deepcopy(value)) for key, value in rt.bookmark_body)
    return obj
