"""Lifecycle risks: the settings that turn a routine rollout into user-visible 502s."""

from __future__ import annotations

import re
from collections.abc import Sequence

from exporter.model.pod import Container, PodTemplateSpec
from exporter.model.workloads import Strategy

RISKS = (
    "no_prestop_hook",
    "max_unavailable_all",
    "single_replica",
    "grace_shorter_than_prestop",
    "no_readiness_probe",
)
"""Every value of the `risk` label."""

DEFAULT_GRACE_SECONDS = 30
_SLEEP = re.compile(r"(?:^|[\s;&|])sleep\s+(\d+(?:\.\d+)?)")


def prestop_sleep_seconds(container: Container) -> float | None:
    """The preStop delay: native `sleep` action, or `sleep N` in an exec command."""
    lifecycle = container.lifecycle
    if lifecycle is None or lifecycle.pre_stop is None:
        return None
    hook = lifecycle.pre_stop
    if hook.sleep is not None:
        return float(hook.sleep.seconds)
    if hook.exec is not None:
        match = _SLEEP.search(" ".join(hook.exec.command))
        return float(match.group(1)) if match else 0.0
    return 0.0


def serving_containers(template: PodTemplateSpec) -> Sequence[Container]:
    """Containers that declare ports; all containers when none declares any."""
    containers = template.spec.containers
    with_ports = [c for c in containers if c.ports]
    return with_ports or containers


def resolve_max_unavailable(strategy: Strategy | None, replicas: int) -> int:
    """maxUnavailable as the Deployment controller resolves it (percent rounds down);
    `Recreate` takes every replica down at once."""
    if strategy is not None and strategy.type == "Recreate":
        return replicas
    rolling = strategy.rolling_update if strategy is not None else None
    value: int | str = "25%"
    if rolling is not None and rolling.max_unavailable is not None:
        value = rolling.max_unavailable
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value).rstrip("%")) * replicas / 100)
    except ValueError:
        return 0


def lifecycle_risks(
    template: PodTemplateSpec, *, replicas: int | None, max_unavailable: int | None
) -> list[str]:
    """The risks that hold for a workload, in RISKS order.

    `replicas`/`max_unavailable` are None for kinds where they do not apply (DaemonSets
    run one Pod per node; their maxUnavailable concerns nodes, not capacity).
    """
    containers = serving_containers(template)
    grace = template.spec.termination_grace_period_seconds
    grace = DEFAULT_GRACE_SECONDS if grace is None else grace
    sleeps = [prestop_sleep_seconds(c) for c in containers]
    found = []
    if any(s is None for s in sleeps):
        found.append("no_prestop_hook")
    if replicas is not None and max_unavailable is not None and max_unavailable >= replicas:
        found.append("max_unavailable_all")
    if replicas == 1:
        found.append("single_replica")
    if any(s is not None and s > grace for s in sleeps):
        found.append("grace_shorter_than_prestop")
    if any(c.readiness_probe is None for c in containers):
        found.append("no_readiness_probe")
    return found
