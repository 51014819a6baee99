"""Derives the rollout families from the index and keeps their exposition cached.

Store notifications only mark workloads and Services dirty (O(1), plus O(Services in the
namespace) when a Pod's labels change); `flush()` re-derives each dirty entity once and
replaces its cached sample lines. The app schedules a flush soon after changes, and a
scrape flushes whatever is still pending, so a burst of events costs one derivation.

Counters (probe failures, OOM kills, rollout durations) count what happens after the
exporter's first full list: what is already visible then is the baseline, so a restart
never replays history as new increments. Everything else is a function of object fields.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from exporter.index.cluster import ClusterIndex
from exporter.metrics.family import FamilySpec, MetricFamily
from exporter.model.event import Event
from exporter.model.pod import Pod, PodTemplateSpec
from exporter.model.service import SERVICE_NAME_LABEL, EndpointSlice, Service
from exporter.model.workloads import ReplicaSet
from exporter.rollout import families as f
from exporter.rollout.aggregate import WorkloadPods
from exporter.rollout.lifecycle import lifecycle_risks, resolve_max_unavailable
from exporter.rollout.pods import BLOCKED_REASONS, PodSummary, summarize
from exporter.rollout.probes import classify, event_count
from exporter.rollout.relations import GroupIndex
from exporter.rollout.render import HistogramState, labels, line, render_counters
from exporter.rollout.services import count_endpoints, selector_matches, selects_pods
from exporter.rollout.status import (
    CHANGE_CAUSE_ANNOTATION,
    REVISION_ANNOTATION,
    RolloutStatus,
    daemonset_status,
    deployment_status,
    new_replicaset,
    previous_replicaset,
    statefulset_status,
)
from exporter.rollout.timeutil import parse_timestamp

log = logging.getLogger(__name__)

_UNSET = object()
_NO_SUMMARY = PodSummary("", None, None, (), False)

WorkloadKey = tuple[str, str, str]
"""(kind, namespace, name)."""


@dataclass
class _Rollout:
    """What we remember of a workload's current rollout, for the duration histogram."""

    revision: str
    started_at: float | None
    finished: bool
    """Observed in the histogram already (or was over before we started)."""
    phase: str


_WINDOWS_KEPT = 4
"""Recent rollout windows per workload, for log lines that arrive late or are replayed."""


@dataclass
class _Context:
    """What the last full derivation of a Deployment found that Pod changes cannot alter,
    so a Pod-only change re-derives just the Pod-dependent families."""

    status: RolloutStatus
    started_at: float | None
    desired: int
    failed_create: int
    pod_groups: tuple[str, ...]
    """UIDs of the ReplicaSets whose Pods belong to the workload."""

    @property
    def pods_only(self) -> bool:
        # A rollback's start is read from its Pods: then every change needs a full pass.
        return not self.status.reused_revision


class _PodState(NamedTuple):
    """The Pod-dependent values last rendered for a workload, to re-render only changes."""

    revision: str
    in_progress: bool
    started: float | None
    stalled: bool
    blocked: tuple[int, ...] | None
    last_oom: tuple[tuple[tuple[str, str], float], ...]


class _Listener:
    def __init__(self, callback: Callable[[Any, Any], None]) -> None:
        self.on_change = callback


def _controller_uid(obj: Pod | ReplicaSet) -> str | None:
    ref = obj.metadata.controller_ref()
    return ref.uid if ref is not None else None


def _slice_service(endpoint_slice: EndpointSlice) -> str | None:
    name = endpoint_slice.metadata.labels.get(SERVICE_NAME_LABEL)
    return f"{endpoint_slice.metadata.namespace}/{name}" if name else None


def _namespace(obj: Any) -> str:
    namespace: str = obj.metadata.namespace
    return namespace


class RolloutTracker:
    """Owns the rollout families; subscribe it to an index before the reflectors start."""

    def __init__(
        self,
        index: ClusterIndex,
        *,
        clock: Callable[[], float] = time.time,
        stall_after: float = 300.0,
    ) -> None:
        self._index = index
        self._clock = clock
        self.stall_after = stall_after
        self.families = {spec.name: MetricFamily(spec) for spec in f.ALL_FAMILIES}
        # Fed by _on_pod, and only when a Pod appears, goes or changes owner: a status
        # update (nearly every Pod event) cannot move a Pod between these groups.
        self._pods_by_owner = GroupIndex(index.pods, _controller_uid, subscribe=False)
        self._pods_by_namespace = GroupIndex(index.pods, _namespace, subscribe=False)
        self._replicasets_by_owner = GroupIndex(index.replicasets, _controller_uid)
        self._slices_by_service = GroupIndex(index.endpointslices, _slice_service)
        self._services_by_namespace = GroupIndex(index.services, _namespace)
        self._events_by_object = GroupIndex(index.events, lambda e: e.involved_object.uid or None)
        self._workloads_by_namespace: dict[str, GroupIndex[Any]] = {
            "Deployment": GroupIndex(index.deployments, _namespace),
            "StatefulSet": GroupIndex(index.statefulsets, _namespace),
            "DaemonSet": GroupIndex(index.daemonsets, _namespace),
        }
        index.pods.subscribe(_Listener(self._on_pod))
        index.replicasets.subscribe(_Listener(self._on_replicaset))
        index.deployments.subscribe(_Listener(self._on_workload("Deployment")))
        index.statefulsets.subscribe(_Listener(self._on_workload("StatefulSet")))
        index.daemonsets.subscribe(_Listener(self._on_workload("DaemonSet")))
        index.services.subscribe(_Listener(self._on_service))
        index.endpointslices.subscribe(_Listener(self._on_endpointslice))
        index.events.subscribe(_Listener(self._on_event))
        self._dirty_workloads: dict[WorkloadKey, bool] = {}
        """Workloads to re-derive; False when only their Pods changed (a partial pass)."""
        self._contexts: dict[WorkloadKey, _Context] = {}
        self._dirty_services: set[str] = set()
        self._synced = False
        self._rollouts: dict[WorkloadKey, _Rollout] = {}
        self._windows: dict[WorkloadKey, deque[tuple[float | None, float | None]]] = {}
        self._durations: dict[WorkloadKey, dict[str, HistogramState]] = {}
        self._probe_totals: dict[WorkloadKey, dict[tuple[str, str, str], float]] = {}
        self._event_counts: dict[str, int] = {}
        self._oom_totals: dict[WorkloadKey, dict[tuple[str, str], float]] = {}
        self._oom_seen: dict[str, set[tuple[str, str, float]]] = {}
        self._selector_counts: dict[str, int] = {}
        self._pod_summaries: dict[str, PodSummary] = {}
        self._workload_pods: dict[WorkloadKey, WorkloadPods] = {}
        self._pod_home: dict[str, WorkloadKey] = {}
        """Which workload's aggregate each Pod's contribution sits in."""
        self._emitted: dict[tuple[str, object], object] = {}
        self._pod_states: dict[WorkloadKey, _PodState] = {}
        self._bases: dict[WorkloadKey, str] = {}
        self._blocked_prefixes: dict[WorkloadKey, tuple[str, tuple[str, ...]]] = {}
        self._empty_seen_at: dict[str, float] = {}
        self.on_dirty: Callable[[], None] | None = None
        """Called when the first entity becomes dirty; the app schedules a flush."""
        self.unattributed_events: Counter[str] = Counter()
        self.pods_without_owner: set[str] = set()
        self.slices_without_service: set[str] = set()

    # --- lifecycle -----------------------------------------------------------------

    @property
    def synced(self) -> bool:
        return self._synced

    def mark_synced(self) -> None:
        """Every kind listed once: from now on, increments count."""
        if self._synced:
            return
        for event in self._index.events:
            # Baseline Events seen before their Pods: give their series a 0 to start from.
            self._record_probe_event(event, increment=0)
        self._synced = True
        self._dirty_workloads.update(dict.fromkeys(self._rollouts, True))

    def rollout_active(self, key: WorkloadKey, at: float) -> bool:
        """Whether a rollout of the workload was in progress at `at` (Unix seconds)."""
        for start, end in self._windows.get(key, ()):
            if (start is None or start <= at) and (end is None or at <= end):
                return True
        return False

    def current_revision(self, key: WorkloadKey) -> str | None:
        memory = self._rollouts.get(key)
        return memory.revision if memory is not None else None

    def tick(self) -> None:
        """Re-derive in-progress workloads: stall detection depends on the clock."""
        for key, rollout in self._rollouts.items():
            if rollout.phase in ("progressing", "failed"):
                self._mark(key)

    # --- change notifications ------------------------------------------------------

    def _mark(self, key: WorkloadKey | None, *, full: bool = True) -> None:
        if key is None:
            return
        if not self._dirty_workloads and not self._dirty_services and self.on_dirty:
            self.on_dirty()
        self._dirty_workloads[key] = full or self._dirty_workloads.get(key, False)

    def _mark_service(self, key: str) -> None:
        if not self._dirty_workloads and not self._dirty_services and self.on_dirty:
            self.on_dirty()
        self._dirty_services.add(key)

    def _workload_key(self, pod: Pod) -> WorkloadKey | None:
        ref = self._index.pod_workload(pod)
        return (ref.kind, ref.namespace, ref.name) if ref else None

    def _on_pod(self, old: Pod | None, new: Pod | None) -> None:
        if old is not None and new is not None and self._on_pod_status(old, new):
            return
        self._on_pod_change(old, new)

    def _on_pod_status(self, old: Pod, new: Pod) -> bool:
        """The hot path: a Pod whose owner and labels stay put (nearly every Pod event).

        Returns False when the general path must run instead.
        """
        meta = new.metadata
        key = meta.key
        workload = self._pod_home.get(key)
        if (
            workload is None
            or old.metadata.labels != meta.labels
            or old.metadata.owner_references != meta.owner_references
        ):
            return False
        summary = summarize(new)
        previous = self._pod_summaries.get(key)
        if summary == previous:
            return True
        self._pod_summaries[key] = summary
        aggregate = self._workload_pods.get(workload)
        if aggregate is not None:
            aggregate.put(key, summary)
        self._mark(workload, full=False)
        if summary.oom_kills and (previous is None or previous.oom_kills != summary.oom_kills):
            self._count_oom_kills(key, summary.revision, workload)
        return True

    def _on_pod_change(self, old: Pod | None, new: Pod | None) -> None:
        """A Pod appears, goes, changes owner or labels: move it between groups."""
        current = new or old
        assert current is not None
        key = current.metadata.key
        old_labels = old.metadata.labels if old is not None else None
        new_labels = new.metadata.labels if new is not None else None
        if (
            old is None
            or new is None
            or (
                old.metadata.owner_references is not new.metadata.owner_references
                and old.metadata.owner_references != new.metadata.owner_references
            )
        ):
            self._pods_by_owner.on_change(old, new)
            self._pods_by_namespace.on_change(old, new)
        new_kills = False
        if new is None:
            self._pod_summaries.pop(key, None)
            self._oom_seen.pop(key, None)
            self.pods_without_owner.discard(key)
        else:
            summary = summarize(new)
            previous = self._pod_summaries.get(key)
            unchanged = previous == summary and old_labels == new_labels
            self._pod_summaries[key] = summary
            new_kills = bool(summary.oom_kills) and (
                previous is None or previous.oom_kills != summary.oom_kills
            )
            if (
                unchanged
                and old is not None
                and old.metadata.owner_references == (new.metadata.owner_references)
            ):
                return
            if new.metadata.controller_ref() is None:
                self.pods_without_owner.add(key)
            else:
                self.pods_without_owner.discard(key)
        ref = self._index.pod_workload(current) if new is not None else None
        workload = (ref.kind, ref.namespace, ref.name) if ref else None
        home = self._pod_home.pop(key, None)
        if home is not None and home != workload:
            aggregate = self._workload_pods.get(home)
            if aggregate is not None:
                aggregate.put(key, None)
            self._mark(home, full=False)
        if workload is not None:
            self._pod_home[key] = workload
            aggregate = self._workload_pods.get(workload)
            if aggregate is not None:
                aggregate.put(key, self._pod_summaries[key])
            self._mark(workload, full=False)
            if new_kills and ref is not None:
                self._count_oom_kills(key, ref.revision, workload)
        if old_labels != new_labels:
            self._recount_selectors(current.metadata.namespace, old_labels, new_labels)

    def _count_oom_kills(self, key: str, revision: str, workload: WorkloadKey) -> None:
        kills = self._pod_summaries[key].oom_kills
        if not kills:
            return
        seen = self._oom_seen.setdefault(key, set())
        totals = self._oom_totals.setdefault(workload, {})
        for kill in kills:
            identity = (kill.container, kill.container_id, kill.finished_at)
            series = (revision, kill.container)
            totals.setdefault(series, 0.0)
            if identity in seen:
                continue
            seen.add(identity)
            if self._synced:
                totals[series] += 1

    def _recount_selectors(
        self, namespace: str, old: dict[str, str] | None, new: dict[str, str] | None
    ) -> None:
        for service in self._services_by_namespace.members(namespace):
            selector = service.spec.selector
            if not selects_pods(service) or selector is None:
                continue
            delta = (new is not None and selector_matches(selector, new)) - (
                old is not None and selector_matches(selector, old)
            )
            if delta:
                key = service.metadata.key
                self._selector_counts[key] = self._selector_counts.get(key, 0) + delta
                self._mark_service(key)

    def _on_replicaset(self, old: ReplicaSet | None, new: ReplicaSet | None) -> None:
        for replicaset in (old, new):
            if replicaset is None:
                continue
            ref = replicaset.metadata.controller_ref()
            if ref is not None and ref.kind == "Deployment":
                self._mark(("Deployment", replicaset.metadata.namespace, ref.name))

    def _on_workload(self, kind: str) -> Callable[[Any, Any], None]:
        def on_change(old: Any, new: Any) -> None:
            current = new or old
            self._mark((kind, current.metadata.namespace, current.metadata.name))
            if old is None or new is None:
                self._mark_services_in(current.metadata.namespace)

        return on_change

    def _mark_services_in(self, namespace: str) -> None:
        for key in self._services_by_namespace.keys(namespace):
            self._mark_service(key)

    def _mark_workloads_in(self, namespace: str) -> None:
        for kind, group in self._workloads_by_namespace.items():
            for key in group.keys(namespace):
                self._mark((kind, namespace, key.split("/", 1)[1]))

    def _on_service(self, old: Service | None, new: Service | None) -> None:
        current = new or old
        assert current is not None
        key = current.metadata.key
        if new is None:
            self._selector_counts.pop(key, None)
        elif old is None or old.spec.selector != new.spec.selector:
            selector = new.spec.selector
            self._selector_counts[key] = (
                sum(
                    1
                    for pod in self._pods_by_namespace.members(new.metadata.namespace)
                    if selector_matches(selector, pod.metadata.labels)
                )
                if selects_pods(new) and selector is not None
                else 0
            )
        self._mark_service(key)
        self._mark_workloads_in(current.metadata.namespace)

    def _on_endpointslice(self, old: EndpointSlice | None, new: EndpointSlice | None) -> None:
        for endpoint_slice in (old, new):
            if endpoint_slice is not None and (service := _slice_service(endpoint_slice)):
                self._mark_service(service)
        if new is not None and _slice_service(new) is None:
            self.slices_without_service.add(new.metadata.key)
        elif old is not None:
            self.slices_without_service.discard(old.metadata.key)

    def _on_event(self, old: Event | None, new: Event | None) -> None:
        if new is None:
            if old is not None:
                self._event_counts.pop(old.metadata.uid or old.metadata.key, None)
            return
        if new.reason == "Unhealthy":
            uid = new.metadata.uid or new.metadata.key
            count = event_count(new)
            previous = self._event_counts.get(uid)
            self._event_counts[uid] = max(count, previous or 0)
            if not self._synced:
                increment = 0
            elif previous is None:
                increment = count
            else:
                increment = max(0, count - previous)
            self._record_probe_event(new, increment=increment)
        elif new.reason == "FailedCreate" and new.involved_object.kind == "ReplicaSet":
            replicaset = self._index.replicasets.by_uid(new.involved_object.uid)
            if replicaset is not None:
                self._on_replicaset(None, replicaset)

    def _record_probe_event(self, event: Event, *, increment: int) -> None:
        involved = event.involved_object
        if event.reason != "Unhealthy" or involved.kind != "Pod":
            return
        pod = self._index.pods.get(f"{involved.namespace}/{involved.name}")
        if pod is not None and involved.uid and pod.metadata.uid != involved.uid:
            pod = None
        ref = self._index.pod_workload(pod) if pod is not None else None
        failure = classify(event, pod)
        if ref is None or failure is None:
            if increment:
                self.unattributed_events["pod_unknown" if ref is None else "unrecognised"] += 1
            return
        workload = (ref.kind, ref.namespace, ref.name)
        totals = self._probe_totals.setdefault(workload, {})
        series = (ref.revision, failure.probe, failure.failure)
        totals[series] = totals.get(series, 0.0) + increment
        self._mark(workload)

    # --- derivation ----------------------------------------------------------------

    def flush(self) -> None:
        """Re-derive everything marked dirty; cheap when nothing is."""
        while self._dirty_services or self._dirty_workloads:
            services, self._dirty_services = self._dirty_services, set()
            for service_key in services:
                self._render_service(service_key)
            workloads, self._dirty_workloads = self._dirty_workloads, {}
            for workload, full in workloads.items():
                context = None if full else self._contexts.get(workload)
                if context is not None and context.pods_only:
                    self._render_pod_state(workload, context)
                else:
                    self._render_workload(workload)

    def _discard(self, key: object, specs: Iterable[Any]) -> None:
        for spec in specs:
            self.families[spec.name].discard(key)

    def _aggregate(self, workload: WorkloadKey, pods: Iterable[Pod]) -> WorkloadPods:
        """Fold the workload's Pods afresh (a full pass) and home them there."""
        aggregate = WorkloadPods()
        for pod in pods:
            key = pod.metadata.key
            summary = self._pod_summaries.get(key)
            if summary is not None:
                aggregate.put(key, summary)
                self._pod_home[key] = workload
        self._workload_pods[workload] = aggregate
        return aggregate

    def _emit(
        self, spec: FamilySpec, key: WorkloadKey | str, inputs: object, render: Callable[[], str]
    ) -> None:
        """Re-render one family's lines for `key` only when their inputs changed:
        formatting is the costly part of a derivation, comparing tuples is not."""
        memo = (spec.name, key)
        if self._emitted.get(memo, _UNSET) == inputs:
            return
        self._emitted[memo] = inputs
        self.families[spec.name].set(key, render().encode())

    def _render_workload(self, key: WorkloadKey) -> None:
        kind, namespace, name = key
        store_key = f"{namespace}/{name}"
        template: PodTemplateSpec | None
        replicas: int | None = None
        max_unavailable: int | None = None
        failed_create = 0
        if kind == "Deployment":
            deployment = self._index.deployments.get(store_key)
            if deployment is None:
                return self._forget(key)
            replicasets = self._replicasets_by_owner.members(deployment.metadata.uid)
            new = new_replicaset(deployment, replicasets)
            new_pod_objects = self._pods_by_owner.members(new.metadata.uid) if new else []
            status = deployment_status(deployment, replicasets, new_pod_objects)
            pods = self._aggregate(
                key, (p for rs in replicasets for p in self._pods_by_owner.members(rs.metadata.uid))
            )
            template = deployment.spec.template
            replicas = deployment.spec.replicas if deployment.spec.replicas is not None else 1
            max_unavailable = resolve_max_unavailable(deployment.spec.strategy, replicas)
            desired = replicas
            failed_create = self._failed_create(new, len(new_pod_objects), status)
            revisions = self._deployment_revisions(new, previous_replicaset(replicasets, new))
        elif kind == "StatefulSet":
            statefulset = self._index.statefulsets.get(store_key)
            if statefulset is None:
                return self._forget(key)
            pod_objects = self._pods_by_owner.members(statefulset.metadata.uid)
            status = statefulset_status(statefulset, pod_objects)
            pods = self._aggregate(key, pod_objects)
            template = statefulset.spec.template
            replicas = statefulset.spec.replicas if statefulset.spec.replicas is not None else 1
            desired = replicas
            revisions = self._pod_revisions(
                template, status.revision, statefulset.status.current_revision, pod_objects
            )
        else:
            daemonset = self._index.daemonsets.get(store_key)
            if daemonset is None:
                return self._forget(key)
            pod_objects = self._pods_by_owner.members(daemonset.metadata.uid)
            memory = self._rollouts.get(key)
            status = daemonset_status(
                daemonset,
                pod_objects,
                was_progressing=memory is not None and memory.phase == "progressing",
            )
            pods = self._aggregate(key, pod_objects)
            template = daemonset.spec.template
            desired = daemonset.status.desired_number_scheduled
            older = sorted(pods.revisions() - {status.revision})
            revisions = self._pod_revisions(
                template, status.revision, older[0] if older else "", pod_objects
            )
        started_at = self._remember(key, status)
        if kind == "Deployment":
            self._contexts[key] = _Context(
                status,
                started_at,
                desired,
                failed_create,
                tuple(rs.metadata.uid for rs in replicasets),
            )
        base = self._base_labels(key)
        self._emit(f.PAUSED, key, status.paused, lambda: line(f.PAUSED.name, base, status.paused))
        self._emit_pod_state(key, base, status, started_at, desired, failed_create, pods)
        durations = self._durations.get(key, {})
        self._emit(
            f.DURATION,
            key,
            tuple((o, h.count) for o, h in sorted(durations.items())),
            lambda: self._durations_text(key, base),
        )
        probes = self._probe_totals.get(key, {})
        self._emit(
            f.PROBE_FAILURES,
            key,
            tuple(sorted(probes.items())),
            lambda: render_counters(
                f.PROBE_FAILURES.sample_name, base, ("revision", "probe", "failure"), probes
            ),
        )
        ooms = self._oom_totals.get(key, {})
        self._emit(
            f.OOM_KILLS,
            key,
            tuple(sorted(ooms.items())),
            lambda: render_counters(f.OOM_KILLS.sample_name, base, ("revision", "container"), ooms),
        )
        self._emit(
            f.REVISION_INFO, key, tuple(revisions), lambda: self._revisions_text(base, revisions)
        )
        risks = tuple(
            lifecycle_risks(template, replicas=replicas, max_unavailable=max_unavailable)
            if template is not None and self._selected_by_service(namespace, template)
            else ()
        )
        self._emit(
            f.LIFECYCLE_RISK,
            key,
            risks,
            lambda: "".join(line(f.LIFECYCLE_RISK.name, base, 1, (("risk", r),)) for r in risks),
        )
        return None

    def _render_pod_state(self, key: WorkloadKey, context: _Context) -> None:
        """A Deployment whose Pods alone changed: only Pod-dependent families move."""
        pods = self._workload_pods.get(key)
        if pods is None:
            return self._render_workload(key)
        self._emit_pod_state(
            key,
            self._base_labels(key),
            context.status,
            context.started_at,
            context.desired,
            context.failed_create,
            pods,
        )
        return None

    def _emit_pod_state(
        self,
        key: WorkloadKey,
        base: str,
        status: RolloutStatus,
        started_at: float | None,
        desired: int,
        failed_create: int,
        pods: WorkloadPods,
    ) -> None:
        """The Pod-dependent families, from the workload's incremental Pod aggregate."""
        revision = status.revision
        in_progress = status.in_progress
        ready_times = pods.ready_times(revision)
        stalled = in_progress and self._stalled(status, started_at, ready_times, desired)
        shown_start = started_at if status.phase in ("progressing", "failed") else None
        blocked_counts = (
            pods.blocked(revision, failed_create=failed_create) if in_progress else None
        )
        oom_items = pods.last_oom()
        state = _PodState(revision, in_progress, shown_start, stalled, blocked_counts, oom_items)
        before = self._pod_states.get(key)
        if before == state:
            return
        self._pod_states[key] = state
        same_revision = before is not None and before.revision == revision
        labels_ = (("revision", revision),)
        families = self.families
        if before is None or before.in_progress != in_progress:
            families[f.IN_PROGRESS.name].set(
                key, line(f.IN_PROGRESS.name, base, in_progress).encode()
            )
        if not same_revision or before is None or before.started != shown_start:
            families[f.STARTED.name].set(
                key,
                b""
                if shown_start is None
                else line(f.STARTED.name, base, shown_start, labels_).encode(),
            )
        if not same_revision or before is None or before.stalled != stalled:
            families[f.STALLED.name].set(key, line(f.STALLED.name, base, stalled, labels_).encode())
        if not same_revision or before is None or before.blocked != blocked_counts:
            families[f.BLOCKED.name].set(
                key, self._blocked_text(key, base, revision, blocked_counts).encode()
            )
        if before is None or before.last_oom != oom_items:
            families[f.LAST_OOM.name].set(
                key,
                render_counters(
                    f.LAST_OOM.name, base, ("revision", "container"), dict(oom_items)
                ).encode(),
            )

    def _base_labels(self, key: WorkloadKey) -> str:
        base = self._bases.get(key)
        if base is None:
            kind, namespace, name = key
            base = labels(("namespace", namespace), ("workload_kind", kind), ("workload", name))
            self._bases[key] = base
        return base

    def _forget(self, key: WorkloadKey) -> None:
        """A deleted workload's series disappear, counters included."""
        self._discard(key, f.WORKLOAD_FAMILIES)
        for spec in f.WORKLOAD_FAMILIES:
            self._emitted.pop((spec.name, key), None)
        self._pod_states.pop(key, None)
        self._bases.pop(key, None)
        self._contexts.pop(key, None)
        self._workload_pods.pop(key, None)
        self._blocked_prefixes.pop(key, None)
        self._rollouts.pop(key, None)
        self._windows.pop(key, None)
        self._durations.pop(key, None)
        self._probe_totals.pop(key, None)
        self._oom_totals.pop(key, None)

    def _remember(self, key: WorkloadKey, status: RolloutStatus) -> float | None:
        """Track the rollout for the histogram; returns its start time.

        The start comes from object fields when they tell it; otherwise from when this
        process first saw the rollout (only while no Pod of the new revision exists yet).
        A rollout is observed once, at its first end; one that had already ended when
        the exporter started (the baseline) is never observed.
        """
        now = self._clock()
        memory = self._rollouts.get(key)
        started_at = status.started_at
        if memory is None or memory.revision != status.revision:
            interrupted = (
                memory is not None
                and not memory.finished
                and memory.phase in ("progressing", "failed")
                and bool(status.revision)
            )
            if memory is not None and interrupted and self._synced:
                outcome = "rolled_back" if status.reused_revision else "superseded"
                end = started_at if started_at is not None else now
                self._observe(key, outcome, end - (memory.started_at or end))
            terminal = status.phase in ("complete", "failed")
            memory = _Rollout(
                status.revision,
                started_at if started_at is not None else now,
                finished=status.phase == "idle" or (terminal and not self._synced),
                phase=status.phase,
            )
            self._rollouts[key] = memory
            if status.phase != "idle":
                windows = self._windows.setdefault(key, deque(maxlen=_WINDOWS_KEPT))
                if windows and windows[-1][1] is None:
                    windows[-1] = (windows[-1][0], memory.started_at)
                windows.append((memory.started_at, None))
        elif started_at is not None:
            memory.started_at = started_at
            open_window = self._windows.get(key)
            if open_window and open_window[-1][1] is None:
                open_window[-1] = (started_at, None)
        if status.phase == "complete":
            closing = self._windows.get(key)
            if closing and closing[-1][1] is None:
                closing[-1] = (closing[-1][0], status.ended_at or now)
        if status.phase in ("complete", "failed") and not memory.finished:
            memory.finished = True
            outcome = "completed" if status.phase == "complete" else "failed"
            end = status.ended_at if status.ended_at is not None else now
            self._observe(key, outcome, end - (memory.started_at or end))
        memory.phase = status.phase
        return memory.started_at

    def _observe(self, key: WorkloadKey, outcome: str, seconds: float) -> None:
        histogram = self._durations.setdefault(key, {}).setdefault(outcome, HistogramState())
        histogram.observe(max(0.0, seconds))

    def _durations_text(self, key: WorkloadKey, base: str) -> str:
        return "".join(
            state.render(f.DURATION.name, base, (("outcome", outcome),))
            for outcome, state in sorted(self._durations.get(key, {}).items())
        )

    def _stalled(
        self,
        status: RolloutStatus,
        started_at: float | None,
        ready_times: Collection[float],
        desired: int,
    ) -> bool:
        """Past its deadline, or no new-revision Pod became Ready for the stall timeout."""
        if status.phase == "failed":
            return True
        if len(ready_times) >= desired or started_at is None:
            return False
        last_progress = max([started_at, *ready_times])
        return self._clock() - last_progress > self.stall_after

    def _failed_create(self, new: ReplicaSet | None, existing: int, status: RolloutStatus) -> int:
        """Pods the new ReplicaSet could not create (quota, admission), per its Events."""
        if new is None:
            return 0
        wanted = new.spec.replicas or 0
        if existing >= wanted:
            return 0
        since = status.started_at or 0.0
        for event in self._events_by_object.members(new.metadata.uid):
            stamp = parse_timestamp(event.last_timestamp or event.event_time)
            if event.reason == "FailedCreate" and (stamp or 0.0) >= since:
                return wanted - existing
        return 0

    def _blocked_text(
        self, key: WorkloadKey, base: str, revision: str, counts: tuple[int, ...] | None
    ) -> str:
        if counts is None:
            return ""
        prefixes = self._blocked_prefixes.get(key)
        if prefixes is None or prefixes[0] != revision:
            prefixes = (
                revision,
                tuple(
                    line(f.BLOCKED.name, base, 0, (("revision", revision), ("reason", r)))[:-2]
                    for r in BLOCKED_REASONS
                ),
            )
            self._blocked_prefixes[key] = prefixes
        return "".join(
            f"{prefix}{count}\n" for prefix, count in zip(prefixes[1], counts, strict=True)
        )

    @staticmethod
    def _revisions_text(base: str, revisions: list[tuple[str, str, str, str]]) -> str:
        return "".join(
            line(
                f.REVISION_INFO.sample_name,
                base,
                1,
                (
                    ("revision", revision),
                    ("revision_number", number),
                    ("role", "current" if i == 0 else "previous"),
                    ("images", images),
                    ("change_cause", cause),
                ),
            )
            for i, (revision, number, images, cause) in enumerate(revisions)
        )

    def _deployment_revisions(
        self, new: ReplicaSet | None, previous: ReplicaSet | None
    ) -> list[tuple[str, str, str, str]]:
        found = []
        for replicaset in (new, previous):
            if replicaset is None:
                continue
            meta = replicaset.metadata
            template = replicaset.spec.template
            found.append(
                (
                    meta.labels.get("pod-template-hash", ""),
                    meta.annotations.get(REVISION_ANNOTATION, ""),
                    _images(template),
                    meta.annotations.get(CHANGE_CAUSE_ANNOTATION, ""),
                )
            )
        return found

    def _pod_revisions(
        self,
        template: PodTemplateSpec | None,
        current: str,
        previous: str,
        pods: list[Pod],
    ) -> list[tuple[str, str, str, str]]:
        """StatefulSet/DaemonSet revisions: the template for the current one, the Pods
        still running it for the previous one (we do not watch ControllerRevisions)."""
        cause = template.metadata.annotations.get(CHANGE_CAUSE_ANNOTATION, "") if template else ""
        found = [(current, "", _images(template), cause)] if current else []
        if previous and previous != current:
            old = next(
                (
                    p
                    for p in pods
                    if self._pod_summaries.get(p.metadata.key, _NO_SUMMARY).revision == previous
                ),
                None,
            )
            if old is not None:
                found.append((previous, "", ",".join(c.image for c in old.spec.containers), ""))
        return found

    def _selected_by_service(self, namespace: str, template: PodTemplateSpec) -> bool:
        return any(
            selects_pods(service)
            and service.spec.selector is not None
            and selector_matches(service.spec.selector, template.metadata.labels)
            for service in self._services_by_namespace.members(namespace)
        )

    def _render_service(self, key: str) -> None:
        service = self._index.services.get(key)
        if service is None or service.spec.type == "ExternalName":
            self._discard(key, f.SERVICE_FAMILIES)
            self._empty_seen_at.pop(key, None)
            return
        namespace, name = key.split("/", 1)
        base = labels(("namespace", namespace), ("service", name))
        counts = count_endpoints(self._slices_by_service.members(key))
        fam = self.families
        fam[f.ENDPOINTS.name].set(
            key,
            "".join(
                line(f.ENDPOINTS.name, base, value, (("condition", condition),))
                for condition, value in (
                    ("ready", counts.ready),
                    ("serving", counts.serving),
                    ("terminating", counts.terminating),
                )
            ).encode(),
        )
        if counts.ready:
            since = 0.0
            self._empty_seen_at.pop(key, None)
        else:
            created = parse_timestamp(service.metadata.creation_timestamp)
            since = counts.changed_at or self._empty_seen_at.setdefault(
                key, created if created is not None else self._clock()
            )
        fam[f.EMPTY_SINCE.name].set(key, line(f.EMPTY_SINCE.name, base, since).encode())
        if selects_pods(service):
            matches = self._selector_counts.get(key, 0)
            fam[f.SELECTOR_MATCHES.name].set(
                key, line(f.SELECTOR_MATCHES.name, base, matches).encode()
            )
        else:
            fam[f.SELECTOR_MATCHES.name].discard(key)
        fam[f.SERVICE_WORKLOAD.name].set(key, self._service_workloads(service, base).encode())

    def service_workloads(self, service_key: str) -> list[WorkloadKey]:
        """Workloads whose Pod template the Service's selector matches, sorted."""
        service = self._index.services.get(service_key)
        if service is None or not selects_pods(service) or service.spec.selector is None:
            return []
        selector = service.spec.selector
        namespace = service.metadata.namespace
        found: list[WorkloadKey] = []
        for kind, group in self._workloads_by_namespace.items():
            for workload in group.members(namespace):
                template = workload.spec.template
                if template is not None and selector_matches(selector, template.metadata.labels):
                    found.append((kind, namespace, workload.metadata.name))
        return sorted(found)

    def _service_workloads(self, service: Service, base: str) -> str:
        return "".join(
            line(f.SERVICE_WORKLOAD.sample_name, base, 1, (("workload_kind", k), ("workload", n)))
            for k, _, n in self.service_workloads(service.metadata.key)
        )


def _images(template: PodTemplateSpec | None) -> str:
    if template is None:
        return ""
    return ",".join(c.image for c in template.spec.containers)
