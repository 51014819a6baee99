"""Why a scheduled container never starts: image pulls that fail, config it cannot resolve.

In both cases the pod sandbox already exists, so the pod has an IP and shows up in its
Service's EndpointSlice as not ready, while the container waits with the kubelet's
reason (`ErrImagePull` then `ImagePullBackOff`, or `CreateContainerConfigError`) and the
phase stays Pending. These are pure transitions on a Pod dict, like those in `kubelet`.
"""

from __future__ import annotations

from collections.abc import Iterable

from exporter.sim import objects
from exporter.sim.resources import JsonObj

SYNC_PERIOD = 10.0
"""The kubelet's pod worker retries a pod whose sync failed after this many seconds."""


def pull_backoff(failures: int) -> float:
    """The image back-off after `failures` failed pulls: 10 s doubling, capped at 5 minutes."""
    return float(min(10 * 2 ** (failures - 1), 300))


def not_found(image: str) -> str:
    """containerd's answer for a tag that does not exist, as the kubelet passes it on."""
    return (
        f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": '
        f'failed to resolve reference "{image}": {image}: not found'
    )


def _sandbox(pod: JsonObj, pod_ip: str) -> None:
    status = pod["status"]
    status["podIP"] = pod_ip
    status["podIPs"] = [{"ip": pod_ip}]


def _wait(pod: JsonObj, reason: str, message: str) -> None:
    for cs in pod["status"]["containerStatuses"]:
        cs["state"] = objects.waiting(reason, message)


def image_pull_failed(pod: JsonObj, pod_ip: str, error: str) -> None:
    """A pull just failed: `ErrImagePull` with the runtime's error."""
    _sandbox(pod, pod_ip)
    _wait(pod, "ErrImagePull", error)


def image_pull_backing_off(pod: JsonObj) -> None:
    """Between pulls: `ImagePullBackOff` and the kubelet's back-off message."""
    for cs in pod["status"]["containerStatuses"]:
        cs["state"] = objects.waiting("ImagePullBackOff", f'Back-off pulling image "{cs["image"]}"')


def config_error(pod: JsonObj, pod_ip: str, message: str) -> None:
    """The container cannot be created: `CreateContainerConfigError`."""
    _sandbox(pod, pod_ip)
    _wait(pod, "CreateContainerConfigError", message)


def missing_config_map(pod: JsonObj, existing: Iterable[str]) -> str | None:
    """The first ConfigMap a container needs (`envFrom` or `configMapKeyRef`, not optional)
    that does not exist, or None when the containers can be created."""
    present = set(existing)
    for container in pod["spec"]["containers"]:
        refs = [source.get("configMapRef") for source in container.get("envFrom") or []]
        refs += [
            (var.get("valueFrom") or {}).get("configMapKeyRef")
            for var in container.get("env") or []
        ]
        for ref in refs:
            if ref and not ref.get("optional") and ref["name"] not in present:
                name: str = ref["name"]
                return name
    return None
