"""What the two dashboards share outside their panels: datasource, variables, links,
annotations.

kube-prometheus-stack users expect a `datasource` variable that every query goes through
(so the JSON imports and provisions unchanged: no `__inputs`, no `${DS_...}`), stable
uids, a common tag, and links between the dashboards of one mixin that keep the time
range and the variables.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as builders
from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.models import dashboard as models

TAG = "rollout-exporter"
"""Every dashboard carries it; the dashboard links list the dashboards with this tag."""
TAGS = [TAG, "kubernetes", "rollouts"]

OVERVIEW_UID = "rollout-overview"
WORKLOAD_UID = "rollout-workload"

DATASOURCE = models.DataSourceRef(type_val="prometheus", uid="${datasource}")
"""Every panel, annotation and variable queries the datasource the variable selects."""


def datasource_variable() -> builders.DatasourceVariable:
    return builders.DatasourceVariable("datasource").label("Data source").type("prometheus")


def label_variable(
    name: str, label: str, query: str, *, description: str, include_all: bool = False
) -> builders.QueryVariable:
    """A variable listing the values of one label, refreshed with the time range."""
    variable = (
        builders.QueryVariable(name)
        .label(label)
        .description(description)
        .datasource(DATASOURCE)
        .query(query)
        .refresh(models.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .sort(models.VariableSort.ALPHABETICAL_ASC)
    )
    if include_all:
        variable = variable.multi(True).include_all(True).all_value(".*")
    return variable


def dashboards_link() -> builders.DashboardLink:
    """A dropdown of every rollout dashboard, carrying time range and variables along."""
    return (
        builders.DashboardLink("Rollout dashboards")
        .type(models.DashboardLinkType.DASHBOARDS)
        .tags([TAG])
        .as_dropdown(True)
        .include_vars(True)
        .keep_time(True)
    )


def workload_url(*, namespace: str, workload: str) -> str:
    """Data link into the workload dashboard; arguments are Grafana interpolations."""
    return (
        f"/d/{WORKLOAD_UID}?${{datasource:queryparam}}"
        f"&var-namespace={namespace}&var-workload={workload}&${{__url_time_range}}"
    )


class PrometheusAnnotation(models.AnnotationQuery):
    """An annotation the Prometheus datasource evaluates as a range query.

    The SDK's model knows the fields every datasource shares; Grafana's Prometheus
    annotation support also reads `titleFormat`, `textFormat`, `tagKeys` and
    `useValueForTime` (the series value, in milliseconds, is the event's time).
    """

    def __init__(
        self,
        *,
        name: str,
        expr: str,
        icon_color: str,
        title_format: str,
        text_format: str = "",
        tag_keys: tuple[str, ...] = (),
        use_value_for_time: bool = False,
    ) -> None:
        super().__init__(
            name=name, datasource=DATASOURCE, enable=True, icon_color=icon_color, expr=expr
        )
        self.title_format = title_format
        self.text_format = text_format
        self.tag_keys = tag_keys
        self.use_value_for_time = use_value_for_time

    def to_json(self) -> dict[str, object]:
        payload = super().to_json()
        payload.update(
            titleFormat=self.title_format,
            textFormat=self.text_format,
            tagKeys=",".join(self.tag_keys),
            useValueForTime=self.use_value_for_time,
        )
        return payload


class Annotation(cogbuilder.Builder[models.AnnotationQuery]):
    """Hands a ready `PrometheusAnnotation` to the dashboard builder."""

    def __init__(self, annotation: PrometheusAnnotation) -> None:
        self._annotation = annotation

    def build(self) -> models.AnnotationQuery:
        return self._annotation
