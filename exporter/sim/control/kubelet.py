"""The scheduler and the kubelets, reduced to what shows up in Pod objects.

Each pod moves through the states a real one does (unscheduled, ContainerCreating,
running, ready; or crash-looping, or running but never ready) at the pace its
`PodBehaviour` sets, and terminating pods disappear once their containers have exited.
The pure transition functions are also used to build steady fleets directly; the ones
for containers that never start are in `container_waits`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from exporter.sim import objects
from exporter.sim.clock import parse_time, rfc3339
from exporter.sim.cluster import Cluster
from exporter.sim.control import container_waits as waits
from exporter.sim.control.recorder import EventRecorder
from exporter.sim.resources import JsonObj

TERMINATION_GRACE = 30
"""terminationGracePeriodSeconds of every simulated pod."""


@dataclass(frozen=True)
class PodBehaviour:
    """How the pods running one image behave, in simulated seconds."""

    schedule_after: float = 1.0
    start_after: float = 3.0
    """Scheduling to container running (image pull and start)."""
    ready_after: float = 5.0
    """Container running to readiness probe passing."""
    readiness_fails: bool = False
    probe_failure: str = "HTTP probe failed with statuscode: 503"
    event_series: bool = False
    """Report probe failures as events.k8s.io series (`series.count`) rather than the
    kubelet's counted core/v1 Events; readers of Events get both forms from the API."""
    image_pull_error: str | None = None
    """Every pull of the image fails with this runtime error (`container_waits.not_found`)."""
    oom_after: float | None = None
    """Running this long gets the container OOMKilled (then CrashLoopBackOff)."""
    unschedulable: bool = False
    terminate_after: float = 2.0
    """Deletion request to containers exited and the Pod object gone."""


HEALTHY = PodBehaviour()


def node_for(name: str, nodes: tuple[str, ...]) -> tuple[str, str]:
    """A stable (node name, host IP) for a pod."""
    index = hashlib.sha256(name.encode()).digest()[0] % len(nodes)
    return nodes[index], f"192.168.0.{10 + index}"


def _placement(pod: JsonObj, nodes: tuple[str, ...]) -> tuple[str, str]:
    """The node a pod's required affinity names (daemon pods), else a stable choice."""
    required = objects.required_node(pod)
    if required is not None and required in nodes:
        return required, f"192.168.0.{10 + nodes.index(required)}"
    return node_for(pod["metadata"]["name"], nodes)


def container_id(pod: JsonObj, restarts: int) -> str:
    seed = f"{pod['metadata'].get('uid', pod['metadata']['name'])}/{restarts}"
    return "containerd://" + hashlib.sha256(seed.encode()).hexdigest()


def _conditions(pod: JsonObj, now: datetime, ready: bool, scheduled_at: str) -> list[JsonObj]:
    """Initialized, Ready, ContainersReady, PodScheduled, keeping unchanged transition times."""
    old = {c["type"]: c for c in pod["status"].get("conditions", [])}
    names = [c["name"] for c in pod["spec"]["containers"]]
    unready = None if ready else "ContainersNotReady"
    message = None if ready else f"containers with unready status: [{' '.join(names)}]"

    def cond(kind: str, status: bool, reason: str | None, msg: str | None) -> JsonObj:
        previous: JsonObj | None = old.get(kind)
        if previous is not None and previous["status"] == ("True" if status else "False"):
            return previous
        return objects.condition(kind, status, now, reason=reason, message=msg)

    return [
        cond("Initialized", True, None, None),
        cond("Ready", ready, unready, message),
        cond("ContainersReady", ready, unready, message),
        old.get("PodScheduled")
        or objects.condition("PodScheduled", True, parse_time(scheduled_at)),
    ]


def schedule(pod: JsonObj, now: datetime, nodes: tuple[str, ...]) -> None:
    """Bind to a node; the kubelet reports ContainerCreating."""
    node, host_ip = _placement(pod, nodes)
    pod["spec"]["nodeName"] = node
    status = pod["status"]
    status["conditions"] = [objects.condition("PodScheduled", True, now)]
    status["conditions"] = _conditions(pod, now, False, rfc3339(now))
    status["hostIP"] = host_ip
    status["startTime"] = rfc3339(now)
    status["containerStatuses"] = [
        objects.container_status(c["name"], c["image"], state=objects.waiting("ContainerCreating"))
        for c in pod["spec"]["containers"]
    ]


def start(pod: JsonObj, now: datetime, pod_ip: str) -> None:
    """Containers running, not yet ready."""
    status = pod["status"]
    status["phase"] = "Running"
    status["podIP"] = pod_ip
    status["podIPs"] = [{"ip": pod_ip}]
    for cs in status["containerStatuses"]:
        cs["state"] = objects.running(now)
        cs["ready"] = False
        cs["started"] = True
        cs["containerID"] = container_id(pod, cs["restartCount"])
        cs["imageID"] = f"{cs['image'].split(':')[0]}@sha256:{'0' * 64}"
    status["conditions"] = _conditions(pod, now, False, status["startTime"])


def become_ready(pod: JsonObj, now: datetime) -> None:
    status = pod["status"]
    for cs in status["containerStatuses"]:
        cs["ready"] = True
    status["conditions"] = _conditions(pod, now, True, status["startTime"])


def oom_kill(pod: JsonObj, now: datetime) -> int:
    """The container exceeded its memory limit: OOMKilled, then back-off. Returns back-off."""
    status = pod["status"]
    backoff = 0
    for cs in status["containerStatuses"]:
        started_at = parse_time(cs["state"]["running"]["startedAt"])
        cs["lastState"] = objects.terminated("OOMKilled", 137, started_at, now, cs["containerID"])
        cs["restartCount"] += 1
        backoff = crash_backoff(cs["restartCount"])
        cs["state"] = objects.waiting(
            "CrashLoopBackOff",
            f"back-off {backoff_text(backoff)} restarting failed container={cs['name']} "
            f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}"
            f"({pod['metadata'].get('uid', '')})",
        )
        cs["ready"] = False
        cs["started"] = False
    status["conditions"] = _conditions(pod, now, False, status["startTime"])
    return backoff


def crash_backoff(restarts: int) -> int:
    """The kubelet's restart back-off: 10 s doubling per restart, capped at 5 minutes."""
    return int(min(10 * 2 ** (restarts - 1), 300))


def backoff_text(seconds: int) -> str:
    """Go's time.Duration formatting, as in the kubelet's message ("20s", "1m20s", "5m0s")."""
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}m{rest}s" if minutes else f"{rest}s"


def is_ready(pod: JsonObj) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in pod.get("status", {}).get("conditions", [])
    )


def request_deletion(pod: JsonObj, now: datetime) -> None:
    """What the API server does on a graceful DELETE: stamp the deadline, keep the object."""
    pod["metadata"]["deletionTimestamp"] = rfc3339(now + timedelta(seconds=TERMINATION_GRACE))
    pod["metadata"]["deletionGracePeriodSeconds"] = TERMINATION_GRACE


class Kubelet:
    """Advances every pod in the cluster by what its behaviour says happens by `now`."""

    def __init__(
        self,
        cluster: Cluster,
        events: EventRecorder,
        behaviour: Callable[[JsonObj], PodBehaviour],
        namespace: str | None = None,
        nodes: tuple[str, ...] = ("node-a", "node-b", "node-c"),
        config_maps: Callable[[str], Iterable[str]] = lambda namespace: (),
    ) -> None:
        """`config_maps(namespace)` names the ConfigMaps that exist (they are not served)."""
        self._cluster = cluster
        self._namespace = namespace
        self._events = events
        self._behaviour = behaviour
        self._config_maps = config_maps
        self.nodes = nodes
        self._pulls: dict[str, tuple[int, datetime, datetime]] = {}
        """Per pod uid: failed pulls so far, when the back-off ends, the next pod sync."""

    def step(self, now: datetime) -> None:
        for pod in self._cluster.list("pods", self._namespace):
            self._step(pod, now, self._behaviour(pod))

    def _write(self, pod: JsonObj, change: Callable[[JsonObj], object]) -> JsonObj:
        meta = pod["metadata"]

        def apply(obj: JsonObj) -> None:
            change(obj)

        return self._cluster.mutate("pods", meta["namespace"], meta["name"], apply)

    def _step(self, pod: JsonObj, now: datetime, behaviour: PodBehaviour) -> None:
        meta, status = pod["metadata"], pod["status"]
        if "deletionTimestamp" in meta:
            asked = parse_time(meta["deletionTimestamp"]) - timedelta(seconds=TERMINATION_GRACE)
            if (now - asked).total_seconds() >= behaviour.terminate_after:
                self._cluster.delete("pods", meta["namespace"], meta["name"])
            return
        age = (now - parse_time(meta["creationTimestamp"])).total_seconds()
        if not status.get("containerStatuses"):
            if behaviour.unschedulable:
                self._unschedulable(pod, now)
            elif age >= behaviour.schedule_after:
                self._write(pod, lambda p: schedule(p, now, self.nodes))
            return
        first = status["containerStatuses"][0]
        state = first["state"]
        if "waiting" in state:
            self._waiting(pod, now, behaviour, state["waiting"]["reason"], first)
        elif "running" in state:
            self._running(pod, now, behaviour, parse_time(state["running"]["startedAt"]), first)

    def _unschedulable(self, pod: JsonObj, now: datetime) -> None:
        message = (
            f"0/{len(self.nodes)} nodes are available: {len(self.nodes)} Insufficient memory. "
            f"preemption: 0/{len(self.nodes)} nodes are available: {len(self.nodes)} "
            "No preemption victims found for incoming pod."
        )
        if not pod["status"].get("conditions"):
            cond = objects.condition(
                "PodScheduled", False, now, reason="Unschedulable", message=message
            )
            self._write(pod, lambda p: p["status"].update(conditions=[cond]))
        self._events.record(
            pod,
            reason="FailedScheduling",
            message=message,
            component="default-scheduler",
            series=True,
            every=60.0,
        )

    def _waiting(
        self, pod: JsonObj, now: datetime, behaviour: PodBehaviour, reason: str, cs: JsonObj
    ) -> None:
        scheduled = parse_time(pod["status"]["startTime"])
        if reason == "ContainerCreating":
            if (now - scheduled).total_seconds() >= behaviour.start_after:
                self._create_container(pod, now, behaviour, self._allocate_ip(pod))
            return
        if reason in ("ErrImagePull", "ImagePullBackOff"):
            self._pull_again(pod, now, behaviour)
            return
        if reason == "CreateContainerConfigError":
            self._create_container(pod, now, behaviour, pod["status"]["podIP"])
            return
        finished = parse_time(cs["lastState"]["terminated"]["finishedAt"])
        if (now - finished).total_seconds() >= crash_backoff(cs["restartCount"]):
            self._write(pod, lambda p: start(p, now, p["status"]["podIP"]))

    def _create_container(
        self, pod: JsonObj, now: datetime, behaviour: PodBehaviour, ip: str
    ) -> None:
        """Pull the image if needed, resolve the config, start; or wait on the first failure."""
        if behaviour.image_pull_error is not None:
            self._pull(pod, now, ip, behaviour.image_pull_error, failures=0)
            return
        missing = waits.missing_config_map(pod, self._config_maps(pod["metadata"]["namespace"]))
        if missing is None:
            self._write(pod, lambda p: start(p, now, ip))
            return
        message = f'configmap "{missing}" not found'
        if pod["status"]["containerStatuses"][0]["state"]["waiting"].get("message") != message:
            self._write(pod, lambda p: waits.config_error(p, ip, message))
        for cs in pod["status"]["containerStatuses"]:
            self._container_event(
                pod,
                cs,
                "Pulled",
                f'Container image "{cs["image"]}" already present on machine',
                type="Normal",
                every=waits.SYNC_PERIOD,
            )
            self._container_event(pod, cs, "Failed", f"Error: {message}", every=waits.SYNC_PERIOD)

    def _pull(self, pod: JsonObj, now: datetime, ip: str, error: str, *, failures: int) -> None:
        failures += 1
        backoff = timedelta(seconds=waits.pull_backoff(failures))
        self._pulls[pod["metadata"]["uid"]] = (failures, now + backoff, now)
        self._write(pod, lambda p: waits.image_pull_failed(p, ip, error))
        for cs in pod["status"]["containerStatuses"]:
            image = cs["image"]
            self._container_event(pod, cs, "Pulling", f'Pulling image "{image}"', type="Normal")
            self._container_event(pod, cs, "Failed", f'Failed to pull image "{image}": {error}')
            self._container_event(pod, cs, "Failed", "Error: ErrImagePull")

    def _pull_again(self, pod: JsonObj, now: datetime, behaviour: PodBehaviour) -> None:
        """A sync right after a failed pull shows the back-off; later syncs, every
        SYNC_PERIOD, either keep backing off or pull again once the back-off is over."""
        failures, retry_at, synced = self._pulls.get(pod["metadata"]["uid"], (1, now, now))
        waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
        if waiting == "ImagePullBackOff" and (now - synced).total_seconds() < waits.SYNC_PERIOD:
            return
        if waiting == "ImagePullBackOff" and now >= retry_at:
            error = behaviour.image_pull_error
            if error is None:
                self._write(pod, lambda p: start(p, now, p["status"]["podIP"]))
                return
            self._pull(pod, now, pod["status"]["podIP"], error, failures=failures)
            return
        self._pulls[pod["metadata"]["uid"]] = (failures, retry_at, now)
        if waiting == "ErrImagePull":
            self._write(pod, waits.image_pull_backing_off)
        for cs in pod["status"]["containerStatuses"]:
            image = cs["image"]
            self._container_event(
                pod, cs, "BackOff", f'Back-off pulling image "{image}"', type="Normal"
            )
            self._container_event(pod, cs, "Failed", "Error: ImagePullBackOff")

    def _container_event(
        self,
        pod: JsonObj,
        cs: JsonObj,
        reason: str,
        message: str,
        *,
        type: str = "Warning",
        every: float = 0.0,
    ) -> None:
        self._events.record(
            pod,
            reason=reason,
            message=message,
            type=type,
            host=pod["spec"].get("nodeName"),
            field_path=f"spec.containers{{{cs['name']}}}",
            every=every,
        )

    def _running(
        self,
        pod: JsonObj,
        now: datetime,
        behaviour: PodBehaviour,
        started: datetime,
        cs: JsonObj,
    ) -> None:
        running_for = (now - started).total_seconds()
        node = pod["spec"].get("nodeName")
        if behaviour.oom_after is not None and running_for >= behaviour.oom_after:
            self._write(pod, lambda p: oom_kill(p, now))
            self._events.record(
                pod,
                reason="BackOff",
                message=f"Back-off restarting failed container {cs['name']} in pod "
                f"{pod['metadata']['name']}_{pod['metadata']['namespace']}"
                f"({pod['metadata']['uid']})",
                host=node,
                field_path=f"spec.containers{{{cs['name']}}}",
            )
            return
        if cs["ready"]:
            return
        if behaviour.readiness_fails:
            probe = pod["spec"]["containers"][0].get("readinessProbe") or {}
            self._events.record(
                pod,
                reason="Unhealthy",
                message=f"Readiness probe failed: {behaviour.probe_failure}",
                host=node,
                field_path=f"spec.containers{{{cs['name']}}}",
                series=behaviour.event_series,
                every=float(probe.get("periodSeconds", 10)),
            )
        elif running_for >= behaviour.ready_after:
            self._write(pod, lambda p: become_ready(p, now))

    def _allocate_ip(self, pod: JsonObj) -> str:
        """From the cluster's pod network, so addresses stay unique across every control
        plane (scenario) sharing the cluster and are freed when the pod is gone."""
        meta = pod["metadata"]
        return self._cluster.pod_network.allocate(
            pod["spec"]["nodeName"], meta["namespace"], meta["name"]
        )
