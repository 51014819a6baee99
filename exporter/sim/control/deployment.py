"""The Deployment controller: rolling updates and the status and conditions it writes.

It follows the real controller's arithmetic (maxSurge rounds up, maxUnavailable rounds
down; scale the new ReplicaSet up within the surge, scale old ones down within the
availability budget) and its Progressing condition rules, including the progress
deadline that turns a stuck rollout into `ProgressDeadlineExceeded`.
"""

from __future__ import annotations

import math
from datetime import datetime

from exporter.sim import objects
from exporter.sim.clock import parse_time, rfc3339
from exporter.sim.cluster import Cluster
from exporter.sim.control.ownership import owned_by
from exporter.sim.objects.workloads import (
    DESIRED_REPLICAS,
    MAX_REPLICAS,
    PROGRESS_MESSAGES,
    REVISION,
    REVISION_HISTORY,
)
from exporter.sim.resources import JsonObj


def resolve(value: int | str, total: int, *, round_up: bool) -> int:
    """An int-or-percent field resolved against `total` (intstr.GetScaledValueFromIntOrPercent)."""
    if isinstance(value, int):
        return value
    scaled = int(value.rstrip("%")) * total / 100
    return math.ceil(scaled) if round_up else math.floor(scaled)


def surge_and_unavailable(deployment: JsonObj) -> tuple[int, int]:
    rolling = deployment["spec"]["strategy"].get("rollingUpdate", {})
    replicas = deployment["spec"]["replicas"]
    surge = resolve(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = resolve(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _revision(obj: JsonObj) -> int:
    return int((obj["metadata"].get("annotations") or {}).get(REVISION, "0"))


def _count(rs: JsonObj, field: str) -> int:
    value: int = rs.get("status", {}).get(field, 0)
    return value


class DeploymentController:
    def __init__(self, cluster: Cluster, namespace: str | None = None) -> None:
        self._cluster = cluster
        self._namespace = namespace

    def step(self, now: datetime) -> None:
        for deployment in self._cluster.list("deployments", self._namespace):
            self._sync(deployment, now)

    def _replicasets(self, deployment: JsonObj) -> list[JsonObj]:
        namespace = deployment["metadata"]["namespace"]
        return owned_by(deployment, self._cluster.list("replicasets", namespace))

    def _scale(self, deployment: JsonObj, rs: JsonObj, replicas: int) -> None:
        """scaleReplicaSet: the size, and the desired/max-replicas annotations with it."""
        desired = deployment["spec"]["replicas"]
        surge, _ = surge_and_unavailable(deployment)
        meta = rs["metadata"]

        def apply(r: JsonObj) -> None:
            r["spec"]["replicas"] = replicas
            r["metadata"]["annotations"].update(
                {DESIRED_REPLICAS: str(desired), MAX_REPLICAS: str(desired + surge)}
            )

        self._cluster.mutate("replicasets", meta["namespace"], meta["name"], apply)

    def _sync(self, deployment: JsonObj, now: datetime) -> None:
        spec = deployment["spec"]
        rses = self._replicasets(deployment)
        want = objects.template_hash(spec["template"])
        new = next(
            (rs for rs in rses if rs["metadata"]["labels"]["pod-template-hash"] == want), None
        )
        newest = max((_revision(rs) for rs in rses), default=0)
        surge, unavailable = surge_and_unavailable(deployment)
        conditions = {c["type"]: c for c in (deployment.get("status") or {}).get("conditions", [])}
        _check_paused(spec, conditions, now)
        if spec.get("paused"):
            self._write_status(deployment, new, rses, now, conditions, rollout=False)
            return
        created = False
        if new is None:
            rs = objects.replicaset(deployment, replicas=0, revision=newest + 1, max_surge=surge)
            new = self._cluster.create("replicasets", rs)
            created = True
        elif _revision(new) < newest:
            new = self._reuse(new, newest + 1)
        olds = [rs for rs in rses if rs["metadata"]["uid"] != new["metadata"]["uid"]]
        if not self._scale_new(deployment, surge, new, olds):
            self._scale_old(deployment, unavailable, new, olds)
        self._write_status(
            deployment, new, self._replicasets(deployment), now, conditions, created=created
        )

    def _reuse(self, rs: JsonObj, revision: int) -> JsonObj:
        """A rollback to an old template: its ReplicaSet takes the next revision and keeps
        the one it had in `revision-history` (SetNewReplicaSetAnnotations)."""
        previous = str(_revision(rs))

        def apply(r: JsonObj) -> None:
            annotations = r["metadata"]["annotations"]
            history = annotations.get(REVISION_HISTORY)
            annotations[REVISION_HISTORY] = f"{history},{previous}" if history else previous
            annotations[REVISION] = str(revision)

        meta = rs["metadata"]
        return self._cluster.mutate("replicasets", meta["namespace"], meta["name"], apply)

    def _scale_new(
        self, deployment: JsonObj, surge: int, new: JsonObj, olds: list[JsonObj]
    ) -> bool:
        replicas = deployment["spec"]["replicas"]
        current = new["spec"]["replicas"]
        if current > replicas:
            self._scale(deployment, new, replicas)
            return True
        total = current + sum(rs["spec"]["replicas"] for rs in olds)
        room = replicas + surge - total
        if current >= replicas or room <= 0:
            return False
        self._scale(deployment, new, min(replicas, current + room))
        return True

    def _scale_old(
        self, deployment: JsonObj, unavailable: int, new: JsonObj, olds: list[JsonObj]
    ) -> None:
        replicas = deployment["spec"]["replicas"]
        total = new["spec"]["replicas"] + sum(rs["spec"]["replicas"] for rs in olds)
        new_unavailable = new["spec"]["replicas"] - _count(new, "availableReplicas")
        budget = total - (replicas - unavailable) - new_unavailable
        for old in sorted(olds, key=_revision):
            if budget <= 0:
                return
            cut = min(old["spec"]["replicas"], budget)
            if cut:
                self._scale(deployment, old, old["spec"]["replicas"] - cut)
                budget -= cut

    def _write_status(
        self,
        deployment: JsonObj,
        new: JsonObj | None,
        rses: list[JsonObj],
        now: datetime,
        conditions: dict[str, JsonObj],
        *,
        rollout: bool = True,
        created: bool = False,
    ) -> None:
        """calculateStatus, plus syncRolloutStatus's Progressing and ReplicaFailure rules
        when the sync was a rollout (a paused Deployment gets only the former)."""
        spec, old_status = deployment["spec"], deployment.get("status") or {}
        replicas = spec["replicas"]
        _, unavailable = surge_and_unavailable(deployment)
        updated = 0 if new is None else _count(new, "replicas")
        total = sum(_count(rs, "replicas") for rs in rses)
        ready = sum(_count(rs, "readyReplicas") for rs in rses)
        available = sum(_count(rs, "availableReplicas") for rs in rses)
        minimum = available >= replicas - unavailable
        conditions["Available"] = _set(
            "Available",
            conditions.get("Available"),
            now,
            "True" if minimum else "False",
            "MinimumReplicasAvailable" if minimum else "MinimumReplicasUnavailable",
            "Deployment has minimum availability."
            if minimum
            else "Deployment does not have minimum availability.",
        )
        if rollout:
            rs_name = "" if new is None else new["metadata"]["name"]
            if created:
                conditions["Progressing"] = _progressing(
                    conditions, now, "NewReplicaSetCreated", rs_name
                )
            progressed = (
                updated > old_status.get("updatedReplicas", 0)
                or total - updated
                < old_status.get("replicas", 0) - old_status.get("updatedReplicas", 0)
                or ready > old_status.get("readyReplicas", 0)
                or available > old_status.get("availableReplicas", 0)
            )
            current = conditions.get("Progressing")
            reason: str | None = None
            if total == updated and (current or {}).get("reason") == "NewReplicaSetAvailable":
                # isCompleteDeployment: nothing to estimate, the condition stays as it is.
                reason = None
            elif updated == replicas and available == replicas and total == replicas:
                reason = "NewReplicaSetAvailable"
            elif progressed:
                reason = "ReplicaSetUpdated"
            elif _timed_out(current, spec["progressDeadlineSeconds"], now):
                reason = "ProgressDeadlineExceeded"
            if reason is not None:
                conditions["Progressing"] = _progressing(conditions, now, reason, rs_name)
            failure = _replica_failure(new, rses)
            if failure is None:
                conditions.pop("ReplicaFailure", None)
            elif _changed(conditions.get("ReplicaFailure"), failure):
                conditions["ReplicaFailure"] = failure
        new_status = objects.deployment_status(
            observed_generation=deployment["metadata"]["generation"],
            replicas=total,
            updated=updated,
            ready=ready,
            available=available,
            desired=replicas,
            conditions=[
                conditions[k]
                for k in ("Available", "Progressing", "ReplicaFailure")
                if k in conditions
            ],
        )
        revision = None if new is None else str(_revision(new))
        current_revision = (deployment["metadata"].get("annotations") or {}).get(REVISION)
        if new_status == old_status and revision == current_revision:
            return

        def apply(d: JsonObj) -> None:
            d["status"] = new_status
            if revision is not None:
                d["metadata"].setdefault("annotations", {})[REVISION] = revision

        meta = deployment["metadata"]
        self._cluster.mutate("deployments", meta["namespace"], meta["name"], apply)


def _progressing(conditions: dict[str, JsonObj], now: datetime, reason: str, rs: str) -> JsonObj:
    status = {
        "DeploymentPaused": "Unknown",
        "DeploymentResumed": "Unknown",
        "ProgressDeadlineExceeded": "False",
    }.get(reason, "True")
    return _set(
        "Progressing",
        conditions.get("Progressing"),
        now,
        status,
        reason,
        PROGRESS_MESSAGES[reason].format(rs=rs),
        refresh=reason == "ReplicaSetUpdated",
    )


def _check_paused(spec: JsonObj, conditions: dict[str, JsonObj], now: datetime) -> None:
    """checkPausedConditions: pausing or resuming shows in Progressing (status Unknown),
    except that a reported deadline is never overwritten by a pause."""
    reason = (conditions.get("Progressing") or {}).get("reason")
    if reason == "ProgressDeadlineExceeded":
        return
    if spec.get("paused") and reason != "DeploymentPaused":
        conditions["Progressing"] = _progressing(conditions, now, "DeploymentPaused", "")
    elif not spec.get("paused") and reason == "DeploymentPaused":
        conditions["Progressing"] = _progressing(conditions, now, "DeploymentResumed", "")


def _replica_failure(new: JsonObj | None, rses: list[JsonObj]) -> JsonObj | None:
    """getReplicaFailures: the new ReplicaSet's ReplicaFailure first, else any other's,
    copied with lastUpdateTime = lastTransitionTime (ReplicaSetToDeploymentCondition)."""
    candidates = ([] if new is None else [new]) + rses
    for rs in candidates:
        for cond in (rs.get("status") or {}).get("conditions", []):
            if cond["type"] == "ReplicaFailure":
                return {
                    "type": "ReplicaFailure",
                    "status": cond["status"],
                    "lastUpdateTime": cond["lastTransitionTime"],
                    "lastTransitionTime": cond["lastTransitionTime"],
                    "reason": cond["reason"],
                    "message": cond["message"],
                }
    return None


def _changed(current: JsonObj | None, wanted: JsonObj) -> bool:
    """SetDeploymentCondition leaves a condition alone when status and reason match."""
    return current is None or (current["status"], current["reason"]) != (
        wanted["status"],
        wanted["reason"],
    )


def _set(
    kind: str,
    current: JsonObj | None,
    now: datetime,
    status: str,
    reason: str,
    message: str,
    *,
    refresh: bool = False,
) -> JsonObj:
    """SetDeploymentCondition: unchanged status and reason keep the condition as is
    (unless `refresh`, which bumps lastUpdateTime as progress does); a status change
    moves lastTransitionTime."""
    if current is not None and current["status"] == status and current["reason"] == reason:
        if not refresh:
            return current
        return dict(current, lastUpdateTime=rfc3339(now), message=message)
    transitioned = now
    if current is not None and current["status"] == status:
        transitioned = parse_time(current["lastTransitionTime"])
    return objects.deployment_condition(
        kind,
        status,
        now,
        reason,
        message,
        transitioned=transitioned,
    )


def _timed_out(progressing: JsonObj | None, deadline: int, now: datetime) -> bool:
    if progressing is None or progressing["reason"] in (
        "NewReplicaSetAvailable",
        "ProgressDeadlineExceeded",
    ):
        return False
    return (now - parse_time(progressing["lastUpdateTime"])).total_seconds() > deadline
