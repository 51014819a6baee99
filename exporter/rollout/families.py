"""Every rollout metric family, declared once as data.

The tracker renders into these, docs/metrics.md documents them (a test checks that each
is documented) and the rules/dashboards tests check their queries against these names.
"""

from __future__ import annotations

from exporter.metrics.family import FamilySpec

WORKLOAD = ("namespace", "workload_kind", "workload")
SERVICE = ("namespace", "service")

DURATION_BUCKETS = (
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
    900.0,
    1800.0,
    3600.0,
    7200.0,
    14400.0,
    28800.0,
)
"""Seconds: rollouts take from a quarter minute to a working day, never client defaults."""

OUTCOMES = ("completed", "failed", "superseded", "rolled_back")

IN_PROGRESS = FamilySpec(
    "rollout_in_progress",
    "1 while a rollout of the workload is in progress (also after its progress deadline "
    "passed), 0 otherwise; 0 while the Deployment is paused.",
    "gauge",
    WORKLOAD,
)
PAUSED = FamilySpec(
    "rollout_paused",
    "1 while the Deployment is paused (spec.paused).",
    "gauge",
    WORKLOAD,
)
STARTED = FamilySpec(
    "rollout_started_timestamp_seconds",
    "Unix time the rollout of the current revision started; present while it is in "
    "progress or paused. Derived from object fields, so it survives exporter restarts.",
    "gauge",
    (*WORKLOAD, "revision"),
)
DURATION = FamilySpec(
    "rollout_duration_seconds",
    "Duration of finished rollouts by outcome (completed, failed = progress deadline "
    "exceeded, superseded by a newer rollout, rolled_back).",
    "histogram",
    (*WORKLOAD, "outcome"),
)
STALLED = FamilySpec(
    "rollout_stalled",
    "1 while an in-progress rollout exceeded its progress deadline or no new-revision Pod "
    "became Ready for the stall timeout.",
    "gauge",
    (*WORKLOAD, "revision"),
)
BLOCKED = FamilySpec(
    "rollout_blocked_pods",
    "New-revision Pods holding an in-progress rollout back, by reason.",
    "gauge",
    (*WORKLOAD, "revision", "reason"),
)
PROBE_FAILURES = FamilySpec(
    "rollout_probe_failures",
    "kubelet probe failures (Unhealthy Events, repeats counted once each) by probe and "
    "failure class.",
    "counter",
    (*WORKLOAD, "revision", "probe", "failure"),
)
OOM_KILLS = FamilySpec(
    "rollout_container_oomkills",
    "Container terminations with reason OOMKilled, each counted once (by containerID "
    "and finishedAt).",
    "counter",
    (*WORKLOAD, "revision", "container"),
)
LAST_OOM = FamilySpec(
    "rollout_container_last_oomkilled_timestamp_seconds",
    "finishedAt of the newest OOMKilled termination visible on the workload's Pods.",
    "gauge",
    (*WORKLOAD, "revision", "container"),
)
REVISION_INFO = FamilySpec(
    "rollout_revision",
    "1 for the current and the previous revision of each workload, with their images "
    "and change cause.",
    "info",
    (*WORKLOAD, "revision", "revision_number", "role", "images", "change_cause"),
)
LIFECYCLE_RISK = FamilySpec(
    "rollout_workload_lifecycle_risk",
    "1 for each deploy-time 502 risk found on a workload that a Service selects.",
    "gauge",
    (*WORKLOAD, "risk"),
)
SERVICE_WORKLOAD = FamilySpec(
    "rollout_service_workload",
    "1 for each workload whose Pod template the Service's selector matches.",
    "info",
    (*SERVICE, "workload_kind", "workload"),
)
ENDPOINTS = FamilySpec(
    "rollout_service_endpoints",
    "Endpoints of the Service summed over its EndpointSlices, by condition (ready, "
    "serving, terminating).",
    "gauge",
    (*SERVICE, "condition"),
)
EMPTY_SINCE = FamilySpec(
    "rollout_service_endpoints_empty_since_timestamp_seconds",
    "Unix time since which the Service has had no ready endpoint; 0 while it has some.",
    "gauge",
    SERVICE,
)
SELECTOR_MATCHES = FamilySpec(
    "rollout_service_selector_matches_pods",
    "Pods matching the Service's selector; 0 means a broken selector, not unready Pods.",
    "gauge",
    SERVICE,
)

WORKLOAD_FAMILIES = (
    IN_PROGRESS,
    PAUSED,
    STARTED,
    DURATION,
    STALLED,
    BLOCKED,
    PROBE_FAILURES,
    OOM_KILLS,
    LAST_OOM,
    REVISION_INFO,
    LIFECYCLE_RISK,
)
SERVICE_FAMILIES = (SERVICE_WORKLOAD, ENDPOINTS, EMPTY_SINCE, SELECTOR_MATCHES)
ALL_FAMILIES = WORKLOAD_FAMILIES + SERVICE_FAMILIES
