"""The committed dashboards/*.json are exactly what the generator writes.

kubernetes-mixin commits its generated dashboards and fails CI when regenerating changes
them; so do we. The Helm chart copies these files byte for byte.
"""

from __future__ import annotations

import json

import pytest
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import Dashboard

from dashboards.build import DASHBOARDS, FOLDER, check_sdk_build, rendered
from tests.dashboards.queries import panels


def test_the_pinned_sdk_build_is_installed() -> None:
    check_sdk_build()


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_committed_json_is_what_the_code_generates(name: str) -> None:
    committed = FOLDER / name
    assert committed.is_file(), f"dashboards/{name} missing: run `python -m dashboards`"
    assert committed.read_text(encoding="utf-8") == rendered()[name], (
        f"dashboards/{name} is out of date: run `python -m dashboards` (then scripts/sync-chart)"
    )


def test_no_other_json_sits_in_the_dashboards_folder() -> None:
    """The chart ships every dashboards/*.json; a stray file would become a ConfigMap."""
    assert sorted(path.name for path in FOLDER.glob("*.json")) == sorted(DASHBOARDS)


def test_generating_twice_gives_the_same_bytes() -> None:
    assert rendered() == rendered()


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_committed_json_reads_back_into_the_sdks_model(name: str) -> None:
    """Grafana 11.6's schema, as the SDK models it, holds every panel and query."""
    plugins.register_default_plugins()
    committed = json.loads((FOLDER / name).read_text(encoding="utf-8"))
    reread = json.loads(json.dumps(Dashboard.from_json(committed), cls=JSONEncoder))

    def queries_by_panel(dashboard: dict[str, object]) -> list[tuple[str, list[str]]]:
        return [
            (panel["title"], [target["expr"] for target in panel.get("targets", [])])
            for panel in panels(dashboard)
        ]

    assert queries_by_panel(reread) == queries_by_panel(committed)
    assert reread["schemaVersion"] == committed["schemaVersion"] == 41
