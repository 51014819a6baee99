"""Scenario scripts that drive a `Cluster` through rollouts, and a fleet builder.

`SCENARIOS` maps each scenario's name to it; a new one is a script plus an entry here.
docs/simulator.md lists them with their checkpoints and the objects they create.
"""

from exporter.sim.scenarios.daemonsets import daemonset_rollout
from exporter.sim.scenarios.deployment_changes import paused_deployment, rollback, scale_only
from exporter.sim.scenarios.fleet import create_fleet
from exporter.sim.scenarios.ingress import ingress_502_rollout
from exporter.sim.scenarios.rollouts import (
    oom_loop,
    rollout_completes,
    rollout_stuck_readiness,
    rollout_stuck_readiness_series,
    selector_label_rename,
)
from exporter.sim.scenarios.script import (
    TICK,
    Checkpoint,
    Scenario,
    ScenarioContext,
    ScenarioError,
    ScenarioRun,
    Script,
)
from exporter.sim.scenarios.statefulsets import statefulset_rollout
from exporter.sim.scenarios.stuck_rollouts import (
    image_pull_failure,
    missing_configmap,
    quota_exceeded,
    unschedulable,
)

SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        rollout_completes,
        rollout_stuck_readiness,
        rollout_stuck_readiness_series,
        oom_loop,
        selector_label_rename,
        rollback,
        paused_deployment,
        scale_only,
        statefulset_rollout,
        daemonset_rollout,
        image_pull_failure,
        missing_configmap,
        unschedulable,
        quota_exceeded,
        ingress_502_rollout,
    )
}

__all__ = [
    "SCENARIOS",
    "TICK",
    "Checkpoint",
    "Scenario",
    "ScenarioContext",
    "ScenarioError",
    "ScenarioRun",
    "Script",
    "create_fleet",
    "daemonset_rollout",
    "image_pull_failure",
    "ingress_502_rollout",
    "missing_configmap",
    "oom_loop",
    "paused_deployment",
    "quota_exceeded",
    "rollback",
    "rollout_completes",
    "rollout_stuck_readiness",
    "rollout_stuck_readiness_series",
    "scale_only",
    "selector_label_rename",
    "statefulset_rollout",
    "unschedulable",
]
