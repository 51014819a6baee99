"""RBAC is read-only and minimal in every scenario: the watched kinds, nothing more."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exporter.kube.resources import WATCHED
from tests.helm.chart import NAMESPACE, Rendered, render, value_sets

SCENARIOS = value_sets()
READ_VERBS = {"get", "list", "watch"}
ROLE_KINDS = {"ClusterRole", "Role"}
BINDING_KINDS = {"ClusterRoleBinding", "RoleBinding"}
# What the exporter list-watches, as (apiGroup, resource), from the exporter's own table.
WATCHED_RESOURCES = {(resource.group, resource.plural) for resource in WATCHED}
LOG_RESOURCES = {("", "pods"), ("", "pods/log")}


def rules(rendered: Rendered) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{obj['kind']}/{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}", rule)
        for obj in rendered.objects
        if obj["kind"] in ROLE_KINDS
        for rule in obj["rules"]
    ]


def granted(rendered: Rendered, kind: str, namespace: str | None = None) -> set[tuple[str, str]]:
    return {
        (group, resource)
        for obj in rendered.of_kind(kind)
        if namespace is None or obj["metadata"]["namespace"] == namespace
        for rule in obj["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_only_read_verbs_no_secrets_no_wildcards(fixture_chart: Path, scenario: str) -> None:
    found = rules(render(fixture_chart, SCENARIOS[scenario]))
    assert found, "every scenario grants the exporter read access"
    for where, rule in found:
        assert set(rule) <= {"apiGroups", "resources", "verbs"}, where  # no resourceNames etc.
        assert set(rule["verbs"]) <= READ_VERBS, where
        assert "secrets" not in rule["resources"], where
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"], where
        assert not any("*" in item for item in rule["resources"] + rule["apiGroups"]), where


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_binding_grants_a_role_of_this_release_to_its_service_account(
    fixture_chart: Path, scenario: str
) -> None:
    rendered = render(fixture_chart, SCENARIOS[scenario])
    roles = {
        (obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
        for obj in rendered.objects
        if obj["kind"] in ROLE_KINDS
    }
    (account,) = rendered.of_kind("ServiceAccount")
    for binding in (obj for obj in rendered.objects if obj["kind"] in BINDING_KINDS):
        ref = binding["roleRef"]
        namespace = None if ref["kind"] == "ClusterRole" else binding["metadata"]["namespace"]
        assert (ref["kind"], namespace, ref["name"]) in roles
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": NAMESPACE}
        ]


def test_cluster_wide_mode_grants_exactly_the_watched_kinds(fixture_chart: Path) -> None:
    rendered = render(fixture_chart, SCENARIOS["default"])
    assert granted(rendered, "ClusterRole") == WATCHED_RESOURCES
    assert rendered.of_kind("Role") == []
    assert {rule_verbs for _, rule in rules(rendered) for rule_verbs in rule["verbs"]} == (
        READ_VERBS
    )


def test_namespaced_mode_has_a_role_per_namespace_and_nothing_cluster_wide(
    fixture_chart: Path,
) -> None:
    rendered = render(fixture_chart, SCENARIOS["namespaced"])
    assert rendered.of_kind("ClusterRole") == rendered.of_kind("ClusterRoleBinding") == []
    assert sorted(obj["metadata"]["namespace"] for obj in rendered.of_kind("Role")) == [
        "payments",
        "shop",
    ]
    for namespace in ("shop", "payments"):
        assert granted(rendered, "Role", namespace) == WATCHED_RESOURCES
    assert sorted(obj["metadata"]["namespace"] for obj in rendered.of_kind("RoleBinding")) == [
        "payments",
        "shop",
    ]


def test_pod_logs_are_readable_only_in_the_controller_namespace_when_enabled(
    fixture_chart: Path,
) -> None:
    off = render(fixture_chart, SCENARIOS["default"])
    assert all("pods/log" not in rule["resources"] for _, rule in rules(off))

    on = render(fixture_chart, SCENARIOS["log-streaming"])
    log_roles = [
        obj for obj in on.of_kind("Role") if any("pods/log" in r["resources"] for r in obj["rules"])
    ]
    assert [obj["metadata"]["namespace"] for obj in log_roles] == ["ingress-nginx"]
    assert granted(on, "Role", "ingress-nginx") == LOG_RESOURCES
    (log_rule,) = (r for r in log_roles[0]["rules"] if "pods/log" in r["resources"])
    assert log_rule["verbs"] == ["get"]
    assert all(
        "pods/log" not in rule["resources"]
        for obj in on.of_kind("ClusterRole")
        for rule in obj["rules"]
    )


def test_no_rbac_objects_when_rbac_create_is_false(fixture_chart: Path) -> None:
    values = SCENARIOS["everything"] | {"rbac": {"create": False}}
    rendered = render(fixture_chart, values)
    assert not [obj for obj in rendered.objects if obj["kind"] in ROLE_KINDS | BINDING_KINDS]


def test_only_the_exporter_pod_mounts_the_service_account_token() -> None:
    rendered = render()
    assert rendered.one("ServiceAccount")["automountServiceAccountToken"] is False
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is True
    assert pod["serviceAccountName"] == rendered.one("ServiceAccount")["metadata"]["name"]


def test_an_existing_service_account_is_used_by_name() -> None:
    rendered = render(values={"serviceAccount": {"create": False, "name": "platform-reader"}})
    assert rendered.of_kind("ServiceAccount") == []
    pod = rendered.one("Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "platform-reader"
    assert rendered.one("ClusterRoleBinding")["subjects"][0]["name"] == "platform-reader"
