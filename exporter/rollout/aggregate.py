"""A workload's Pods, folded incrementally into what its rollout families need.

A Pod change moves its own contribution (its blocked reason, its Ready time, its OOM
kills) in O(1), so re-deriving a Deployment after one of its Pods changed does not walk
all its Pods: that walk is what made large workloads expensive per event.
"""

from __future__ import annotations

from collections.abc import Collection

from exporter.rollout.pods import BLOCKED_REASONS, PodSummary

BLOCKED_INDEX = {reason: i for i, reason in enumerate(BLOCKED_REASONS)}


class WorkloadPods:
    """Per-revision blocked counts and Ready times, and the newest OOM kill per container."""

    __slots__ = ("_blocked", "_last_oom", "_last_oom_items", "_ready", "_with_kills", "summaries")

    def __init__(self) -> None:
        self.summaries: dict[str, PodSummary] = {}
        self._blocked: dict[str, list[int]] = {}
        self._ready: dict[str, dict[str, float]] = {}
        self._last_oom: dict[tuple[str, str], float] = {}
        self._last_oom_items: tuple[tuple[tuple[str, str], float], ...] | None = ()
        self._with_kills: set[str] = set()

    def __len__(self) -> int:
        return len(self.summaries)

    def put(self, key: str, summary: PodSummary | None) -> None:
        """Replace the Pod's contribution (None removes the Pod)."""
        old = self.summaries.pop(key, None)
        if old is not None:
            self._withdraw(key, old)
        if summary is not None:
            self.summaries[key] = summary
            self._add(key, summary)
        if (
            old is not None
            and old.oom_kills
            and (summary is None or summary.oom_kills != old.oom_kills)
        ):
            self._recompute_kills()

    def _add(self, key: str, pod: PodSummary) -> None:
        if pod.ready_since is not None:
            self._ready.setdefault(pod.revision, {})[key] = pod.ready_since
        elif pod.blocked is not None:
            counts = self._blocked.setdefault(pod.revision, [0] * len(BLOCKED_REASONS))
            counts[BLOCKED_INDEX[pod.blocked]] += 1
        if pod.oom_kills:
            self._with_kills.add(key)
            for kill in pod.oom_kills:
                series = (pod.revision, kill.container)
                if kill.finished_at > self._last_oom.get(series, 0.0):
                    self._last_oom[series] = kill.finished_at
                    self._last_oom_items = None

    def _withdraw(self, key: str, pod: PodSummary) -> None:
        if pod.ready_since is not None:
            ready = self._ready.get(pod.revision)
            if ready is not None:
                ready.pop(key, None)
        elif pod.blocked is not None:
            self._blocked[pod.revision][BLOCKED_INDEX[pod.blocked]] -= 1
        self._with_kills.discard(key)

    def _recompute_kills(self) -> None:
        """A Pod holding a newest kill went away or changed: fold the others again."""
        self._last_oom.clear()
        self._last_oom_items = None
        for key in self._with_kills:
            pod = self.summaries[key]
            for kill in pod.oom_kills:
                series = (pod.revision, kill.container)
                if kill.finished_at > self._last_oom.get(series, 0.0):
                    self._last_oom[series] = kill.finished_at

    def blocked(self, revision: str, *, failed_create: int = 0) -> tuple[int, ...]:
        counts = self._blocked.get(revision)
        if counts is None:
            counts = [0] * len(BLOCKED_REASONS)
        if not failed_create:
            return tuple(counts)
        counts = list(counts)
        counts[BLOCKED_INDEX["FailedCreate"]] += failed_create
        return tuple(counts)

    def ready_times(self, revision: str) -> Collection[float]:
        """Ready-since times of the revision's Ready Pods (a live view: do not keep it)."""
        ready = self._ready.get(revision)
        return ready.values() if ready is not None else ()

    def last_oom(self) -> tuple[tuple[tuple[str, str], float], ...]:
        """((revision, container), newest finishedAt) pairs, sorted; cached until a change."""
        if self._last_oom_items is None:
            self._last_oom_items = tuple(sorted(self._last_oom.items()))
        return self._last_oom_items

    def revisions(self) -> set[str]:
        return {pod.revision for pod in self.summaries.values()}
