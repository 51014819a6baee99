"""Two charts to render: the chart as committed, and a copy carrying the test fixtures.

The committed chart ships whatever scripts/sync-chart copied from rules/ and dashboards/
(possibly nothing yet). The fixture chart is the same chart synced from a scratch
repository whose rules/ and dashboards/ hold tests/helm/data/fixtures, so the rule and
dashboard machinery is exercised whatever the real folders contain.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helm.chart import CHART, FIXTURES, sync_chart


def make_repository(root: Path, *, rules: Path | None, dashboards: Path | None) -> Path:
    """A scratch repository root with the chart and the given sources; returns the chart."""
    chart = root / "helm" / "rollout-exporter"
    shutil.copytree(CHART, chart, ignore=shutil.ignore_patterns("files"))
    for kind, source in (("rules", rules), ("dashboards", dashboards)):
        if source is not None:
            shutil.copytree(source, root / kind)
    result = sync_chart("--root", root)
    assert result.returncode == 0, result.stdout + result.stderr
    return chart


@pytest.fixture(scope="session")
def fixture_chart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repository(
        tmp_path_factory.mktemp("repo"),
        rules=FIXTURES / "rules",
        dashboards=FIXTURES / "dashboards",
    )
