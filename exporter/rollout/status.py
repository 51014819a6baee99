"""Rollout state of one workload, derived only from object fields.

Nothing here remembers anything: the same objects give the same answer, which is why a
restarted exporter reports the same start time and in-progress flag. The rules and their
edge cases are written down in docs/metrics.md ("How rollouts are derived").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from exporter.index.cluster import CONTROLLER_REVISION_HASH, POD_TEMPLATE_HASH
from exporter.model.meta import Condition
from exporter.model.pod import Pod
from exporter.model.workloads import DaemonSet, Deployment, ReplicaSet, StatefulSet
from exporter.rollout.pods import ready_since
from exporter.rollout.timeutil import parse_timestamp

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"

Phase = Literal["idle", "progressing", "failed", "complete"]
"""idle: no rollout known (e.g. a new revision not yet observed by the controller)."""

_PROGRESSING_REASONS = frozenset(
    {"NewReplicaSetCreated", "FoundNewReplicaSet", "ReplicaSetUpdated", "DeploymentResumed"}
)


@dataclass(frozen=True, slots=True)
class RolloutStatus:
    revision: str
    """pod-template-hash (Deployments) or controller-revision-hash (StatefulSets, DaemonSets)."""
    revision_number: str
    phase: Phase
    paused: bool
    started_at: float | None
    """Start of the current revision's rollout; None when the fields do not tell."""
    ended_at: float | None
    """When it completed or failed, for `complete`/`failed`."""
    reused_revision: bool = False
    """The new revision is an older template brought back: a rollback."""

    @property
    def in_progress(self) -> bool:
        return self.phase in ("progressing", "failed") and not self.paused


def _condition(conditions: Iterable[Condition], kind: str) -> Condition | None:
    return next((c for c in conditions if c.type == kind), None)


def revision_number(replicaset: ReplicaSet) -> int:
    try:
        return int(replicaset.metadata.annotations.get(REVISION_ANNOTATION, "0"))
    except ValueError:
        return 0


def new_replicaset(deployment: Deployment, replicasets: Sequence[ReplicaSet]) -> ReplicaSet | None:
    """The ReplicaSet of the Deployment's current template.

    The controller writes the new ReplicaSet's revision into the Deployment's own
    revision annotation; before it has, the highest revision is the newest.
    """
    if not replicasets:
        return None
    wanted = deployment.metadata.annotations.get(REVISION_ANNOTATION)
    if wanted is not None:
        for replicaset in replicasets:
            if replicaset.metadata.annotations.get(REVISION_ANNOTATION) == wanted:
                return replicaset
    return max(replicasets, key=revision_number)


def previous_replicaset(
    replicasets: Sequence[ReplicaSet], new: ReplicaSet | None
) -> ReplicaSet | None:
    older = [rs for rs in replicasets if rs is not new]
    if new is not None:
        older = [rs for rs in older if revision_number(rs) < revision_number(new)]
    return max(older, key=revision_number, default=None)


def _earliest_creation(pods: Iterable[Pod]) -> float | None:
    times = [t for p in pods if (t := parse_timestamp(p.metadata.creation_timestamp)) is not None]
    return min(times, default=None)


def deployment_status(
    deployment: Deployment, replicasets: Sequence[ReplicaSet], new_pods: Sequence[Pod]
) -> RolloutStatus:
    """Rollout state from the Deployment's Progressing condition and its new ReplicaSet.

    The deployment controller keeps `NewReplicaSetAvailable` through later scale changes
    (it only re-evaluates progress while old replicas exist), so a scale-only change is
    not a rollout; any other Progressing reason means one is running.
    """
    new = new_replicaset(deployment, replicasets)
    revision = new.metadata.labels.get(POD_TEMPLATE_HASH, "") if new else ""
    number = new.metadata.annotations.get(REVISION_ANNOTATION, "") if new else ""
    reused = new is not None and REVISION_HISTORY_ANNOTATION in new.metadata.annotations
    progressing = _condition(deployment.status.conditions, "Progressing")
    paused = deployment.spec.paused
    started_at = None
    if new is not None:
        started_at = (
            _earliest_creation(new_pods)
            if reused
            else parse_timestamp(new.metadata.creation_timestamp)
        )
        if started_at is None and progressing is not None:
            started_at = parse_timestamp(progressing.last_update_time)
    if progressing is None:
        phase: Phase = _phase_without_deadline(deployment) if new is not None else "idle"
        ended_at = None
    else:
        reason = progressing.reason
        ended_at = parse_timestamp(progressing.last_update_time)
        if reason == "NewReplicaSetAvailable" and (
            deployment.status.replicas == deployment.status.updated_replicas
        ):
            phase = "complete"
        elif reason == "NewReplicaSetAvailable":
            # The revision moved on (a rollback reusing an old ReplicaSet) before the
            # controller re-evaluated progress: old replicas exist, so it is rolling.
            phase = "progressing"
            ended_at = None
        elif reason == "ProgressDeadlineExceeded":
            phase = "failed"
        elif reason in _PROGRESSING_REASONS or reason == "DeploymentPaused":
            phase = "progressing"
            ended_at = None
        else:
            phase = _phase_without_deadline(deployment)
            ended_at = None
    if new is None:
        phase = "idle"
    return RolloutStatus(revision, number, phase, paused, started_at, ended_at, reused)


def _phase_without_deadline(deployment: Deployment) -> Phase:
    """`kubectl rollout status` arithmetic, for Deployments without a Progressing condition."""
    spec_replicas = deployment.spec.replicas if deployment.spec.replicas is not None else 1
    status = deployment.status
    if (
        status.updated_replicas >= spec_replicas
        and status.replicas == status.updated_replicas
        and status.available_replicas >= status.updated_replicas
    ):
        return "complete"
    return "progressing"


def statefulset_status(statefulset: StatefulSet, pods: Sequence[Pod]) -> RolloutStatus:
    """A StatefulSet rolls out while `updateRevision` differs from `currentRevision`.

    The controller sets currentRevision to updateRevision once every replica is updated
    and Ready, so scale changes (same revision) are not rollouts.
    """
    status = statefulset.status
    revision = status.update_revision
    updated = [p for p in pods if p.metadata.labels.get(CONTROLLER_REVISION_HASH) == revision]
    in_flight = (
        bool(revision) and bool(status.current_revision) and (status.current_revision != revision)
    )
    if in_flight:
        return RolloutStatus(revision, "", "progressing", False, _earliest_creation(updated), None)
    ready_times = [t for p in updated if (t := ready_since(p)) is not None]
    return RolloutStatus(
        revision,
        "",
        "complete",
        False,
        _earliest_creation(updated),
        max(ready_times, default=None),
    )


def daemonset_revision(pods: Sequence[Pod]) -> str:
    """The newest revision hash among the DaemonSet's Pods.

    DaemonSet status does not name its current revision (ControllerRevisions do, and we
    do not watch them); the most recently created Pod always runs the current template.
    """
    newest = max(
        pods,
        key=lambda p: (p.metadata.creation_timestamp or "", p.metadata.name),
        default=None,
    )
    return newest.metadata.labels.get(CONTROLLER_REVISION_HASH, "") if newest else ""


def daemonset_status(
    daemonset: DaemonSet, pods: Sequence[Pod], *, was_progressing: bool = False
) -> RolloutStatus:
    """A DaemonSet rolls out while not every scheduled Pod runs the newest revision, or
    while Pods of an older revision remain and not all are available.

    Once the last old Pod is replaced nothing in the fields separates "the rollout's last
    Pod is starting" from "a Pod is starting on a new node"; `was_progressing` carries the
    rollout over that tail until every Pod is available.
    """
    status = daemonset.status
    revision = daemonset_revision(pods)
    updated = [p for p in pods if p.metadata.labels.get(CONTROLLER_REVISION_HASH) == revision]
    older_left = len(updated) < len(pods)
    desired = status.desired_number_scheduled
    in_flight = status.updated_number_scheduled < desired or (
        (older_left or was_progressing) and status.number_available < desired
    )
    started_at = _earliest_creation(updated)
    if in_flight:
        return RolloutStatus(revision, "", "progressing", False, started_at, None)
    ready_times = [t for p in updated if (t := ready_since(p)) is not None]
    return RolloutStatus(
        revision, "", "complete", False, started_at, max(ready_times, default=None)
    )
