"""Rollouts / Overview: every rollout in the selected namespaces, for the on-call engineer.

Each row answers one question (docs/dashboards.md lists them); tables link each workload
to the workload dashboard with the same datasource and time range.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.models import dashboard as models

from dashboards.panels import (
    OK_ABOVE_ZERO_IS_BAD,
    Column,
    instant,
    query,
    row,
    stat_panel,
    table_panel,
    timeseries_panel,
)
from dashboards.promql import INGRESS_5XX_RATE, INGRESS_REQUESTS_RATE, grew
from dashboards.templating import (
    OVERVIEW_UID,
    TAGS,
    dashboards_link,
    datasource_variable,
    label_variable,
    workload_url,
)

TITLE = "Rollouts / Overview"

WORKLOAD_LINK = (
    "Workload dashboard",
    workload_url(namespace="${__data.fields.namespace}", workload="${__value.raw}"),
)
OUTCOMES = {
    "completed": ("completed", "green"),
    "failed": ("failed (progress deadline)", "red"),
    "rolled_back": ("rolled back", "orange"),
    "superseded": ("superseded", "blue"),
}
STALLED = {"0": ("progressing", "green"), "1": ("stalled", "red")}

NAMESPACE = Column("namespace", "Namespace")
KIND = Column("workload_kind", "Kind")
WORKLOAD = Column("workload", "Workload", link=WORKLOAD_LINK)
REVISION = Column("revision", "Revision")


def rollouts_now(dashboard: builders.Dashboard) -> builders.Dashboard:
    in_progress = 'rollout_in_progress{namespace=~"$namespace"}'
    started = 'rollout_started_timestamp_seconds{namespace=~"$namespace"}'
    stalled = 'rollout_stalled{namespace=~"$namespace"}'
    while_in_progress = f"and on (namespace, workload_kind, workload) {in_progress} == 1"
    return (
        dashboard.with_row(row("Rollouts now"))
        .with_panel(
            stat_panel(
                "Rollouts in progress",
                "Workloads with a rollout in progress now (paused ones not counted).",
                query(f"sum({in_progress})"),
                unit="none",
            )
        )
        .with_panel(
            stat_panel(
                "In progress for over 10 minutes",
                "Rollouts in progress that started more than 600 s ago: most rollouts "
                "finish well within that, so these deserve a look before their progress "
                "deadline passes.",
                query(
                    "sum(\n"
                    "  ((time() - max by (namespace, workload_kind, workload) "
                    f"({started})) > bool 600)\n"
                    f"  * on (namespace, workload_kind, workload) {in_progress}\n"
                    ")"
                ),
                unit="none",
                colors=OK_ABOVE_ZERO_IS_BAD,
                no_value="0",
            )
        )
        .with_panel(
            stat_panel(
                "Stalled rollouts",
                "Rollouts past their progress deadline, or with no new-revision Pod Ready "
                "for the exporter's --rollout.stall-timeout.",
                query(f"sum({stalled})"),
                unit="none",
                colors=OK_ABOVE_ZERO_IS_BAD,
            )
        )
        .with_panel(
            stat_panel(
                "Paused rollouts",
                "Deployments with spec.paused: their rollout waits for `kubectl rollout resume`.",
                query('sum(rollout_paused{namespace=~"$namespace"})'),
                unit="none",
            )
        )
        .with_panel(
            table_panel(
                "Rollouts in progress",
                "Every rollout in progress now: how long it has been running, whether it "
                "stalled, and the image it rolls out. Click a workload for its dashboard.",
                instant(
                    "time() - (\n"
                    "  max by (namespace, workload_kind, workload, revision) "
                    f"({started})\n"
                    f"  {while_in_progress}\n"
                    ")",
                    ref="A",
                ),
                instant(
                    "max by (namespace, workload_kind, workload, revision) "
                    f"({stalled})\n{while_in_progress}",
                    ref="B",
                ),
                instant(
                    "max by (namespace, workload_kind, workload, revision, images) "
                    '(rollout_revision_info{namespace=~"$namespace", role="current"})\n'
                    f"{while_in_progress}",
                    ref="C",
                ),
                columns=[
                    NAMESPACE,
                    KIND,
                    WORKLOAD,
                    REVISION,
                    Column("images", "Image"),
                    Column("Value #A", "Running for", unit="s"),
                    Column("Value #B", "State", mappings=STALLED),
                ],
                sort_by="Running for",
            )
        )
        .with_panel(
            table_panel(
                "Stalled rollouts: what holds them back",
                "New-revision Pods of stalled rollouts by blocking reason "
                "(ImagePullBackOff, CrashLoopBackOff, ReadinessProbeFailing, FailedCreate, "
                "Unschedulable, …).",
                instant(
                    "sum by (namespace, workload_kind, workload, revision, reason) "
                    '(rollout_blocked_pods{namespace=~"$namespace"}) > 0\n'
                    f"and on (namespace, workload_kind, workload, revision) {stalled} == 1"
                ),
                columns=[
                    NAMESPACE,
                    WORKLOAD,
                    REVISION,
                    Column("reason", "Reason"),
                    Column("Value", "Pods", unit="none"),
                ],
                span=12,
            )
        )
        .with_panel(
            timeseries_panel(
                "Blocked new-revision Pods by reason",
                "New-revision Pods holding an in-progress rollout back, by reason.",
                query(
                    "sum by (namespace, workload, reason) "
                    '(rollout_blocked_pods{namespace=~"$namespace"}) > 0',
                    legend="{{namespace}}/{{workload}}: {{reason}}",
                ),
                unit="none",
                stacked=True,
            )
        )
    )


def finished_rollouts(dashboard: builders.Dashboard) -> builders.Dashboard:
    count = 'rollout_duration_seconds_count{namespace=~"$namespace"}'
    total = 'rollout_duration_seconds_sum{namespace=~"$namespace"}'
    by = "sum by (namespace, workload_kind, workload, outcome)"
    return (
        dashboard.with_row(row("Finished rollouts"))
        .with_panel(
            table_panel(
                "Rollouts finished in the time range",
                "Rollouts that ended within the dashboard's time range, per workload and "
                "outcome, with their mean duration. `failed` means the progress deadline "
                "passed; `superseded`, a newer rollout started first; `rolled_back`, an "
                "older revision came back first.",
                instant(f"{by} {grew(count, '$__range')} > 0", ref="A"),
                instant(
                    f"{by} {grew(total, '$__range')}\n/\n({by} {grew(count, '$__range')} > 0)",
                    ref="B",
                ),
                columns=[
                    NAMESPACE,
                    KIND,
                    WORKLOAD,
                    Column("outcome", "Outcome", mappings=OUTCOMES),
                    Column("Value #A", "Rollouts", unit="none"),
                    Column("Value #B", "Mean duration", unit="s"),
                ],
                span=14,
            )
        )
        .with_panel(
            timeseries_panel(
                "Rollouts finished by outcome",
                "How many rollouts ended in each interval, by outcome.",
                query(
                    f"sum by (outcome) {grew(count, '$__interval')} > 0",
                    legend="{{outcome}}",
                ),
                unit="none",
                span=10,
                bars=True,
                stacked=True,
            )
        )
    )


def serving(dashboard: builders.Dashboard) -> builders.Dashboard:
    empty_since = 'rollout_service_endpoints_empty_since_timestamp_seconds{namespace=~"$namespace"}'
    return (
        dashboard.with_row(row("Serving"))
        .with_panel(
            stat_panel(
                "Services without a ready endpoint",
                "Services none of whose endpoints is ready: every request to them fails.",
                query(f"sum({empty_since} > bool 0)"),
                unit="none",
                colors=OK_ABOVE_ZERO_IS_BAD,
                height=6,
            )
        )
        .with_panel(
            table_panel(
                "Services without a ready endpoint",
                "Since when each Service has had no ready endpoint, and how many Pods its "
                "selector matches: 0 means a broken selector (e.g. a renamed label), "
                "not unready Pods.",
                instant(f"time() - ({empty_since} > 0)", ref="A"),
                instant(
                    'rollout_service_selector_matches_pods{namespace=~"$namespace"}\n'
                    f"and on (namespace, service) {empty_since} > 0",
                    ref="B",
                ),
                columns=[
                    NAMESPACE,
                    Column("service", "Service"),
                    Column("Value #A", "Without ready endpoint for", unit="s"),
                    Column(
                        "Value #B",
                        "Pods the selector matches",
                        unit="none",
                        mappings={"0": ("0: broken selector", "red")},
                    ),
                ],
                span=18,
                height=6,
            )
        )
    )


def revision_health(dashboard: builders.Dashboard) -> builders.Dashboard:
    return (
        dashboard.with_row(row("New revision health"))
        .with_panel(
            timeseries_panel(
                "OOMKills by workload",
                "Containers terminated with OOMKilled, per workload, within each "
                "$__rate_interval window.",
                query(
                    "sum by (namespace, workload) (increase("
                    'rollout_container_oomkills_total{namespace=~"$namespace"}'
                    "[$__rate_interval]))",
                    legend="{{namespace}}/{{workload}}",
                ),
                unit="short",
            )
        )
        .with_panel(
            timeseries_panel(
                "Probe failures by workload",
                "kubelet probe failures (Unhealthy Events), per workload and probe, within "
                "each $__rate_interval window.",
                query(
                    "sum by (namespace, workload, probe) (increase("
                    'rollout_probe_failures_total{namespace=~"$namespace"}'
                    "[$__rate_interval]))",
                    legend="{{namespace}}/{{workload}}: {{probe}}",
                ),
                unit="short",
            )
        )
        .with_panel(
            table_panel(
                "Last OOMKill by container",
                "How long ago each container was last OOMKilled, from the Pods' "
                "lastState: it survives exporter restarts, unlike the counter.",
                instant(
                    "time() - max by (namespace, workload_kind, workload, revision, "
                    "container) (rollout_container_last_oomkilled_timestamp_seconds"
                    '{namespace=~"$namespace"})'
                ),
                columns=[
                    NAMESPACE,
                    WORKLOAD,
                    REVISION,
                    Column("container", "Container"),
                    Column("Value", "Last OOMKill", unit="s"),
                ],
                height=6,
            )
        )
    )


def ingress_errors(dashboard: builders.Dashboard) -> builders.Dashboard:
    # Time series: the recording rules, which count a 5xx burst that fit in one scrape
    # (dashboards/promql.py). The table: grew() of the counter over the time range.
    errors = f'{INGRESS_5XX_RATE}{{namespace=~"$namespace"}}'
    errors_during = f'{INGRESS_5XX_RATE}{{namespace=~"$namespace", during_rollout="true"}}'
    requests = f'{INGRESS_REQUESTS_RATE}{{namespace=~"$namespace"}}'
    during = 'rollout_ingress_5xx_total{namespace=~"$namespace", during_rollout="true"}'
    return (
        dashboard.with_row(row("Ingress 5xx during rollouts"))
        .with_panel(
            timeseries_panel(
                "5xx during rollouts by workload and cause",
                "5xx per second (5-minute rate) the ingress controller returned for a "
                "workload while it was rolling out, by cause (refused, reset, "
                "no_endpoints, …; app = the application answered 5xx itself). The causes "
                "other than app are what RolloutIngress5xxDuringRollout pages on.",
                query(
                    f"sum by (namespace, workload, cause) ({errors_during})",
                    legend="{{namespace}}/{{workload}}: {{cause}}",
                ),
                unit="reqps",
                stacked=True,
            )
        )
        .with_panel(
            timeseries_panel(
                "5xx share of requests, during rollouts and not",
                "Share of a workload's requests that got a 5xx (5-minute rates), split by "
                "whether a rollout of it was in progress.",
                query(
                    f"sum by (namespace, workload, during_rollout) ({errors})\n"
                    "/ on (namespace, workload) group_left ()\n"
                    f"sum by (namespace, workload) ({requests})",
                    legend="{{namespace}}/{{workload}} during rollout: {{during_rollout}}",
                ),
                unit="percentunit",
            )
        )
        .with_panel(
            table_panel(
                "5xx during rollouts in the time range",
                "Workloads whose rollouts cost users 5xx within the time range, by cause.",
                instant(
                    # grew(), not increase(): a 5xx burst creates its series with the
                    # burst already counted, and increase() drops a series' first sample.
                    "sum by (namespace, workload_kind, workload, cause) "
                    f"({grew(during, '$__range')}) > 0"
                ),
                columns=[
                    NAMESPACE,
                    WORKLOAD,
                    Column("cause", "Cause"),
                    Column("Value", "5xx responses", unit="short"),
                ],
                sort_by="5xx responses",
                height=6,
            )
        )
    )


def overview() -> builders.Dashboard:
    dashboard = (
        builders.Dashboard(TITLE)
        .uid(OVERVIEW_UID)
        .description(
            "Rollouts in progress, stalled and finished; Services without ready "
            "endpoints; OOMKills, probe failures and ingress 5xx by workload "
            "(rollout-exporter)."
        )
        .tags(TAGS)
        .editable()
        .tooltip(models.DashboardCursorSync.CROSSHAIR)
        .time("now-6h", "now")
        .refresh("30s")
        .timezone("browser")
        .link(dashboards_link())
        .with_variable(datasource_variable())
        .with_variable(
            label_variable(
                "namespace",
                "Namespace",
                "label_values(rollout_in_progress, namespace)",
                description="Namespaces with workloads the exporter watches.",
                include_all=True,
            )
        )
    )
    for section in (rollouts_now, finished_rollouts, serving, revision_health, ingress_errors):
        dashboard = section(dashboard)
    return dashboard
