"""Terse builders of projections for table-driven derivation tests."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from exporter.model.event import Event
from exporter.model.pod import Pod
from exporter.model.service import EndpointSlice, Service
from exporter.model.workloads import DaemonSet, Deployment, ReplicaSet, StatefulSet

T = TypeVar("T")

T0 = "2026-11-23T10:00:00Z"
T0_EPOCH = 1795428000.0


def at(seconds: float) -> str:
    """An RFC 3339 time `seconds` after T0."""
    from datetime import UTC, datetime

    return datetime.fromtimestamp(T0_EPOCH + seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(kind: type[T], data: dict[str, Any]) -> T:
    data.setdefault("metadata", {})
    data["metadata"].setdefault("name", "x")
    data["metadata"].setdefault("namespace", "default")
    data["metadata"].setdefault("resourceVersion", "1")
    return msgspec.convert(data, kind)


def pod(**fields: Any) -> Pod:
    return build(Pod, fields)


def deployment(**fields: Any) -> Deployment:
    return build(Deployment, fields)


def replicaset(**fields: Any) -> ReplicaSet:
    return build(ReplicaSet, fields)


def statefulset(**fields: Any) -> StatefulSet:
    return build(StatefulSet, fields)


def daemonset(**fields: Any) -> DaemonSet:
    return build(DaemonSet, fields)


def service(**fields: Any) -> Service:
    return build(Service, fields)


def endpointslice(**fields: Any) -> EndpointSlice:
    return build(EndpointSlice, fields)


def event(**fields: Any) -> Event:
    return build(Event, fields)


def waiting(reason: str) -> dict[str, Any]:
    return {"name": "app", "ready": False, "state": {"waiting": {"reason": reason}}}


def running(*, ready: bool) -> dict[str, Any]:
    return {"name": "app", "ready": ready, "state": {"running": {"startedAt": T0}}}
