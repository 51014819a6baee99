"""Every scenario, at each named checkpoint, holds the fields the real controllers write.

One table: (scenario, checkpoint, behaviour, what to read, what it must be). Each
scenario runs once per test session; its named checkpoints are kept as snapshots so a
case can also compare two checkpoints of the same run (a condition left untouched).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

from exporter.sim import objects
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.control.container_waits import not_found
from exporter.sim.resources import RESOURCES, JsonObj
from exporter.sim.scenarios import SCENARIOS, TICK

NS = "shop"
WEB_1_0, WEB_1_1 = "registry.example/web:1.0", "registry.example/web:1.1"
DB_1_0, DB_1_1 = "registry.example/db:1.0", "registry.example/db:1.1"
PROXY_1_1 = "registry.example/edge-proxy:1.1"
QUOTA_REFUSAL = (
    "is forbidden: exceeded quota: compute-resources, requested: requests.cpu=100m, "
    "used: requests.cpu=300m, limited: requests.cpu=300m"
)


@dataclass(frozen=True)
class View:
    """The cluster at one named checkpoint, plus the run's other checkpoints."""

    state: dict[str, list[JsonObj]]
    run: dict[str, View]

    def at(self, checkpoint: str) -> View:
        return self.run[checkpoint]

    def get(self, resource: str, name: str) -> JsonObj:
        return next(o for o in self.state[resource] if o["metadata"]["name"] == name)

    @property
    def web(self) -> JsonObj:
        return self.get("deployments", "web")

    def rs(self, image: str) -> JsonObj:
        """The ReplicaSet whose template runs `image`."""
        return next(
            rs
            for rs in self.state["replicasets"]
            if rs["spec"]["template"]["spec"]["containers"][0]["image"] == image
        )

    def annotation(self, obj: JsonObj, key: str) -> str | None:
        value: str | None = (obj["metadata"].get("annotations") or {}).get(key)
        return value

    def pods(self, image: str | None = None) -> list[JsonObj]:
        return [
            p
            for p in self.state["pods"]
            if image is None or p["spec"]["containers"][0]["image"] == image
        ]

    def waiting(self, image: str) -> list[JsonObj]:
        return [
            cs["state"]["waiting"]
            for p in self.pods(image)
            for cs in p["status"].get("containerStatuses", [])
            if "waiting" in cs["state"]
        ]

    def events(self, reason: str) -> list[JsonObj]:
        return [e for e in self.state["events"] if e["reason"] == reason]

    def terminating(self) -> list[str]:
        return [p["metadata"]["name"] for p in self.pods() if "deletionTimestamp" in p["metadata"]]


def cond(obj: JsonObj, kind: str) -> JsonObj:
    return next(c for c in obj["status"].get("conditions", []) if c["type"] == kind)


def progressing(view: View) -> tuple[str, str, str]:
    found = cond(view.web, "Progressing")
    return found["status"], found["reason"], found["message"]


def label(obj: JsonObj, key: str) -> str:
    value: str = obj["metadata"]["labels"][key]
    return value


@functools.cache
def checkpoints(name: str) -> dict[str, View]:
    cluster = Cluster(clock=ManualClock())
    run = SCENARIOS[name].start(cluster, namespace=NS)
    views: dict[str, View] = {}
    while (checkpoint := run.step()) is not None:
        if checkpoint.name != TICK:
            state = {resource: cluster.list(resource, NS) for resource in RESOURCES}
            views[checkpoint.name] = View(state, views)
    return views


@dataclass(frozen=True)
class Case:
    scenario: str
    checkpoint: str
    behaviour: str
    actual: Callable[[View], Any]
    expected: Any

    @property
    def id(self) -> str:
        return f"{self.scenario}@{self.checkpoint}: {self.behaviour}"


def created(pod: JsonObj) -> str:
    return str(pod["metadata"]["creationTimestamp"])


def success(rs: JsonObj) -> str:
    return f'ReplicaSet "{rs["metadata"]["name"]}" has successfully progressed.'


def db_revision(view: View, image: str) -> str:
    """The ControllerRevision name of `db`'s template with `image`."""
    sts = view.get("statefulsets", "db")
    template = msgspec.json.decode(msgspec.json.encode(sts["spec"]["template"]))
    template["spec"]["containers"][0]["image"] = image
    return objects.controller_revision_hash("db", template)


CASES = [
    # rollback: the old ReplicaSet comes back as the newest revision.
    Case("rollback", "steady", "revision 1", lambda v: v.annotation(v.web, objects.REVISION), "1"),
    Case(
        "rollback",
        "rolled-out",
        "1.1 is revision 2, 1.0 scaled to zero",
        lambda v: (
            v.annotation(v.web, objects.REVISION),
            v.annotation(v.rs(WEB_1_1), objects.REVISION),
            v.rs(WEB_1_0)["spec"]["replicas"],
        ),
        ("2", "2", 0),
    ),
    Case(
        "rollback",
        "rollback-started",
        "no new ReplicaSet: 1.0's is reused as revision 3 and scaled up",
        lambda v: (
            len(v.state["replicasets"]),
            v.annotation(v.web, objects.REVISION),
            v.annotation(v.rs(WEB_1_0), objects.REVISION),
            v.annotation(v.rs(WEB_1_0), objects.REVISION_HISTORY),
            v.rs(WEB_1_0)["spec"]["replicas"],
        ),
        (2, "3", "3", "1", 1),
    ),
    Case(
        "rollback",
        "rollback-started",
        "Progressing still names 1.1's ReplicaSet until progress is seen",
        lambda v: progressing(v)[1:] == progressing(v.at("rolled-out"))[1:],
        True,
    ),
    Case(
        "rollback",
        "rolled-back",
        "all pods run 1.0 again, its ReplicaSet named in Progressing",
        lambda v: (
            {p["spec"]["containers"][0]["image"] for p in v.pods()},
            v.rs(WEB_1_0)["status"].get("availableReplicas"),
            v.rs(WEB_1_1)["spec"]["replicas"],
            progressing(v)[:2],
            progressing(v)[2] == success(v.rs(WEB_1_0)),
        ),
        ({WEB_1_0}, 3, 0, ("True", "NewReplicaSetAvailable"), True),
    ),
    # paused_deployment: Unknown while paused, no deadline, resumed keeps the transition.
    Case(
        "paused_deployment",
        "paused",
        "Progressing Unknown/DeploymentPaused",
        lambda v: (v.web["spec"].get("paused"), progressing(v)),
        (True, ("Unknown", "DeploymentPaused", "Deployment is paused")),
    ),
    Case(
        "paused_deployment",
        "paused",
        "both versions run",
        lambda v: (len(v.pods(WEB_1_0)) > 0, len(v.pods(WEB_1_1)) > 0),
        (True, True),
    ),
    Case(
        "paused_deployment",
        "still-paused",
        "past the deadline nothing changed: no ProgressDeadlineExceeded, no scaling",
        lambda v: (
            cond(v.web, "Progressing") == cond(v.at("paused").web, "Progressing"),
            [rs["spec"] for rs in v.state["replicasets"]]
            == [rs["spec"] for rs in v.at("paused").state["replicasets"]],
        ),
        (True, True),
    ),
    Case(
        "paused_deployment",
        "resumed",
        "Progressing Unknown/DeploymentResumed keeps the pause's transition time",
        lambda v: (
            "paused" in v.web["spec"],
            progressing(v),
            cond(v.web, "Progressing")["lastTransitionTime"]
            == cond(v.at("paused").web, "Progressing")["lastTransitionTime"],
        ),
        (False, ("Unknown", "DeploymentResumed", "Deployment is resumed"), True),
    ),
    Case(
        "paused_deployment",
        "rolled-out",
        "completes as revision 2",
        lambda v: (v.annotation(v.web, objects.REVISION), progressing(v)[:2]),
        ("2", ("True", "NewReplicaSetAvailable")),
    ),
    # scale_only: same ReplicaSet, same revision, Progressing untouched.
    Case(
        "scale_only",
        "scaling",
        "the one ReplicaSet grows, with its replica annotations",
        lambda v: [
            (
                rs["spec"]["replicas"],
                v.annotation(rs, objects.DESIRED_REPLICAS),
                v.annotation(rs, objects.MAX_REPLICAS),
                v.annotation(rs, objects.REVISION),
            )
            for rs in v.state["replicasets"]
        ],
        [(5, "5", "7", "1")],
    ),
    Case(
        "scale_only",
        "scaling",
        "below maxUnavailable while new pods start",
        lambda v: (cond(v.web, "Available")["reason"], v.web["status"]["unavailableReplicas"]),
        ("MinimumReplicasUnavailable", 2),
    ),
    Case(
        "scale_only",
        "scaled",
        "Progressing is the steady one, byte for byte",
        lambda v: cond(v.web, "Progressing") == cond(v.at("steady").web, "Progressing"),
        True,
    ),
    Case(
        "scale_only",
        "scaled",
        "five available, still revision 1",
        lambda v: (
            v.web["status"]["availableReplicas"],
            v.web["status"]["updatedReplicas"],
            v.annotation(v.web, objects.REVISION),
            cond(v.web, "Available")["status"],
        ),
        (5, 5, "1", "True"),
    ),
    # statefulset_rollout: reverse ordinal order, revisions as ControllerRevision names.
    Case(
        "statefulset_rollout",
        "steady",
        "one revision, named <set>-<hash>, in the status and on every pod",
        lambda v: (
            v.get("statefulsets", "db")["status"]
            == objects.statefulset_status(
                observed_generation=1,
                replicas=3,
                ready=3,
                current=3,
                updated=3,
                available=3,
                current_revision=db_revision(v, DB_1_0),
                update_revision=db_revision(v, DB_1_0),
            ),
            sorted(
                (
                    p["metadata"]["name"],
                    label(p, objects.POD_INDEX),
                    label(p, objects.CONTROLLER_REVISION_HASH) == db_revision(v, DB_1_0),
                    p["spec"]["hostname"],
                    p["spec"]["subdomain"],
                )
                for p in v.pods()
            ),
        ),
        (
            True,
            [
                ("db-0", "0", True, "db-0", "db"),
                ("db-1", "1", True, "db-1", "db"),
                ("db-2", "2", True, "db-2", "db"),
            ],
        ),
    ),
    Case(
        "statefulset_rollout",
        "steady",
        "the headless Service's EndpointSlice lists hostnames",
        lambda v: (
            v.state["endpointslices"][0]["metadata"]["labels"].get(objects.HEADLESS_LABEL),
            [e["hostname"] for e in v.state["endpointslices"][0]["endpoints"]],
        ),
        ("", ["db-0", "db-1", "db-2"]),
    ),
    Case(
        "statefulset_rollout",
        "updating",
        "db-2 updated and Ready, db-1 terminating, db-0 untouched",
        lambda v: (
            [
                label(v.get("pods", f"db-{i}"), objects.CONTROLLER_REVISION_HASH)
                == db_revision(v, DB_1_1)
                for i in range(3)
            ],
            v.terminating(),
            {
                k: v.get("statefulsets", "db")["status"][k]
                for k in ("replicas", "currentReplicas", "updatedReplicas")
            },
            v.get("statefulsets", "db")["status"]["updateRevision"] == db_revision(v, DB_1_1),
            v.get("statefulsets", "db")["status"]["currentRevision"]
            == v.at("steady").get("statefulsets", "db")["status"]["updateRevision"],
        ),
        (
            [False, False, True],
            ["db-1"],
            {"replicas": 3, "currentReplicas": 1, "updatedReplicas": 1},
            True,
            True,
        ),
    ),
    Case(
        "statefulset_rollout",
        "rolled-out",
        "currentRevision caught up; pods were recreated from db-2 down to db-0",
        lambda v: (
            v.get("statefulsets", "db")["status"]["currentRevision"] == db_revision(v, DB_1_1),
            v.get("statefulsets", "db")["status"]["currentReplicas"],
            [p["metadata"]["name"] for p in sorted(v.pods(DB_1_1), key=created)],
        ),
        (True, 3, ["db-2", "db-1", "db-0"]),
    ),
    # daemonset_rollout: one node at a time, hash and generation labels.
    Case(
        "daemonset_rollout",
        "steady",
        "one pod per node, pinned by affinity",
        lambda v: sorted(
            (p["spec"]["nodeName"], objects.required_node(p), label(p, "pod-template-generation"))
            for p in v.pods()
        ),
        [("node-a", "node-a", "1"), ("node-b", "node-b", "1"), ("node-c", "node-c", "1")],
    ),
    Case(
        "daemonset_rollout",
        "updating",
        "one node updated, one old pod terminating",
        lambda v: (
            v.annotation(v.get("daemonsets", "edge-proxy"), objects.TEMPLATE_GENERATION),
            v.get("daemonsets", "edge-proxy")["status"]["updatedNumberScheduled"],
            len(v.terminating()),
            [label(p, "pod-template-generation") for p in v.pods(PROXY_1_1)],
        ),
        ("2", 1, 1, ["2"]),
    ),
    Case(
        "daemonset_rollout",
        "rolled-out",
        "every node updated and available",
        lambda v: (
            {
                k: v.get("daemonsets", "edge-proxy")["status"].get(k)
                for k in ("desiredNumberScheduled", "updatedNumberScheduled", "numberAvailable")
            },
            {
                label(p, objects.CONTROLLER_REVISION_HASH)
                == objects.template_hash(v.get("daemonsets", "edge-proxy")["spec"]["template"])
                for p in v.pods()
            },
        ),
        (
            {"desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3},
            {True},
        ),
    ),
    # image_pull_failure
    Case(
        "image_pull_failure",
        "image-pull-failing",
        "ErrImagePull with the runtime's error; the sandbox has an IP",
        lambda v: (
            v.waiting(WEB_1_1),
            [(p["status"]["phase"], "podIP" in p["status"]) for p in v.pods(WEB_1_1)],
        ),
        ([{"reason": "ErrImagePull", "message": not_found(WEB_1_1)}], [("Pending", True)]),
    ),
    Case(
        "image_pull_failure",
        "image-pull-backoff",
        "ImagePullBackOff after a second failed pull, counted on one Event",
        lambda v: (
            v.waiting(WEB_1_1),
            [e["count"] for e in v.events("Failed") if e["message"] == "Error: ErrImagePull"],
            [e["type"] for e in v.events("BackOff")],
        ),
        (
            [{"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{WEB_1_1}"'}],
            [2],
            ["Normal"],
        ),
    ),
    Case(
        "image_pull_failure",
        "deadline-exceeded",
        "ProgressDeadlineExceeded",
        lambda v: progressing(v)[:2],
        ("False", "ProgressDeadlineExceeded"),
    ),
    # missing_configmap
    Case(
        "missing_configmap",
        "config-error",
        "CreateContainerConfigError naming the ConfigMap",
        lambda v: (
            v.waiting(WEB_1_1),
            [e["message"] for e in v.events("Failed")],
        ),
        (
            [
                {
                    "reason": "CreateContainerConfigError",
                    "message": 'configmap "web-config" not found',
                }
            ],
            ['Error: configmap "web-config" not found'],
        ),
    ),
    Case(
        "missing_configmap",
        "deadline-exceeded",
        "the kubelet kept retrying",
        lambda v: (progressing(v)[1], v.events("Failed")[0]["count"] > 5),
        ("ProgressDeadlineExceeded", True),
    ),
    Case(
        "missing_configmap",
        "rolled-out",
        "recovers once the ConfigMap exists",
        lambda v: (progressing(v)[:2], len(v.pods(WEB_1_1)), v.waiting(WEB_1_1)),
        (("True", "NewReplicaSetAvailable"), 3, []),
    ),
    # unschedulable
    Case(
        "unschedulable",
        "unschedulable",
        "PodScheduled False/Unschedulable, no node",
        lambda v: [
            (
                cond(p, "PodScheduled")["status"],
                cond(p, "PodScheduled")["reason"],
                "nodeName" in p["spec"],
                p["status"]["phase"],
            )
            for p in v.pods(WEB_1_1)
        ],
        [("False", "Unschedulable", False, "Pending")],
    ),
    Case(
        "unschedulable",
        "deadline-exceeded",
        "FailedScheduling is an events.k8s.io series",
        lambda v: [
            (e.get("count"), e["series"]["count"], e["reportingComponent"])
            for e in v.events("FailedScheduling")
        ],
        [(None, 2, "default-scheduler")],
    ),
    # quota_exceeded
    Case(
        "quota_exceeded",
        "create-failing",
        "ReplicaFailure on the new ReplicaSet, copied to the Deployment",
        lambda v: (
            cond(v.rs(WEB_1_1), "ReplicaFailure")["reason"],
            QUOTA_REFUSAL in cond(v.rs(WEB_1_1), "ReplicaFailure")["message"],
            cond(v.web, "ReplicaFailure")["message"]
            == cond(v.rs(WEB_1_1), "ReplicaFailure")["message"],
        ),
        ("FailedCreate", True, True),
    ),
    Case(
        "quota_exceeded",
        "deadline-exceeded",
        "nine distinct FailedCreate Events, then one combined Event counting the rest",
        lambda v: (
            {
                (e["source"]["component"], e["involvedObject"]["kind"])
                for e in v.events("FailedCreate")
            },
            sum(1 for e in v.events("FailedCreate") if e["count"] == 1),
            [
                e["count"] > 1
                for e in v.events("FailedCreate")
                if e["message"].startswith("(combined from similar events): Error creating: ")
            ],
            progressing(v)[1],
        ),
        ({("replicaset-controller", "ReplicaSet")}, 9, [True], "ProgressDeadlineExceeded"),
    ),
    # rollout_stuck_readiness_series
    Case(
        "rollout_stuck_readiness_series",
        "deadline-exceeded",
        "a series is written at its second occurrence, then not again for a while",
        lambda v: [(e.get("count"), e["series"]["count"]) for e in v.events("Unhealthy")],
        [(None, 2)],
    ),
    Case(
        "rollout_stuck_readiness_series",
        "series-refreshed",
        "the 30-minute refresh writes the accumulated count",
        lambda v: [e["series"]["count"] > 100 for e in v.events("Unhealthy")],
        [True],
    ),
    # oom_loop
    Case(
        "oom_loop",
        "crash-looping",
        "OOMKilled lastState carries containerID and finishedAt; restarts grow",
        lambda v: sorted(
            (
                cs["lastState"]["terminated"]["reason"],
                cs["lastState"]["terminated"]["containerID"].startswith("containerd://"),
                "finishedAt" in cs["lastState"]["terminated"],
                cs["restartCount"]
                > max(
                    c["restartCount"]
                    for p in v.at("first-oom-kill").pods(WEB_1_1)
                    for c in p["status"]["containerStatuses"]
                ),
            )
            for p in v.pods(WEB_1_1)
            for cs in p["status"]["containerStatuses"]
            if cs["restartCount"] >= 3
        )[:1],
        [("OOMKilled", True, True, True)],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_checkpoint_holds_what_the_controllers_write(case: Case) -> None:
    assert case.actual(checkpoints(case.scenario)[case.checkpoint]) == case.expected


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_two_runs_are_byte_identical_at_every_checkpoint(name: str) -> None:
    """Names, uids, timestamps, hashes and resourceVersions: golden files can rely on all."""
    runs = []
    for _ in range(2):
        cluster = Cluster(clock=ManualClock())
        run = SCENARIOS[name].start(cluster, namespace=NS)
        trace = []
        while (checkpoint := run.step()) is not None:
            if checkpoint.name != TICK:
                state = {r: (cluster.truth(r), cluster.list(r)) for r in RESOURCES}
                trace.append(msgspec.json.encode([checkpoint.name, state]))
        runs.append(trace)
    assert runs[0] == runs[1]
