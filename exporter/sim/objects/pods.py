"""Pod templates, containers and Pods with the kubelet's status fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exporter.sim.clock import rfc3339
from exporter.sim.objects.meta import metadata
from exporter.sim.resources import JsonObj


def container(
    name: str,
    image: str,
    *,
    port: int = 8080,
    readiness_path: str | None = "/healthz",
    memory_limit: str = "256Mi",
    cpu_request: str = "100m",
    config_maps: tuple[str, ...] = (),
) -> JsonObj:
    """A container; `config_maps` become `envFrom` references the kubelet must resolve."""
    spec: JsonObj = {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
    }
    if config_maps:
        spec["envFrom"] = [{"configMapRef": {"name": ref}} for ref in config_maps]
    spec["resources"] = {
        "limits": {"memory": memory_limit},
        "requests": {"cpu": cpu_request, "memory": memory_limit},
    }
    if readiness_path is not None:
        spec["readinessProbe"] = {
            "httpGet": {"path": readiness_path, "port": port, "scheme": "HTTP"},
            "timeoutSeconds": 1,
            "periodSeconds": 10,
            "successThreshold": 1,
            "failureThreshold": 3,
        }
    spec.update(
        {
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "imagePullPolicy": "IfNotPresent",
        }
    )
    return spec


def pod_template(labels: dict[str, str], containers: list[JsonObj]) -> JsonObj:
    """A PodTemplateSpec. `creationTimestamp: null` is what real template metadata holds."""
    return {
        "metadata": {"creationTimestamp": None, "labels": dict(labels)},
        "spec": {
            "containers": containers,
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "securityContext": {},
            "schedulerName": "default-scheduler",
        },
    }


def condition(
    kind: str,
    status: bool,
    at: datetime,
    *,
    reason: str | None = None,
    message: str | None = None,
) -> JsonObj:
    """A PodCondition (lastProbeTime is always null in practice)."""
    cond: JsonObj = {
        "type": kind,
        "status": "True" if status else "False",
        "lastProbeTime": None,
        "lastTransitionTime": rfc3339(at),
    }
    if reason is not None:
        cond["reason"] = reason
    if message is not None:
        cond["message"] = message
    return cond


def waiting(reason: str, message: str | None = None) -> JsonObj:
    state: JsonObj = {"reason": reason}
    if message is not None:
        state["message"] = message
    return {"waiting": state}


def running(started_at: datetime) -> JsonObj:
    return {"running": {"startedAt": rfc3339(started_at)}}


def terminated(
    reason: str,
    exit_code: int,
    started_at: datetime,
    finished_at: datetime,
    container_id: str,
) -> JsonObj:
    return {
        "terminated": {
            "exitCode": exit_code,
            "reason": reason,
            "startedAt": rfc3339(started_at),
            "finishedAt": rfc3339(finished_at),
            "containerID": container_id,
        }
    }


def container_status(
    name: str,
    image: str,
    *,
    state: JsonObj,
    last_state: JsonObj | None = None,
    ready: bool = False,
    restart_count: int = 0,
    started: bool = False,
    container_id: str | None = None,
) -> JsonObj:
    status: JsonObj = {
        "name": name,
        "state": state,
        "lastState": last_state or {},
        "ready": ready,
        "restartCount": restart_count,
        "image": image,
        "imageID": "" if container_id is None else f"{image.split(':')[0]}@sha256:{'0' * 64}",
    }
    if container_id is not None:
        status["containerID"] = container_id
    status["started"] = started
    return status


def pod(
    name: str,
    namespace: str,
    template: JsonObj,
    *,
    owner: JsonObj | None = None,
    labels: dict[str, str] | None = None,
    node_name: str | None = None,
    phase: str = "Pending",
    conditions: list[JsonObj] | None = None,
    host_ip: str | None = None,
    pod_ip: str | None = None,
    start_time: datetime | None = None,
    container_statuses: list[JsonObj] | None = None,
) -> JsonObj:
    """A Pod from a template. `owner` is its ReplicaSet, StatefulSet or DaemonSet."""
    generate_name = None
    if owner is not None:
        generate_name = f"{owner['metadata']['name']}-"
    merged_labels = dict(template["metadata"].get("labels") or {})
    merged_labels.update(labels or {})
    spec: dict[str, Any] = dict(template["spec"])
    spec["serviceAccountName"] = "default"
    if node_name is not None:
        spec["nodeName"] = node_name
    status: JsonObj = {"phase": phase}
    if conditions:
        status["conditions"] = conditions
    if host_ip is not None:
        status["hostIP"] = host_ip
    if pod_ip is not None:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    if start_time is not None:
        status["startTime"] = rfc3339(start_time)
    if container_statuses:
        status["containerStatuses"] = container_statuses
    status["qosClass"] = "Burstable"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata(
            name, namespace, labels=merged_labels, owner=owner, generate_name=generate_name
        ),
        "spec": spec,
        "status": status,
    }
