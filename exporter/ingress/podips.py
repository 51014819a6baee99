"""Which Pod had an IP at a given moment, and in which state it was.

Pod IPs are reused: an address in a log line means the Pod that held it *when the request
was made*. Each IP keeps a short, time-ordered history of tenures (one Pod each) built from
the Pod watch; a deleted Pod's tenure stays for `retention` seconds so late or replayed log
lines still find it. States at a time come from Pod fields where they exist (Ready
condition transition times, deletionTimestamp minus grace period, startTime), so a restarted
exporter answers the same for recent history.
"""

from __future__ import annotations

import bisect
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from exporter.index.cluster import ClusterIndex, WorkloadRef
from exporter.model.pod import Pod
from exporter.rollout.timeutil import parse_timestamp

PodState = Literal["ready", "warming", "not_ready", "terminating", "gone", "unknown"]
POD_STATES: tuple[PodState, ...] = (
    "ready",
    "warming",
    "not_ready",
    "terminating",
    "gone",
    "unknown",
)

_MAX_TENURES_PER_IP = 4


@dataclass(slots=True)
class Tenure:
    """One Pod's hold on one IP, with the Ready transitions seen while it held it."""

    pod_key: str
    pod_uid: str
    assigned_at: float
    workload: WorkloadRef | None
    transitions: list[tuple[float, bool]] = field(default_factory=list)
    """(time, ready) in time order: when the Pod became Ready or stopped being Ready."""
    terminating_since: float | None = None
    gone_at: float | None = None
    workload_key: tuple[str, str, str] | None = None
    """(kind, namespace, name), precomputed for the per-line hot path."""
    revision: str = ""

    def __post_init__(self) -> None:
        self.set_workload(self.workload)

    def set_workload(self, workload: WorkloadRef | None) -> None:
        self.workload = workload
        if workload is not None:
            self.workload_key = (workload.kind, workload.namespace, workload.name)
            self.revision = workload.revision

    def state_at(self, at: float, warm_seconds: float) -> PodState:
        if self.gone_at is not None and at >= self.gone_at:
            return "gone"
        if self.terminating_since is not None and at >= self.terminating_since:
            return "terminating"
        index = bisect.bisect_right(self.transitions, (at, True))
        if index == 0:
            return "not_ready"
        since, ready = self.transitions[index - 1]
        if not ready:
            return "not_ready"
        return "warming" if at - since < warm_seconds else "ready"

    def record_ready(self, since: float, ready: bool) -> None:
        if self.transitions and self.transitions[-1] == (since, ready):
            return
        if self.transitions and since < self.transitions[-1][0]:
            # An older transition reported late: keep the list ordered.
            bisect.insort(self.transitions, (since, ready))
        else:
            self.transitions.append((since, ready))
        del self.transitions[:-8]


@dataclass(frozen=True, slots=True)
class Resolved:
    tenure: Tenure | None
    state: PodState


UNKNOWN = Resolved(None, "unknown")


class PodIPTimeline:
    """Subscribe before the reflectors start; then `resolve(ip, at)` from any log line."""

    def __init__(
        self,
        index: ClusterIndex,
        *,
        warm_seconds: float = 10.0,
        retention: float = 900.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._index = index
        self.warm_seconds = warm_seconds
        self._retention = retention
        self._clock = clock
        self._by_ip: dict[str, list[Tenure]] = {}
        self._current: dict[str, list[tuple[str, Tenure]]] = {}
        """Pod key → its live (ip, tenure) pairs."""
        self._gone: deque[tuple[float, str, Tenure]] = deque()
        index.pods.subscribe(self)

    def __len__(self) -> int:
        return sum(len(tenures) for tenures in self._by_ip.values())

    def on_change(self, old: Pod | None, new: Pod | None) -> None:
        if new is None:
            assert old is not None
            self._retire(old.metadata.key)
            return
        if new.spec.host_network:
            return  # shares the node's IP with every other host-network Pod
        key = new.metadata.key
        ips = [ip.ip for ip in new.status.pod_ips] or (
            [new.status.pod_ip] if new.status.pod_ip else []
        )
        current = self._current.get(key, [])
        held = {ip: tenure for ip, tenure in current}
        if set(held) != set(ips):
            for ip, tenure in current:
                if ip not in ips:
                    self._end(ip, tenure, self._clock())
            current = [(ip, held.get(ip) or self._begin(ip, new)) for ip in ips]
            if current:
                self._current[key] = current
            else:
                self._current.pop(key, None)
        for _, tenure in current:
            self._update(tenure, new)

    def _begin(self, ip: str, pod: Pod) -> Tenure:
        status = pod.status
        assigned = (
            parse_timestamp(status.start_time)
            or parse_timestamp(pod.metadata.creation_timestamp)
            or self._clock()
        )
        tenure = Tenure(pod.metadata.key, pod.metadata.uid, assigned, self._index.pod_workload(pod))
        tenures = self._by_ip.setdefault(ip, [])
        tenures.append(tenure)
        tenures.sort(key=lambda t: t.assigned_at)
        del tenures[:-_MAX_TENURES_PER_IP]
        return tenure

    def _update(self, tenure: Tenure, pod: Pod) -> None:
        if tenure.workload is None:
            tenure.set_workload(self._index.pod_workload(pod))
        for condition in pod.status.conditions:
            if condition.type == "Ready":
                since = parse_timestamp(condition.last_transition_time)
                if since is not None:
                    tenure.record_ready(since, condition.status == "True")
        deletion = parse_timestamp(pod.metadata.deletion_timestamp)
        if deletion is not None and tenure.terminating_since is None:
            grace = pod.metadata.deletion_grace_period_seconds or 0
            tenure.terminating_since = deletion - grace

    def _retire(self, key: str) -> None:
        now = self._clock()
        for ip, tenure in self._current.pop(key, []):
            self._end(ip, tenure, now)
        self._expire(now)

    def _end(self, ip: str, tenure: Tenure, at: float) -> None:
        tenure.gone_at = at
        self._gone.append((at, ip, tenure))

    def _expire(self, now: float) -> None:
        """Forget deleted Pods' tenures after `retention`: memory follows live Pods."""
        while self._gone and self._gone[0][0] < now - self._retention:
            _, ip, tenure = self._gone.popleft()
            tenures = self._by_ip.get(ip)
            if tenures is not None and tenure in tenures:
                tenures.remove(tenure)
                if not tenures:
                    del self._by_ip[ip]

    def tenure_at(self, ip: str, at: float) -> Tenure | None:
        """The tenure of the Pod that held `ip` at `at`, if any (the per-line hot path)."""
        tenures = self._by_ip.get(ip)
        if not tenures:
            return None
        for tenure in reversed(tenures):
            if tenure.assigned_at <= at:
                return tenure
        return None

    def state_at(self, tenure: Tenure | None, at: float) -> PodState:
        return "unknown" if tenure is None else tenure.state_at(at, self.warm_seconds)

    def resolve(self, ip: str, at: float) -> Resolved:
        """The Pod that held `ip` at `at` and its state then; `unknown` if none did."""
        tenures = self._by_ip.get(ip)
        if not tenures:
            return UNKNOWN
        chosen = None
        for tenure in reversed(tenures):
            if tenure.assigned_at <= at:
                chosen = tenure
                break
        if chosen is None:
            return UNKNOWN
        return Resolved(chosen, chosen.state_at(at, self.warm_seconds))
