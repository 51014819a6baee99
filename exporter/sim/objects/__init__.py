"""Builders for real-shaped Kubernetes objects (field names and nesting as on the wire).

Builders are pure: they take names, templates and times and return dicts ready for
`Cluster.create`, which fills uid, resourceVersion and creationTimestamp.
"""

from exporter.sim.objects.events import event, event_name, involved_object
from exporter.sim.objects.meta import owner_reference, safe_encode, suffix, template_hash
from exporter.sim.objects.networking import (
    SERVICE_NAME_LABEL,
    endpoint,
    endpointslice,
    service,
    service_port,
)
from exporter.sim.objects.pods import (
    condition,
    container,
    container_status,
    pod,
    pod_template,
    running,
    terminated,
    waiting,
)
from exporter.sim.objects.workloads import (
    PROGRESS_MESSAGES,
    REVISION,
    controller_revision_hash,
    daemonset,
    deployment,
    deployment_condition,
    deployment_status,
    replicaset,
    replicaset_status,
    statefulset,
)

__all__ = [
    "PROGRESS_MESSAGES",
    "REVISION",
    "SERVICE_NAME_LABEL",
    "condition",
    "container",
    "container_status",
    "controller_revision_hash",
    "daemonset",
    "deployment",
    "deployment_condition",
    "deployment_status",
    "endpoint",
    "endpointslice",
    "event",
    "event_name",
    "involved_object",
    "owner_reference",
    "pod",
    "pod_template",
    "replicaset",
    "replicaset_status",
    "running",
    "safe_encode",
    "service",
    "service_port",
    "statefulset",
    "suffix",
    "template_hash",
    "terminated",
    "waiting",
]
