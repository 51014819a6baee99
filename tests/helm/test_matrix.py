"""Every ci/*-values.yaml scenario renders objects the API server and the operator accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import pytest

from exporter.settings import parse_settings
from tests.helm.chart import CHART, KUBE_VERSIONS, render, validation_errors, value_sets

SCENARIOS = value_sets()


def test_the_matrix_covers_the_scenarios_the_chart_promises() -> None:
    assert set(SCENARIOS) == {
        "default",
        "namespaced",
        "log-streaming",
        "monitoring-off",
        "everything",
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_rendered_object_is_valid(fixture_chart: Path, scenario: str) -> None:
    rendered = render(fixture_chart, SCENARIOS[scenario])
    errors = [error for obj in rendered.objects for error in validation_errors(obj)]
    assert errors == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_committed_chart_renders_valid_objects(scenario: str) -> None:
    rendered = render(CHART, SCENARIOS[scenario])
    assert [error for obj in rendered.objects for error in validation_errors(obj)] == []


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_object_identities_are_unique(fixture_chart: Path, scenario: str) -> None:
    rendered = render(fixture_chart, SCENARIOS[scenario])
    identities = [
        (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
        for obj in rendered.objects
    ]
    assert len(identities) == len(set(identities))


def kinds(values: dict[str, Any], chart: Path) -> set[str]:
    return {obj["kind"] for obj in render(chart, values).objects}


def test_the_toggles_switch_their_objects(fixture_chart: Path) -> None:
    core = {"Deployment", "Service", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"}
    monitoring = {"ServiceMonitor", "PrometheusRule", "ConfigMap"}
    optional = {"AlertmanagerConfig", "NetworkPolicy", "PodDisruptionBudget"}
    assert kinds(SCENARIOS["default"], fixture_chart) == core | monitoring
    assert kinds(SCENARIOS["monitoring-off"], fixture_chart) == core
    assert (
        kinds(SCENARIOS["everything"], fixture_chart)
        == (core - {"ClusterRole", "ClusterRoleBinding"} | {"Role", "RoleBinding"} | monitoring)
        | optional
    )


def test_servicemonitor_and_prometheusrule_do_not_depend_on_capabilities(
    fixture_chart: Path,
) -> None:
    # Like `helm template`, helm-python-sdk's .Capabilities never list monitoring.coreos.com/v1.
    assert {"ServiceMonitor", "PrometheusRule"} <= kinds({}, fixture_chart)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_helm_lint_is_clean(scenario: str) -> None:
    for version in KUBE_VERSIONS:
        report = helm.lint(CHART, SCENARIOS[scenario], strict=True, kube_version=f"v{version}.0")
        problems = [m for m in report["messages"] if m["severity"] >= 2]
        assert (problems, report["errors"]) == ([], [])


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_exporter_accepts_the_container_arguments(fixture_chart: Path, scenario: str) -> None:
    container = render(fixture_chart, SCENARIOS[scenario]).container()
    command, *flags = container["args"]
    assert command == "run"
    settings = parse_settings(flags)  # argparse exits on a flag the binary does not know
    port = container["ports"][0]["containerPort"]
    assert settings.listen_port == port
    values = SCENARIOS[scenario]
    assert list(settings.namespaces) == values.get("namespaces", [])


def test_exporter_tuning_values_become_flags_only_when_set() -> None:
    default_flags = render(CHART).container()["args"][1:]
    assert not [flag for flag in default_flags if flag.startswith("--kube.")]

    tuned = render(CHART, {"kube": {"listPageSize": 2000000, "backoffMax": "2m"}})
    settings = parse_settings(tuned.container()["args"][1:])
    assert (settings.list_page_size, settings.backoff_max) == (2000000, 120.0)


def test_extra_args_are_passed_after_the_charts_own() -> None:
    args = render(CHART, {"extraArgs": ["--log.level=debug"]}).container()["args"]
    assert args[-1] == "--log.level=debug"
    assert parse_settings(args[1:]).log_level == "debug"


def test_a_long_release_name_still_gives_valid_names(fixture_chart: Path) -> None:
    values = SCENARIOS["everything"] | {"fullnameOverride": ""}
    rendered = render(fixture_chart, values, release="a" * 53)
    assert [error for obj in rendered.objects for error in validation_errors(obj)] == []
