"""One ConfigMap per dashboard, holding exactly the JSON of dashboards/, for the sidecar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helm.chart import CHART, FIXTURES, REPO, render


def dashboard_files(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.json"))}


def configmap_data(chart: Path, values: dict[str, Any] | None = None) -> dict[str, str]:
    data: dict[str, str] = {}
    for configmap in render(chart, values).of_kind("ConfigMap"):
        (item,) = configmap["data"].items()
        data[item[0]] = item[1]
    return data


def test_the_committed_chart_ships_exactly_the_dashboards_of_dashboards_dir() -> None:
    assert configmap_data(CHART) == dashboard_files(REPO / "dashboards")


def test_each_dashboard_is_carried_byte_for_byte(fixture_chart: Path) -> None:
    assert configmap_data(fixture_chart) == dashboard_files(FIXTURES / "dashboards")


def sidecar_configmaps(chart: Path, values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return render(chart, values).of_kind("ConfigMap")


def test_dashboards_are_labelled_for_the_grafana_sidecar(fixture_chart: Path) -> None:
    (configmap,) = sidecar_configmaps(fixture_chart)
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert "annotations" not in configmap["metadata"]


def test_label_folder_and_namespace_are_configurable(fixture_chart: Path) -> None:
    values = {
        "dashboards": {
            "label": "grafana.io/dashboard",
            "labelValue": "rollouts",
            "folder": "Rollouts",
            "folderAnnotation": "k8s-sidecar-target-directory",
            "namespace": "grafana",
        }
    }
    (configmap,) = sidecar_configmaps(fixture_chart, values)
    meta = configmap["metadata"]
    assert meta["labels"]["grafana.io/dashboard"] == "rollouts"
    assert "grafana_dashboard" not in meta["labels"]
    assert meta["annotations"] == {"k8s-sidecar-target-directory": "Rollouts"}
    assert meta["namespace"] == "grafana"


def test_no_configmaps_when_dashboards_are_off(fixture_chart: Path) -> None:
    assert sidecar_configmaps(fixture_chart, {"dashboards": {"enabled": False}}) == []
