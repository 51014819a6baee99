"""The exporter pod: restricted security by default, probes on the exporter's endpoints."""

from __future__ import annotations

from typing import Any

from tests.helm.chart import render

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}


def pod_spec(values: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = render(values=values).one("Deployment")["spec"]["template"]["spec"]
    return spec


def test_the_pod_runs_as_nobody_with_the_runtime_default_seccomp_profile() -> None:
    assert pod_spec()["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "runAsGroup": 65534,
        "fsGroup": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_the_container_is_restricted() -> None:
    (container,) = pod_spec()["containers"]
    assert container["securityContext"] == RESTRICTED_CONTAINER


def test_a_read_only_root_filesystem_gets_a_writable_tmp() -> None:
    spec = pod_spec()
    (container,) = spec["containers"]
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    (volume,) = spec["volumes"]
    assert volume["name"] == "tmp"
    assert "emptyDir" in volume


def test_requests_and_a_memory_limit_are_set() -> None:
    (container,) = pod_spec()["containers"]
    assert set(container["resources"]["requests"]) == {"cpu", "memory"}
    assert "memory" in container["resources"]["limits"]


def test_liveness_is_healthz_and_readiness_is_readyz_on_the_metrics_port() -> None:
    (container,) = pod_spec({"web": {"port": 9999}})["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 9999, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert "--web.listen-address=:9999" in container["args"]


def test_the_image_defaults_to_the_charts_app_version() -> None:
    (container,) = pod_spec()["containers"]
    assert container["image"] == "rollout-exporter:0.1.0"
    (pinned,) = pod_spec(
        {"image": {"registry": "registry.example.com", "digest": "sha256:" + "a" * 64}}
    )["containers"]
    assert pinned["image"] == "registry.example.com/rollout-exporter@sha256:" + "a" * 64


def test_one_replica_by_default() -> None:
    assert render().one("Deployment")["spec"]["replicas"] == 1


def test_more_replicas_are_called_out_in_the_notes() -> None:
    assert "2 replicas each watch the API" in render(values={"replicaCount": 2}).notes
    assert "replicas each watch" not in render().notes
