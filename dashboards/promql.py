"""PromQL idioms more than one panel needs, and the recording rules panels read."""

from __future__ import annotations

INGRESS_REQUESTS_RATE = "namespace_workload:rollout_ingress_requests:rate5m"
"""Requests per second over 5 minutes, by namespace, workload_kind and workload."""
INGRESS_REQUESTS_RATE_BY_STATUS = (
    "namespace_workload_revision_status:rollout_ingress_requests:rate5m"
)
"""The same by revision and status too."""
INGRESS_5XX_RATE = "namespace_workload_revision_cause:rollout_ingress_5xx:rate5m"
"""5xx per second over 5 minutes, by namespace, workload_kind, workload, revision, cause
and during_rollout."""
INGRESS_5XX_RATE_BY_POD_STATE = (
    "namespace_workload_revision_pod_state_cause:rollout_ingress_5xx:rate5m"
)
"""The same with the upstream Pod's state (`pod_state`) too."""
# The ingress time series read these recording rules (rules/rollout-exporter.rules.yaml)
# instead of rate() over rollout_ingress_requests_total and rollout_ingress_5xx_total:
# most 5xx series are born with a burst (the refused connects to one rollout's terminating
# Pods, in a series of their own, often within one scrape interval), and rate() cannot
# see a series' first sample, so it would draw nothing for exactly that burst. The rules
# count a series born within their window from 0, and RolloutIngress5xxDuringRollout
# pages on them: the panels show what the alert computed.


def grew(series: str, window: str) -> str:
    """How much `series` (a histogram's `_count` or `_sum`) grew within `window`.

    `increase()` misses a series' first sample, and the exporter creates a workload's
    duration histogram at its first finished rollout, so `increase()` would drop exactly
    the first rollout of every workload. A series absent at the start of the window
    counts from 0 instead. After an exporter restart the difference is negative for the
    window that spans the restart (the histogram starts empty again), which `> 0`
    filters out where a panel uses it.
    """
    return f"({series} - ({series} offset {window} or {series} * 0))"
