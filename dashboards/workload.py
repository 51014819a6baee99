"""Rollouts / Workload: one workload's rollouts, what they cost users, and why.

The rollout timeline is drawn as annotations on every time series: when each rollout
started (from the start timestamp itself, not from when Prometheus first saw it), when
it stalled, and when it ended with which outcome.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.builders import timeseries
from grafana_foundation_sdk.models import dashboard as models

from dashboards.panels import (
    Column,
    instant,
    query,
    row,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from dashboards.promql import (
    INGRESS_5XX_RATE,
    INGRESS_5XX_RATE_BY_POD_STATE,
    INGRESS_REQUESTS_RATE,
    INGRESS_REQUESTS_RATE_BY_STATUS,
    grew,
)
from dashboards.risks import documented_risks
from dashboards.templating import (
    TAGS,
    WORKLOAD_UID,
    Annotation,
    PrometheusAnnotation,
    dashboards_link,
    datasource_variable,
    label_variable,
)

TITLE = "Rollouts / Workload"

SELECTOR = 'namespace="$namespace", workload="$workload"'
"""The workload the variables select; `workload_kind` is shown, never filtered on."""

OUTCOMES = {
    "completed": ("completed", "green"),
    "failed": ("failed (progress deadline)", "red"),
    "rolled_back": ("rolled back", "orange"),
    "superseded": ("superseded", "blue"),
}


def timeline() -> list[Annotation]:
    count = f"rollout_duration_seconds_count{{{SELECTOR}}}"
    return [
        Annotation(
            PrometheusAnnotation(
                name="Rollout started",
                expr=f"max by (revision) (rollout_started_timestamp_seconds{{{SELECTOR}}}) * 1000",
                icon_color="blue",
                title_format="Rollout of {{revision}} started",
                tag_keys=("revision",),
                use_value_for_time=True,
            )
        ),
        Annotation(
            PrometheusAnnotation(
                name="Rollout stalled",
                expr=f"max by (revision) (rollout_stalled{{{SELECTOR}}}) == 1",
                icon_color="red",
                title_format="Rollout of {{revision}} stalled",
                tag_keys=("revision",),
            )
        ),
        Annotation(
            PrometheusAnnotation(
                name="Rollout ended",
                expr=f"sum by (outcome) {grew(count, '$__interval')} > 0",
                icon_color="green",
                title_format="Rollout ended: {{outcome}}",
                tag_keys=("outcome",),
            )
        ),
    ]


def rollout(dashboard: builders.Dashboard) -> builders.Dashboard:
    count = f"rollout_duration_seconds_count{{{SELECTOR}}}"
    total = f"rollout_duration_seconds_sum{{{SELECTOR}}}"
    return (
        dashboard.with_row(row("Rollout"))
        .with_panel(
            stat_panel(
                "Rollout in progress",
                "Whether a rollout of this workload is in progress (not while paused).",
                query(f"max(rollout_in_progress{{{SELECTOR}}})"),
                unit="none",
                mappings={"0": ("no", "green"), "1": ("yes", "blue")},
            )
        )
        .with_panel(
            stat_panel(
                "Running for",
                "Time since the unfinished rollout started (also while paused), now: an "
                "instant query, so a rollout that finished earlier in the range is not shown.",
                instant(
                    f"time() - max(rollout_started_timestamp_seconds{{{SELECTOR}}})", table=False
                ),
                unit="s",
                no_value="no rollout",
            )
        )
        .with_panel(
            stat_panel(
                "Stalled",
                "Past its progress deadline, or no new-revision Pod became Ready for the "
                "exporter's --rollout.stall-timeout.",
                query(f"max(rollout_stalled{{{SELECTOR}}})"),
                unit="none",
                mappings={"0": ("no", "green"), "1": ("stalled", "red")},
            )
        )
        .with_panel(
            stat_panel(
                "Paused",
                "spec.paused: the rollout waits for `kubectl rollout resume`.",
                query(f"max(rollout_paused{{{SELECTOR}}})"),
                unit="none",
                mappings={"0": ("no", "green"), "1": ("paused", "orange")},
            )
        )
        .with_panel(
            timeseries_panel(
                "Blocked new-revision Pods by reason",
                "New-revision Pods holding the rollout back, by the first reason that "
                "applies (image pull, crash loop, config error, unschedulable, readiness "
                "probe, quota, pending).",
                query(
                    f"sum by (revision, reason) (rollout_blocked_pods{{{SELECTOR}}}) > 0",
                    legend="{{reason}} ({{revision}})",
                ),
                unit="none",
                stacked=True,
            )
        )
        .with_panel(
            table_panel(
                "Rollouts finished in the time range",
                "Rollouts of this workload that ended within the time range, by outcome, "
                "with their mean duration.",
                instant(f"sum by (outcome) {grew(count, '$__range')} > 0", ref="A"),
                instant(
                    f"sum by (outcome) {grew(total, '$__range')}\n/\n"
                    f"(sum by (outcome) {grew(count, '$__range')} > 0)",
                    ref="B",
                ),
                columns=[
                    Column("outcome", "Outcome", mappings=OUTCOMES),
                    Column("Value #A", "Rollouts", unit="none"),
                    Column("Value #B", "Mean duration", unit="s"),
                ],
                span=12,
            )
        )
    )


def ingress_errors(dashboard: builders.Dashboard) -> builders.Dashboard:
    # The panels read the recording rules the page is computed from, which count a burst
    # that fit in one scrape (dashboards/promql.py).
    errors = f"{INGRESS_5XX_RATE}{{{SELECTOR}}}"
    errors_by_pod_state = f"{INGRESS_5XX_RATE_BY_POD_STATE}{{{SELECTOR}}}"
    requests = f"{INGRESS_REQUESTS_RATE}{{{SELECTOR}}}"
    requests_by_status = f"{INGRESS_REQUESTS_RATE_BY_STATUS}{{{SELECTOR}}}"

    def errors_by(label: str, title: str, description: str) -> timeseries.Panel:
        rule = errors_by_pod_state if label == "pod_state" else errors
        return timeseries_panel(
            title,
            f"{description} 5xx per second, 5-minute rate.",
            query(f"sum by ({label}) ({rule})", legend=f"{{{{{label}}}}}"),
            unit="reqps",
            span=8,
            stacked=True,
        )

    return (
        dashboard.with_row(row("Ingress 5xx"))
        .with_panel(
            errors_by(
                "revision",
                "5xx by revision",
                "Which revision's Pods the failed requests went to.",
            )
        )
        .with_panel(
            errors_by(
                "pod_state",
                "5xx by Pod state",
                "The upstream Pod's state at request time: terminating (old Pods still "
                "sent traffic), warming (Ready, app not yet), not_ready, gone, unknown.",
            )
        )
        .with_panel(
            errors_by(
                "cause",
                "5xx by cause",
                "refused, reset, premature_close, timeout, no_live_upstreams, "
                "no_endpoints; app = the application answered 5xx itself.",
            )
        )
        .with_panel(
            timeseries_panel(
                "Requests by status",
                "Requests per second the ingress controller sent to this workload, by "
                "status, 5-minute rate.",
                query(
                    f"sum by (status) ({requests_by_status})",
                    legend="{{status}}",
                ),
                unit="reqps",
                stacked=True,
            )
        )
        .with_panel(
            timeseries_panel(
                "5xx share of requests",
                "Share of requests that got a 5xx (5-minute rates), split by whether a "
                "rollout was in progress.",
                query(
                    f"sum by (during_rollout) ({errors})\n/ on () group_left ()\nsum({requests})",
                    legend="during rollout: {{during_rollout}}",
                ),
                unit="percentunit",
            )
        )
    )


def serving(dashboard: builders.Dashboard) -> builders.Dashboard:
    return dashboard.with_row(row("Serving")).with_panel(
        timeseries_panel(
            "Service endpoints by condition",
            "Endpoints of the Services selecting this workload: ready (receive traffic), "
            "serving, terminating. Ready dropping during a rollout means capacity lost; "
            "terminating endpoints still receiving traffic is where 502s come from.",
            query(
                'sum by (service, condition) (rollout_service_endpoints{namespace="$namespace"}'
                "\n* on (namespace, service) group_left ()\n"
                "max by (namespace, service) "
                f"(rollout_service_workload_info{{{SELECTOR}}}))",
                legend="{{service}}: {{condition}}",
            ),
            unit="none",
            span=24,
        )
    )


def revision_health(dashboard: builders.Dashboard) -> builders.Dashboard:
    return (
        dashboard.with_row(row("New revision health"))
        .with_panel(
            timeseries_panel(
                "Probe failures by probe and failure",
                "kubelet probe failures within each $__rate_interval window; failure is "
                "the HTTP status, connection_refused, timeout, exec or other.",
                query(
                    "sum by (revision, probe, failure) (increase("
                    f"rollout_probe_failures_total{{{SELECTOR}}}[$__rate_interval]))",
                    legend="{{probe}} {{failure}} ({{revision}})",
                ),
                unit="short",
            )
        )
        .with_panel(
            timeseries_panel(
                "OOMKills by container",
                "Containers terminated with OOMKilled within each $__rate_interval window.",
                query(
                    "sum by (revision, container) (increase("
                    f"rollout_container_oomkills_total{{{SELECTOR}}}[$__rate_interval]))",
                    legend="{{container}} ({{revision}})",
                ),
                unit="short",
            )
        )
        .with_panel(
            table_panel(
                "Last OOMKill by container",
                "How long ago each container was last OOMKilled (from the Pods' lastState, "
                "so it survives exporter restarts).",
                instant(
                    "time() - max by (revision, container) "
                    f"(rollout_container_last_oomkilled_timestamp_seconds{{{SELECTOR}}})"
                ),
                columns=[
                    Column("revision", "Revision"),
                    Column("container", "Container"),
                    Column("Value", "Last OOMKill", unit="s"),
                ],
                height=5,
            )
        )
    )


def revisions(dashboard: builders.Dashboard) -> builders.Dashboard:
    return dashboard.with_row(row("Revisions")).with_panel(
        table_panel(
            "Current and previous revision",
            "The revision rolling out (or last rolled out) and the one before it: what "
            "a rollback would bring back.",
            instant(
                "max by (role, revision, revision_number, images, change_cause) "
                f"(rollout_revision_info{{{SELECTOR}}})"
            ),
            columns=[
                Column("role", "Role"),
                Column("revision_number", "Revision"),
                Column("revision", "Hash"),
                Column("images", "Images"),
                Column("change_cause", "Change cause"),
            ],
            height=5,
        )
    )


def lifecycle_risks(dashboard: builders.Dashboard) -> builders.Dashboard:
    risks = documented_risks()
    return dashboard.with_row(row("Lifecycle risks")).with_panel(
        table_panel(
            "Lifecycle risks and the fix to apply",
            "Settings that turn the next rollout into 502s, found on this workload; "
            "the fixes are those of docs/metrics.md.",
            instant(
                "label_replace(\n"
                "  label_replace(\n"
                f"    max by (risk) (rollout_workload_lifecycle_risk{{{SELECTOR}}}),\n"
                '    "when", "$1", "risk", "(.*)"\n'
                "  ),\n"
                '  "fix", "$1", "risk", "(.*)"\n'
                ")"
            ),
            columns=[
                Column("risk", "Risk"),
                Column("when", "Found when", mappings={r.name: (r.when, None) for r in risks}),
                Column("fix", "Fix", mappings={r.name: (r.fix, None) for r in risks}),
            ],
            height=6,
        )
    )


def workload() -> builders.Dashboard:
    dashboard = (
        builders.Dashboard(TITLE)
        .uid(WORKLOAD_UID)
        .description(
            "One workload: its rollouts on a timeline, the 5xx they caused by revision, "
            "Pod state and cause, endpoints, probe failures, OOMKills, revisions and "
            "lifecycle risks with their fixes (rollout-exporter)."
        )
        .tags(TAGS)
        .editable()
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .time("now-3h", "now")
        .refresh("30s")
        .timezone("browser")
        .link(dashboards_link())
        .annotations(list(timeline()))
        .with_variable(datasource_variable())
        .with_variable(
            label_variable(
                "namespace",
                "Namespace",
                "label_values(rollout_in_progress, namespace)",
                description="Namespace of the workload.",
            )
        )
        .with_variable(
            label_variable(
                "workload",
                "Workload",
                'label_values(rollout_in_progress{namespace="$namespace"}, workload)',
                description="Deployment, StatefulSet or DaemonSet in the namespace.",
            )
        )
    )
    for section in (rollout, ingress_errors, serving, revision_health, revisions, lifecycle_risks):
        dashboard = section(dashboard)
    return dashboard
