"""kubelet `Unhealthy` Events: which probe failed, how, and how many times.

The kubelet aggregates repeats into one Event whose `count` (or `series.count` with the
events.k8s.io semantics) grows; counting increments of that number, per Event UID, is what
makes the counter exact: one repeat is never counted twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from exporter.model.event import Event
from exporter.model.pod import Pod

PROBES = ("readiness", "liveness", "startup")
FAILURES = ("connection_refused", "timeout", "exec", "other")
"""Failure classes besides HTTP status codes (`404`, `503`, ...)."""

_PREFIX = re.compile(r"^(Readiness|Liveness|Startup) probe (?:failed|errored)(?::\s*)?(.*)$", re.S)
_STATUS = re.compile(r"statuscode: (\d{3})\b")
_CONTAINER = re.compile(r"^spec\.(?:containers|initContainers)\{(.+)\}$")


@dataclass(frozen=True, slots=True)
class ProbeFailure:
    probe: str
    failure: str
    container: str


def event_count(event: Event) -> int:
    """How many occurrences this Event stands for, whichever aggregation wrote it."""
    if event.series is not None and event.series.count:
        return max(event.series.count, event.count or 0)
    return max(event.count or 1, 1)


def classify(event: Event, pod: Pod | None) -> ProbeFailure | None:
    """The probe and failure class of an Unhealthy Event, or None if it is not one.

    The Pod (when still indexed) tells whether the probe is an exec probe, whose message
    is just the command's output and cannot be recognised from the text.
    """
    if event.reason != "Unhealthy":
        return None
    match = _PREFIX.match(event.message)
    if match is None:
        return None
    probe = match.group(1).lower()
    detail = match.group(2)
    container = ""
    container_match = _CONTAINER.match(event.involved_object.field_path)
    if container_match:
        container = container_match.group(1)
    return ProbeFailure(probe, _failure_class(detail, _is_exec(pod, container, probe)), container)


def _failure_class(detail: str, exec_probe: bool) -> str:
    status = _STATUS.search(detail)
    if status and 100 <= int(status.group(1)) <= 599:
        return status.group(1)
    lowered = detail.lower()
    if "connection refused" in lowered:
        return "connection_refused"
    if "timeout" in lowered or "timed out" in lowered or "deadline exceeded" in lowered:
        return "timeout"
    if exec_probe:
        return "exec"
    return "other"


def _is_exec(pod: Pod | None, container: str, probe: str) -> bool:
    if pod is None:
        return False
    for spec in pod.spec.containers:
        if container and spec.name != container:
            continue
        handler = {
            "readiness": spec.readiness_probe,
            "liveness": spec.liveness_probe,
            "startup": spec.startup_probe,
        }[probe]
        if handler is not None:
            return handler.exec is not None
    return False
