"""The ingress attribution families, declared once as data (docs and tests read them)."""

from __future__ import annotations

from exporter.metrics.family import FamilySpec

WORKLOAD = ("namespace", "workload_kind", "workload")

REQUESTS = FamilySpec(
    "rollout_ingress_requests",
    "Requests seen in ingress access logs, by the workload and revision of the Pod that "
    "served them; status is each 5xx code, other classes collapsed (2xx, 3xx, 4xx). Empty "
    "workload labels: not attributable to a workload.",
    "counter",
    (*WORKLOAD, "revision", "status"),
)
FIVE_XX = FamilySpec(
    "rollout_ingress_5xx",
    "5xx responses by the state of the upstream Pod at request time, the cause, and "
    "whether a rollout of the workload was in progress.",
    "counter",
    (*WORKLOAD, "revision", "pod_state", "cause", "during_rollout"),
)

INGRESS_FAMILIES = (REQUESTS, FIVE_XX)
