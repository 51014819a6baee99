"""Render the dashboards to the JSON files committed in dashboards/.

The JSON is what Grafana shows in "Export → Save to file" for a provisioned dashboard:
no `id`, no `__inputs`, the datasource through the `datasource` variable. Keys are
sorted and indented so that a change to the code shows as a readable diff of the JSON.
Panel ids are numbered in layout order (rows included), so they stay the same as long
as the layout does.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Callable
from pathlib import Path

from grafana_foundation_sdk.builders.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import dashboard as models

from dashboards.overview import overview
from dashboards.workload import workload

FOLDER = Path(__file__).resolve().parent

SDK_BUILD = "1769699379!11.6.0"
"""The grafana-foundation-sdk build the committed JSON is generated with (Grafana 11.6,
schemaVersion 41). Builds are epochs, and the highest epoch is a Grafana 10.1 build, so
an unpinned install picks that one: its JSON differs and does not even re-read."""


class WrongSdkBuildError(RuntimeError):
    """The installed grafana-foundation-sdk is not the pinned build."""


def check_sdk_build() -> None:
    installed = importlib.metadata.version("grafana-foundation-sdk")
    if installed != SDK_BUILD:
        raise WrongSdkBuildError(
            f"grafana-foundation-sdk {installed} is installed; the dashboards are generated "
            f"with {SDK_BUILD}: pip install 'grafana-foundation-sdk=={SDK_BUILD}'"
        )


DASHBOARDS: dict[str, Callable[[], Dashboard]] = {
    "rollout-overview.json": overview,
    "rollout-workload.json": workload,
}
"""File name in dashboards/ → the dashboard it holds."""


def number_panels(dashboard: models.Dashboard) -> models.Dashboard:
    for number, panel in enumerate(dashboard.panels or [], start=1):
        panel.id_val = number
    return dashboard


def render(build: Callable[[], Dashboard]) -> str:
    dashboard = number_panels(build().build())
    return (
        json.dumps(dashboard, cls=JSONEncoder, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


def rendered() -> dict[str, str]:
    """Every dashboard file's expected content."""
    check_sdk_build()
    return {name: render(build) for name, build in DASHBOARDS.items()}


def stale(folder: Path = FOLDER) -> list[str]:
    """Names of the dashboard files in `folder` that differ from the code (or are missing)."""
    return [
        name
        for name, text in rendered().items()
        if not (folder / name).is_file() or (folder / name).read_text(encoding="utf-8") != text
    ]


def write(folder: Path = FOLDER) -> list[str]:
    """Write every dashboard file that changed; returns their names."""
    changed = stale(folder)
    texts = rendered()
    for name in changed:
        (folder / name).write_text(texts[name], encoding="utf-8")
    return changed
