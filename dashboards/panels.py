"""Panel kinds the dashboards are made of, each with its unit and the shared datasource.

Queries are written out in full where the dashboards use them, so the Python reads like
the JSON a user sees in Grafana's query editor; this module only decides how a panel
looks: a unit on every time series and stat, legends and tooltips sorted the same way,
table columns chosen and named explicitly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import prometheus, stat, table, timeseries
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as models
from grafana_foundation_sdk.models import prometheus as prometheus_models

from dashboards.templating import DATASOURCE

Mapping_ = Mapping[str, tuple[str, str | None]]
"""Value → (text, color or None): what a value mapping shows instead of the raw value."""


def query(expr: str, *, legend: str = "", ref: str = "A") -> prometheus.Dataquery:
    """A range query, as time series panels and annotations draw them."""
    target = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE).range()
    return target.legend_format(legend) if legend else target


def instant(expr: str, *, ref: str = "A", table: bool = True) -> prometheus.Dataquery:
    """An instant query at the end of the time range: one table row per series, or (for a
    stat) the value now rather than the last one seen in the range."""
    target = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE).instant()
    return target.format(prometheus_models.PromQueryFormat.TABLE) if table else target


def value_mappings(mapping: Mapping_) -> list[models.ValueMapping]:
    return [
        models.ValueMap(
            options={
                value: models.ValueMappingResult(text=text, color=color, index=index)
                for index, (value, (text, color)) in enumerate(mapping.items())
            }
        )
    ]


def thresholds(*steps: tuple[float | None, str]) -> dashboard_builders.ThresholdsConfig:
    """Absolute thresholds; the first step's value is None (from minus infinity)."""
    return (
        dashboard_builders.ThresholdsConfig()
        .mode(models.ThresholdsMode.ABSOLUTE)
        .steps([models.Threshold(value=value, color=color) for value, color in steps])
    )


OK_ABOVE_ZERO_IS_BAD = thresholds((None, "green"), (1, "red"))
"""For counts where anything but 0 needs a look: stalled rollouts, empty Services."""


def timeseries_panel(
    title: str,
    description: str,
    *targets: prometheus.Dataquery,
    unit: str,
    span: int = 12,
    height: int = 8,
    bars: bool = False,
    stacked: bool = False,
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(list(targets))
        .unit(unit)
        .min(0)
        .span(span)
        .height(height)
        .fill_opacity(10)
        .line_width(1)
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(
            common_builders.VizTooltipOptions()
            .mode(common.TooltipDisplayMode.MULTI)
            .sort(common.SortOrder.DESCENDING)
        )
    )
    if bars:
        panel = panel.draw_style(common.GraphDrawStyle.BARS).fill_opacity(60)
    if stacked:
        panel = panel.stacking(common_builders.StackingConfig().mode(common.StackingMode.NORMAL))
    return panel


def stat_panel(
    title: str,
    description: str,
    target: prometheus.Dataquery,
    *,
    unit: str,
    span: int = 6,
    height: int = 4,
    mappings: Mapping_ | None = None,
    colors: dashboard_builders.ThresholdsConfig | None = None,
    no_value: str | None = None,
) -> stat.Panel:
    """One number: the last value in the time range."""
    panel = (
        stat.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .with_target(target)
        .unit(unit)
        .span(span)
        .height(height)
        .graph_mode(common.BigValueGraphMode.AREA)
        .color_mode(common.BigValueColorMode.VALUE)
        .reduce_options(common_builders.ReduceDataOptions().calcs(["lastNotNull"]).values(False))
    )
    if mappings:
        panel = panel.mappings(value_mappings(mappings))
    if colors is not None:
        panel = panel.thresholds(colors)
    if no_value is not None:
        panel = panel.no_value(no_value)
    return panel


@dataclasses.dataclass(frozen=True)
class Column:
    """One table column: the field the query returns, and how to show it."""

    field: str
    """A label name, or `Value` (one query) / `Value #A` (several, merged)."""
    title: str
    unit: str | None = None
    mappings: Mapping_ = dataclasses.field(default_factory=dict)
    link: tuple[str, str] | None = None
    """(title, url) of a data link on the cell."""

    def override(self) -> list[models.DynamicConfigValue]:
        properties = [models.DynamicConfigValue(id_val="displayName", value=self.title)]
        if self.unit is not None:
            properties.append(models.DynamicConfigValue(id_val="unit", value=self.unit))
        if self.mappings:
            properties.append(
                models.DynamicConfigValue(id_val="mappings", value=value_mappings(self.mappings))
            )
        if any(color for _, color in self.mappings.values()):
            properties.append(
                models.DynamicConfigValue(id_val="custom.cellOptions", value={"type": "color-text"})
            )
        if self.link is not None:
            title, url = self.link
            properties.append(
                models.DynamicConfigValue(id_val="links", value=[{"title": title, "url": url}])
            )
        return properties


def table_panel(
    title: str,
    description: str,
    *targets: prometheus.Dataquery,
    columns: Sequence[Column],
    span: int = 24,
    height: int = 8,
    sort_by: str | None = None,
) -> table.Panel:
    """Instant queries joined on their common labels, showing only `columns`, in order.

    Several queries are merged into one row per label set (Grafana's `merge`); fields not
    named in `columns` (Time, `__name__`, helper labels) are left out.
    """
    names = [column.field for column in columns]
    panel = (
        table.Panel()
        .title(title)
        .description(description)
        .datasource(DATASOURCE)
        .targets(list(targets))
        .span(span)
        .height(height)
        .cell_height(common.TableCellHeight.SM)
    )
    if len(targets) > 1:
        panel = panel.with_transformation(models.DataTransformerConfig(id_val="merge", options={}))
    panel = panel.with_transformation(
        models.DataTransformerConfig(
            id_val="filterFieldsByName", options={"include": {"names": names}}
        )
    ).with_transformation(
        models.DataTransformerConfig(
            id_val="organize",
            options={"indexByName": {name: index for index, name in enumerate(names)}},
        )
    )
    for column in columns:
        panel = panel.override_by_name(column.field, column.override())
    if sort_by is not None:
        panel = panel.sort_by(
            [common_builders.TableSortByFieldState().display_name(sort_by).desc(True)]
        )
    return panel


def row(title: str) -> dashboard_builders.Row:
    return dashboard_builders.Row(title)
