"""Each derivation rule, table-driven, including the edge cases docs/metrics.md names."""

from __future__ import annotations

from typing import Any

import pytest

from exporter.rollout.lifecycle import lifecycle_risks, prestop_sleep_seconds
from exporter.rollout.pods import blocked_reason, oom_kills, ready_since, summarize
from exporter.rollout.probes import classify, event_count
from exporter.rollout.services import count_endpoints, selects_pods
from exporter.rollout.status import (
    daemonset_status,
    deployment_status,
    new_replicaset,
    statefulset_status,
)
from tests.rollout.objects import (
    T0_EPOCH,
    at,
    daemonset,
    deployment,
    endpointslice,
    event,
    pod,
    replicaset,
    running,
    service,
    statefulset,
    waiting,
)

# --- Deployments -----------------------------------------------------------------------


def progressing(reason: str, updated: float = 60.0, status: str = "True") -> dict[str, Any]:
    return {
        "type": "Progressing",
        "status": status,
        "reason": reason,
        "lastUpdateTime": at(updated),
        "lastTransitionTime": at(0),
    }


def rs(revision: int, *, created: float, history: str | None = None) -> Any:
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    if history:
        annotations["deployment.kubernetes.io/revision-history"] = history
    return replicaset(
        metadata={
            "name": f"web-h{revision}",
            "uid": f"rs-{revision}",
            "creationTimestamp": at(created),
            "labels": {"pod-template-hash": f"h{revision}"},
            "annotations": annotations,
            "ownerReferences": [
                {"kind": "Deployment", "name": "web", "uid": "d", "controller": True}
            ],
        },
        spec={"replicas": 3},
    )


def web(revision: int, reason: str | None, *, paused: bool = False, updated: float = 60.0) -> Any:
    return deployment(
        metadata={
            "name": "web",
            "uid": "d",
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
        },
        spec={"replicas": 3, "paused": paused},
        status={"conditions": [progressing(reason, updated)] if reason else []},
    )


def new_pod(created: float) -> Any:
    return pod(metadata={"name": f"p{created}", "creationTimestamp": at(created)})


DEPLOYMENT_CASES = {
    "new ReplicaSet created: rollout starts at its creation": (
        web(2, "NewReplicaSetCreated"),
        [rs(1, created=0), rs(2, created=100)],
        [],
        ("h2", "progressing", False, T0_EPOCH + 100, None),
    ),
    "progress made: still the same start": (
        web(2, "ReplicaSetUpdated", updated=180),
        [rs(1, created=0), rs(2, created=100)],
        [],
        ("h2", "progressing", False, T0_EPOCH + 100, None),
    ),
    "complete: ends at the condition's last update": (
        web(2, "NewReplicaSetAvailable", updated=300),
        [rs(1, created=0), rs(2, created=100)],
        [],
        ("h2", "complete", False, T0_EPOCH + 100, T0_EPOCH + 300),
    ),
    "progress deadline exceeded: failed, still in progress": (
        web(2, "ProgressDeadlineExceeded", updated=700),
        [rs(2, created=100)],
        [],
        ("h2", "failed", False, T0_EPOCH + 100, T0_EPOCH + 700),
    ),
    "scale-only change keeps NewReplicaSetAvailable: not a rollout": (
        web(1, "NewReplicaSetAvailable"),
        [rs(1, created=0)],
        [],
        ("h1", "complete", False, T0_EPOCH, T0_EPOCH + 60),
    ),
    "rollback reuses an old ReplicaSet: starts with its first new pod": (
        web(3, "FoundNewReplicaSet", updated=500),
        [rs(3, created=0, history="1"), rs(2, created=100)],
        [new_pod(400), new_pod(405)],
        ("h3", "progressing", False, T0_EPOCH + 400, None),
    ),
    "rollback before any pod exists: condition's last update": (
        web(3, "FoundNewReplicaSet", updated=500),
        [rs(3, created=0, history="1")],
        [],
        ("h3", "progressing", False, T0_EPOCH + 500, None),
    ),
    "paused mid-rollout: paused, not in progress": (
        web(2, "DeploymentPaused", paused=True),
        [rs(2, created=100)],
        [],
        ("h2", "progressing", True, T0_EPOCH + 100, None),
    ),
    "no ReplicaSet yet: idle": (web(1, None), [], [], ("", "idle", False, None, None)),
}


@pytest.mark.parametrize(
    ("dep", "replicasets", "pods", "expected"), DEPLOYMENT_CASES.values(), ids=DEPLOYMENT_CASES
)
def test_deployment_status(dep: Any, replicasets: Any, pods: Any, expected: Any) -> None:
    status = deployment_status(dep, replicasets, pods)
    assert (status.revision, status.phase, status.paused, status.started_at, status.ended_at) == (
        expected
    )
    if status.paused:
        assert not status.in_progress


def test_paused_deployment_is_not_in_progress() -> None:
    status = deployment_status(web(2, "DeploymentPaused", paused=True), [rs(2, created=1)], [])
    assert status.paused
    assert not status.in_progress


def test_new_replicaset_follows_the_deployment_revision() -> None:
    assert new_replicaset(web(1, None), [rs(1, created=0), rs(2, created=5)]).metadata.name == (
        "web-h1"
    )


# --- StatefulSets and DaemonSets ----------------------------------------------------------


def sts_pod(revision: str, created: float, ready_at: float | None = None) -> Any:
    conditions = (
        [{"type": "Ready", "status": "True", "lastTransitionTime": at(ready_at)}]
        if (ready_at is not None)
        else []
    )
    return pod(
        metadata={
            "name": f"db-{created}",
            "creationTimestamp": at(created),
            "labels": {"controller-revision-hash": revision},
        },
        status={"conditions": conditions},
    )


@pytest.mark.parametrize(
    ("current", "update", "phase"),
    [("db-1", "db-2", "progressing"), ("db-2", "db-2", "complete"), ("db-1", "", "complete")],
)
def test_statefulset_rolls_out_while_revisions_differ(
    current: str, update: str, phase: str
) -> None:
    sts = statefulset(status={"currentRevision": current, "updateRevision": update})
    status = statefulset_status(sts, [sts_pod("db-2", 50, 80), sts_pod("db-1", 0, 10)])
    assert status.phase == phase


def test_statefulset_start_is_its_first_updated_pod() -> None:
    sts = statefulset(status={"currentRevision": "db-1", "updateRevision": "db-2"})
    status = statefulset_status(sts, [sts_pod("db-2", 50), sts_pod("db-2", 70), sts_pod("db-1", 0)])
    assert status.started_at == T0_EPOCH + 50


DAEMONSET_CASES = {
    "not every node updated": (
        {"desiredNumberScheduled": 3, "updatedNumberScheduled": 2, "numberAvailable": 3},
        ["a", "b", "b"],
        False,
        "progressing",
    ),
    "old pods left and not all available": (
        {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2},
        ["a", "b", "b"],
        False,
        "progressing",
    ),
    "new node joining: all new revision": (
        {"desiredNumberScheduled": 4, "updatedNumberScheduled": 4, "numberAvailable": 3},
        ["b", "b", "b", "b"],
        False,
        "complete",
    ),
    "last pod of a rollout still starting": (
        {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 2},
        ["b", "b", "b"],
        True,
        "progressing",
    ),
    "done": (
        {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3},
        ["b", "b", "b"],
        True,
        "complete",
    ),
}


@pytest.mark.parametrize(
    ("status_fields", "revisions", "was_progressing", "phase"),
    DAEMONSET_CASES.values(),
    ids=DAEMONSET_CASES,
)
def test_daemonset_status(
    status_fields: dict[str, int], revisions: list[str], was_progressing: bool, phase: str
) -> None:
    pods = [sts_pod(r, i * 10 + (100 if r == "b" else 0)) for i, r in enumerate(revisions)]
    ds = daemonset(status=status_fields)
    assert daemonset_status(ds, pods, was_progressing=was_progressing).phase == phase


# --- Pods ---------------------------------------------------------------------------------

BLOCKED_CASES = {
    "image pull back-off": (
        {"phase": "Pending", "containerStatuses": [waiting("ImagePullBackOff")]},
        "ImagePullBackOff",
    ),
    "image pull error": (
        {"phase": "Pending", "containerStatuses": [waiting("ErrImagePull")]},
        "ErrImagePull",
    ),
    "crash loop": (
        {"phase": "Running", "containerStatuses": [waiting("CrashLoopBackOff")]},
        "CrashLoopBackOff",
    ),
    "missing ConfigMap": (
        {"phase": "Pending", "containerStatuses": [waiting("CreateContainerConfigError")]},
        "CreateContainerConfigError",
    ),
    "unschedulable": (
        {
            "phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}],
        },
        "Unschedulable",
    ),
    "running but readiness failing": (
        {"phase": "Running", "containerStatuses": [running(ready=False)]},
        "ReadinessProbeFailing",
    ),
    "still pending": ({"phase": "Pending"}, "Pending"),
    "ready": (
        {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [running(ready=True)],
        },
        None,
    ),
    "no conditions at all": ({}, "Pending"),
    "succeeded": ({"phase": "Succeeded"}, None),
}


@pytest.mark.parametrize(("status", "reason"), BLOCKED_CASES.values(), ids=BLOCKED_CASES)
def test_blocked_reason(status: dict[str, Any], reason: str | None) -> None:
    spec = {"containers": [{"name": "app", "readinessProbe": {"httpGet": {"path": "/r"}}}]}
    assert blocked_reason(pod(spec=spec, status=status)) == reason


def test_oom_kills_are_identified_by_container_id_and_finish_time() -> None:
    terminated = {
        "reason": "OOMKilled",
        "exitCode": 137,
        "containerID": "containerd://a",
        "finishedAt": at(30),
    }
    p = pod(
        status={
            "containerStatuses": [
                {"name": "app", "restartCount": 2, "lastState": {"terminated": terminated}}
            ]
        }
    )
    (kill,) = oom_kills(p)
    assert (kill.container, kill.container_id, kill.finished_at) == (
        "app",
        "containerd://a",
        T0_EPOCH + 30,
    )


def test_other_terminations_are_not_oom_kills() -> None:
    terminated = {"reason": "Error", "exitCode": 1, "finishedAt": at(30)}
    assert (
        oom_kills(
            pod(
                status={
                    "containerStatuses": [{"name": "app", "lastState": {"terminated": terminated}}]
                }
            )
        )
        == []
    )


# --- Probe events --------------------------------------------------------------------------

PROBE_CASES = {
    "readiness HTTP 503": (
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
        False,
        ("readiness", "503"),
    ),
    "liveness HTTP 404": (
        "Liveness probe failed: HTTP probe failed with statuscode: 404",
        False,
        ("liveness", "404"),
    ),
    "connection refused": (
        'Readiness probe failed: Get "http://10.0.0.1:8080/ready": dial tcp '
        "10.0.0.1:8080: connect: connection refused",
        False,
        ("readiness", "connection_refused"),
    ),
    "HTTP timeout": (
        'Liveness probe failed: Get "http://10.0.0.1:8080/": context deadline '
        "exceeded (Client.Timeout exceeded while awaiting headers)",
        False,
        ("liveness", "timeout"),
    ),
    "startup probe": (
        "Startup probe failed: HTTP probe failed with statuscode: 500",
        False,
        ("startup", "500"),
    ),
    "exec probe output": (
        "Readiness probe failed: cat: /tmp/ready: No such file or directory",
        True,
        ("readiness", "exec"),
    ),
    "exec probe timeout": (
        "Liveness probe failed: command timed out",
        True,
        ("liveness", "timeout"),
    ),
    "unknown text": ("Readiness probe failed: something odd", False, ("readiness", "other")),
    "probe errored": (
        "Readiness probe errored: rpc error: code = Unknown",
        False,
        ("readiness", "other"),
    ),
}


@pytest.mark.parametrize(
    ("message", "exec_probe", "expected"), PROBE_CASES.values(), ids=PROBE_CASES
)
def test_probe_failure_classes(message: str, exec_probe: bool, expected: tuple[str, str]) -> None:
    handler = {"exec": {"command": ["cat", "/tmp/ready"]}} if exec_probe else {"httpGet": {}}
    p = pod(
        spec={
            "containers": [
                {
                    "name": "app",
                    "readinessProbe": handler,
                    "livenessProbe": handler,
                    "startupProbe": handler,
                }
            ]
        }
    )
    e = event(
        reason="Unhealthy",
        message=message,
        involvedObject={"kind": "Pod", "name": "x", "fieldPath": "spec.containers{app}"},
    )
    failure = classify(e, p)
    assert failure is not None
    assert (failure.probe, failure.failure, failure.container) == (*expected, "app")


@pytest.mark.parametrize(
    ("fields", "count"),
    [({"count": 7}, 7), ({"series": {"count": 12}, "count": 1}, 12), ({}, 1), ({"count": 0}, 1)],
)
def test_event_count_reads_either_aggregation(fields: dict[str, Any], count: int) -> None:
    assert event_count(event(reason="Unhealthy", **fields)) == count


def test_not_a_probe_event() -> None:
    assert classify(event(reason="BackOff", message="Back-off restarting"), None) is None


# --- Services -------------------------------------------------------------------------------


def endpoint(
    ready: bool | None, serving: bool | None = None, terminating: bool | None = None
) -> dict[str, Any]:
    conditions = {
        k: v
        for k, v in (("ready", ready), ("serving", serving), ("terminating", terminating))
        if v is not None
    }
    return {"addresses": ["10.0.0.1"], "conditions": conditions}


def test_endpoint_conditions_sum_over_slices() -> None:
    slices = [
        endpointslice(endpoints=[endpoint(True), endpoint(False)]),
        endpointslice(endpoints=[endpoint(False, True, True), endpoint(None)]),
        endpointslice(endpoints=None),
    ]
    counts = count_endpoints(slices)
    assert (counts.ready, counts.serving, counts.terminating) == (2, 3, 1)


@pytest.mark.parametrize(
    ("spec", "selects"),
    [
        ({"selector": {"app": "web"}}, True),
        ({"selector": {"app": "web"}, "clusterIP": "None"}, True),
        ({}, False),
        ({"selector": {}}, False),
        ({"type": "ExternalName", "externalName": "db.example.com"}, False),
    ],
    ids=["ClusterIP", "headless", "selector-less", "empty selector", "ExternalName"],
)
def test_which_services_select_pods(spec: dict[str, Any], selects: bool) -> None:
    assert selects_pods(service(spec=spec)) is selects


# --- Lifecycle risks --------------------------------------------------------------------------


def template(containers: list[dict[str, Any]], grace: int | None = None) -> Any:
    spec: dict[str, Any] = {"containers": containers}
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return deployment(spec={"template": {"spec": spec}}).spec.template


SAFE = {
    "name": "app",
    "ports": [{"containerPort": 8080}],
    "readinessProbe": {"httpGet": {}},
    "lifecycle": {"preStop": {"sleep": {"seconds": 10}}},
}

RISK_CASES = {
    "safe": ([SAFE], None, 3, 1, []),
    "no preStop": ([{**SAFE, "lifecycle": None}], None, 3, 1, ["no_prestop_hook"]),
    "maxUnavailable covers every replica": ([SAFE], None, 2, 2, ["max_unavailable_all"]),
    "single replica": ([SAFE], None, 1, 0, ["single_replica"]),
    "grace shorter than the preStop sleep": (
        [{**SAFE, "lifecycle": {"preStop": {"exec": {"command": ["sh", "-c", "sleep 40"]}}}}],
        30,
        3,
        1,
        ["grace_shorter_than_prestop"],
    ),
    "no readiness probe": ([{**SAFE, "readinessProbe": None}], None, 3, 1, ["no_readiness_probe"]),
    "sidecar without ports is not serving": ([SAFE, {"name": "log-shipper"}], None, 3, 1, []),
}


@pytest.mark.parametrize(
    ("containers", "grace", "replicas", "unavailable", "risks"), RISK_CASES.values(), ids=RISK_CASES
)
def test_lifecycle_risks(
    containers: list[dict[str, Any]],
    grace: int | None,
    replicas: int,
    unavailable: int,
    risks: list[str],
) -> None:
    assert (
        lifecycle_risks(template(containers, grace), replicas=replicas, max_unavailable=unavailable)
        == risks
    )


@pytest.mark.parametrize(
    ("hook", "seconds"),
    [
        ({"sleep": {"seconds": 5}}, 5.0),
        ({"exec": {"command": ["/bin/sh", "-c", "sleep 15"]}}, 15.0),
        ({"exec": {"command": ["nginx", "-s", "quit"]}}, 0.0),
        ({"httpGet": {"path": "/drain"}}, 0.0),
    ],
)
def test_prestop_sleep(hook: dict[str, Any], seconds: float) -> None:
    (container,) = template([{"name": "app", "lifecycle": {"preStop": hook}}]).spec.containers
    assert prestop_sleep_seconds(container) == seconds


@pytest.mark.parametrize(("status", "reason"), BLOCKED_CASES.values(), ids=BLOCKED_CASES)
def test_pod_summary_agrees_with_the_reference_rules(
    status: dict[str, Any], reason: str | None
) -> None:
    """`summarize` inlines blocked_reason/ready_since/oom_kills for speed: same answers."""
    spec = {"containers": [{"name": "app", "readinessProbe": {"httpGet": {"path": "/r"}}}]}
    p = pod(spec=spec, status=status)
    summary = summarize(p)
    assert summary.blocked == blocked_reason(p) == reason
    assert summary.ready_since == ready_since(p)
    assert list(summary.oom_kills) == oom_kills(p)
