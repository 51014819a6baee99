"""Rollouts whose new pods never run: the reasons a Deployment stalls before readiness.

Each starts from the steady `web` of every Deployment scenario and a two-minute progress
deadline, then ships a web:1.1 the cluster cannot run, for a different reason each time:
the image does not exist, a ConfigMap it needs does not exist, no node has room for it,
or the namespace's ResourceQuota refuses the surge pod. Old pods keep serving (maxSurge 1,
maxUnavailable 0), so the Service stays up while the rollout is stuck.
"""

from __future__ import annotations

from exporter.sim.control import PodBehaviour, ResourceQuota
from exporter.sim.control.container_waits import not_found
from exporter.sim.scenarios.apps import condition, rolled_out, set_container
from exporter.sim.scenarios.phases import APP, NEXT, reason_reached, steady
from exporter.sim.scenarios.script import Checkpoint, Scenario, ScenarioContext, Script

CONFIG_MAP = "web-config"
QUOTA = ResourceQuota("compute-resources", {"requests.cpu": "300m"})
"""Room for exactly the three steady pods (100m each), none for a surge pod."""


def _waiting_reasons(ctx: ScenarioContext) -> set[str]:
    return {
        cs["state"]["waiting"]["reason"]
        for pod in ctx.cluster.list("pods", ctx.namespace)
        for cs in pod["status"].get("containerStatuses", [])
        if "waiting" in cs["state"]
    }


def _event_count(ctx: ScenarioContext, reason: str, message: str) -> int:
    return sum(
        e.get("count") or 1
        for e in ctx.cluster.list("events", ctx.namespace)
        if e["reason"] == reason and e["message"] == message
    )


def _ship(ctx: ScenarioContext, *, memory: str | None = None, config: bool = False) -> Script:
    yield Checkpoint("steady-for-a-while", 30.0)
    config_maps = (CONFIG_MAP,) if config else ()
    set_container(ctx.cluster, ctx.namespace, APP, NEXT, memory=memory, config_maps=config_maps)
    yield Checkpoint("spec-updated", 1.0)


def _image_pull_failure(ctx: ScenarioContext) -> Script:
    """web:1.1 was never pushed: ErrImagePull, then ImagePullBackOff between retries
    (10 s doubling), with Pulling/Failed/BackOff Events whose counts grow."""
    ctx.plane.behave(ctx.namespace, NEXT, PodBehaviour(image_pull_error=not_found(NEXT)))
    yield from steady(ctx, progress_deadline_seconds=120)
    yield from _ship(ctx)
    yield from ctx.reconcile(
        "image-pull-failing", until=lambda: "ErrImagePull" in _waiting_reasons(ctx)
    )
    yield from ctx.reconcile(
        "image-pull-backoff",
        until=lambda: (
            "ImagePullBackOff" in _waiting_reasons(ctx)
            and _event_count(ctx, "Failed", "Error: ErrImagePull") >= 2
        ),
    )
    yield from reason_reached(ctx, "deadline-exceeded", "ProgressDeadlineExceeded")


def _missing_configmap(ctx: ScenarioContext) -> Script:
    """web:1.1 loads its environment from ConfigMap `web-config`, which nobody created:
    CreateContainerConfigError until the deadline passes; then the ConfigMap appears and
    the rollout recovers from ProgressDeadlineExceeded to completion."""
    yield from steady(ctx, progress_deadline_seconds=120)
    yield from _ship(ctx, config=True)
    yield from ctx.reconcile(
        "config-error", until=lambda: "CreateContainerConfigError" in _waiting_reasons(ctx)
    )
    yield from reason_reached(ctx, "deadline-exceeded", "ProgressDeadlineExceeded")
    ctx.plane.add_config_map(ctx.namespace, CONFIG_MAP)
    yield Checkpoint("configmap-created", 1.0)
    yield from ctx.reconcile(
        "rolled-out", until=lambda: rolled_out(ctx.cluster, ctx.namespace, APP)
    )


def _unschedulable(ctx: ScenarioContext) -> Script:
    """web:1.1 requests 64Gi of memory: its pod stays Pending with PodScheduled False
    (Unschedulable), and the scheduler's FailedScheduling Event is a series."""
    ctx.plane.behave(ctx.namespace, NEXT, PodBehaviour(unschedulable=True))
    yield from steady(ctx, progress_deadline_seconds=120)
    yield from _ship(ctx, memory="64Gi")

    def pending() -> bool:
        return any(
            (condition(pod, "PodScheduled") or {}).get("reason") == "Unschedulable"
            for pod in ctx.cluster.list("pods", ctx.namespace)
        )

    yield from ctx.reconcile("unschedulable", until=pending)
    yield from reason_reached(ctx, "deadline-exceeded", "ProgressDeadlineExceeded")


def _quota_exceeded(ctx: ScenarioContext) -> Script:
    """A `requests.cpu: 300m` quota leaves no room for the surge pod: the new ReplicaSet
    gets `FailedCreate` Events (combined after ten distinct pod names) and a
    ReplicaFailure condition, copied onto the Deployment."""
    ctx.plane.add_quota(ctx.namespace, QUOTA)
    yield from steady(ctx, progress_deadline_seconds=120)
    yield from _ship(ctx)

    def failing() -> bool:
        found = ctx.cluster.get("deployments", ctx.namespace, APP)
        return condition(found, "ReplicaFailure") is not None

    yield from ctx.reconcile("create-failing", until=failing)
    yield from reason_reached(ctx, "deadline-exceeded", "ProgressDeadlineExceeded")


image_pull_failure = Scenario(
    "image_pull_failure",
    "web:1.1 does not exist: ErrImagePull / ImagePullBackOff until the deadline passes.",
    _image_pull_failure,
)
missing_configmap = Scenario(
    "missing_configmap",
    "web:1.1 needs a missing ConfigMap (CreateContainerConfigError); it appears late.",
    _missing_configmap,
)
unschedulable = Scenario(
    "unschedulable",
    "web:1.1 requests more memory than any node has: Pending, Unschedulable.",
    _unschedulable,
)
quota_exceeded = Scenario(
    "quota_exceeded",
    "A ResourceQuota refuses web:1.1's surge pod: FailedCreate, ReplicaFailure.",
    _quota_exceeded,
)
