"""What a single Pod tells about a rollout: ready or not, why not, and OOM kills."""

from __future__ import annotations

from typing import NamedTuple

from exporter.model.pod import ContainerStatus, Pod
from exporter.rollout.timeutil import parse_timestamp

BLOCKED_REASONS = (
    "ImagePullBackOff",
    "ErrImagePull",
    "CrashLoopBackOff",
    "CreateContainerConfigError",
    "Unschedulable",
    "ReadinessProbeFailing",
    "FailedCreate",
    "Pending",
)
"""Every value the `reason` label of rollout_blocked_pods can take: a bounded set."""

_WAITING_REASONS = frozenset(BLOCKED_REASONS[:4])


def condition_status(pod: Pod, condition_type: str) -> str | None:
    for condition in pod.status.conditions:
        if condition.type == condition_type:
            return condition.status
    return None


def is_ready(pod: Pod) -> bool:
    return condition_status(pod, "Ready") == "True"


def ready_since(pod: Pod) -> float | None:
    """When the Pod last became Ready (restart-safe: it is a field of the Pod); None while
    it is not Ready, 0.0 when Ready without a transition time."""
    for condition in pod.status.conditions:
        if condition.type == "Ready" and condition.status == "True":
            return parse_timestamp(condition.last_transition_time) or 0.0
    return None


def blocked_reason(pod: Pod) -> str | None:
    """Why a not-Ready Pod of a new revision is holding its rollout back, or None.

    Order matters: a waiting container reason names the concrete failure; an unscheduled
    Pod never got that far; a Running Pod whose containers run but are not Ready is
    failing its readiness probe; anything else not Ready is still Pending.
    """
    if pod.metadata.deletion_timestamp is not None or is_ready(pod):
        return None
    for status in pod.status.container_statuses:
        waiting = status.state.waiting
        if waiting is not None and waiting.reason in _WAITING_REASONS:
            return waiting.reason
    for condition in pod.status.conditions:
        if (
            condition.type == "PodScheduled"
            and condition.status == "False"
            and condition.reason == "Unschedulable"
        ):
            return "Unschedulable"
    if pod.status.phase == "Running" and _running_but_unready(pod):
        return "ReadinessProbeFailing"
    if pod.status.phase in ("Pending", "Running", ""):
        return "Pending"
    return None


def _running_but_unready(pod: Pod) -> bool:
    for status in pod.status.container_statuses:
        if status.state.running is None or status.ready:
            continue
        for container in pod.spec.containers:
            if container.name == status.name and container.readiness_probe is not None:
                return True
    return False


class OOMKill(NamedTuple):
    """One container termination by the OOM killer, identified as the kubelet reports it."""

    container: str
    container_id: str
    finished_at: float


def oom_kills(pod: Pod) -> list[OOMKill]:
    """OOM terminations visible on the Pod: the current state or the last one.

    A container's `lastState.terminated` keeps reporting the same termination until the
    next one, so callers de-duplicate by (containerID, finishedAt).
    """
    kills = []
    for status in pod.status.container_statuses:
        for kill in _terminations(status):
            kills.append(kill)
    return kills


def _terminations(status: ContainerStatus) -> list[OOMKill]:
    found = []
    for state in (status.state, status.last_state):
        terminated = state.terminated
        if terminated is None or terminated.reason != "OOMKilled":
            continue
        finished = parse_timestamp(terminated.finished_at)
        if finished is None:
            continue
        found.append(OOMKill(status.name, terminated.container_id, finished))
    return found


class PodSummary(NamedTuple):
    """Everything workload derivations read from a Pod, computed once per Pod change.

    Two updates of a Pod with equal summaries cannot change any rollout metric, so the
    tracker skips re-deriving the workload for them (most kubelet status writes).
    """

    revision: str
    ready_since: float | None
    """When it became Ready; None while not Ready."""
    blocked: str | None
    oom_kills: tuple[OOMKill, ...]
    deleting: bool


def summarize(pod: Pod) -> PodSummary:
    """One pass over the fields the derivations read; runs for every Pod event, so it
    inlines what `ready_since`, `blocked_reason` and `oom_kills` each do on their own."""
    labels = pod.metadata.labels
    status = pod.status
    since: float | None = None
    unschedulable = False
    for condition in status.conditions:
        if condition.type == "Ready":
            if condition.status == "True":
                since = parse_timestamp(condition.last_transition_time) or 0.0
        elif condition.type == "PodScheduled":
            unschedulable = condition.status == "False" and condition.reason == "Unschedulable"
    kills: list[OOMKill] = []
    waiting_reason = None
    running_unready = False
    for container in status.container_statuses:
        for terminated in (container.state.terminated, container.last_state.terminated):
            if terminated is not None and terminated.reason == "OOMKilled":
                finished = parse_timestamp(terminated.finished_at)
                if finished is not None:
                    kills.append(OOMKill(container.name, terminated.container_id, finished))
        waiting = container.state.waiting
        if waiting is not None and waiting.reason in _WAITING_REASONS and waiting_reason is None:
            waiting_reason = waiting.reason
        if container.state.running is not None and not container.ready:
            running_unready = running_unready or _has_readiness_probe(pod, container.name)
    blocked = None
    deleting = pod.metadata.deletion_timestamp is not None
    if since is None and not deleting:
        if waiting_reason is not None:
            blocked = waiting_reason
        elif unschedulable:
            blocked = "Unschedulable"
        elif status.phase == "Running" and running_unready:
            blocked = "ReadinessProbeFailing"
        elif status.phase in ("Pending", "Running", ""):
            blocked = "Pending"
    # Positional: NamedTuple construction by keyword costs twice as much.
    return PodSummary(
        labels.get("pod-template-hash") or labels.get("controller-revision-hash", ""),
        since,
        blocked,
        tuple(kills),
        deleting,
    )


def _has_readiness_probe(pod: Pod, container: str) -> bool:
    for spec in pod.spec.containers:
        if spec.name == container:
            return spec.readiness_probe is not None
    return False
