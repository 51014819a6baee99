"""The exporter's own health, as `rollout_exporter_*` metrics via prometheus_client.

Registered on a dedicated `CollectorRegistry` (never the global one) so tests can run
several exporters in one process and so we expose nothing we did not choose. Watch
counters live as plain ints in `WatchStats` (bumped per event, so they must be cheap)
and are turned into families by a custom collector at scrape time.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import cast

from prometheus_client import (
    CollectorRegistry,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from exporter import __version__
from exporter.ingress.attribution import IngressAttributor
from exporter.kube.stats import WatchStats
from exporter.rollout.tracker import RolloutTracker

# `*_created` gauges double the self-metric series in the text format and answer no
# question we have; the process start time is already in process_start_time_seconds.
cast(Callable[[], None], disable_created_metrics)()


@dataclass(frozen=True)
class _Tracked:
    stats: WatchStats
    index_size: Callable[[], int]


class WatchStatsCollector(Collector):
    """Aggregates the stats of every reflector by kind (one reflector per namespace)."""

    def __init__(self) -> None:
        self._tracked: list[_Tracked] = []

    def track(self, stats: WatchStats, index_size: Callable[[], int]) -> None:
        self._tracked.append(_Tracked(stats, index_size))

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        events = CounterMetricFamily(
            "rollout_exporter_watch_events",
            "Watch events processed, by kind and event type (ADDED, MODIFIED, DELETED, "
            "BOOKMARK, ERROR).",
            labels=["kind", "type"],
        )
        relists = CounterMetricFamily(
            "rollout_exporter_relists",
            "Lists after the first, by kind and reason (gone, rv_too_large, continue_expired).",
            labels=["kind", "reason"],
        )
        restarts = CounterMetricFamily(
            "rollout_exporter_watch_restarts",
            "Watch streams re-opened, by kind and reason (timeout = clean end, connection, "
            "inactivity, server_error, throttled, unauthorized, client_error).",
            labels=["kind", "reason"],
        )
        decode_errors = CounterMetricFamily(
            "rollout_exporter_decode_errors",
            "Watch lines or objects that could not be decoded and were skipped, by kind and "
            "reason (invalid_json, invalid_object, invalid_list, unknown_event_type).",
            labels=["kind", "reason"],
        )
        requests = CounterMetricFamily(
            "rollout_exporter_api_requests",
            "Requests to the Kubernetes API by kind, verb (list, watch) and HTTP code "
            "(0 when no response arrived).",
            labels=["kind", "verb", "code"],
        )
        listed = CounterMetricFamily(
            "rollout_exporter_listed_objects",
            "Objects received in list responses, by kind.",
            labels=["kind"],
        )
        objects = GaugeMetricFamily(
            "rollout_exporter_index_objects",
            "Objects held in the in-memory index, by kind.",
            labels=["kind"],
        )
        last_event = GaugeMetricFamily(
            "rollout_exporter_last_event_timestamp_seconds",
            "Unix time of the last list or watch event (bookmarks included) by kind; "
            "a stale value means a silently dead watch.",
            labels=["kind"],
        )
        available = GaugeMetricFamily(
            "rollout_exporter_resource_available",
            "1 when the kind is served and readable; 0 after a 404 (not served) or 403 "
            "(RBAC forbids it).",
            labels=["kind"],
        )
        synced = GaugeMetricFamily(
            "rollout_exporter_resource_synced",
            "1 once every reflector of the kind completed its first full list.",
            labels=["kind"],
        )
        by_kind: dict[str, list[_Tracked]] = {}
        for tracked in self._tracked:
            by_kind.setdefault(tracked.stats.kind, []).append(tracked)
        for kind, group in sorted(by_kind.items()):
            stats = [t.stats for t in group]
            _add_counts(events, kind, sum((s.events for s in stats), Counter()))
            _add_counts(relists, kind, sum((s.relists for s in stats), Counter()))
            _add_counts(restarts, kind, sum((s.restarts for s in stats), Counter()))
            _add_counts(decode_errors, kind, sum((s.decode_errors for s in stats), Counter()))
            verb_codes: Counter[tuple[str, str]] = sum((s.requests for s in stats), Counter())
            for (verb, code), value in sorted(verb_codes.items()):
                requests.add_metric([kind, verb, code], value)
            listed.add_metric([kind], sum(s.listed_objects for s in stats))
            # Reflectors of one kind share its store: count it once.
            objects.add_metric([kind], group[0].index_size())
            last_event.add_metric([kind], max(s.last_event_time for s in stats))
            available.add_metric([kind], float(all(s.available for s in stats)))
            synced.add_metric([kind], float(all(s.synced for s in stats)))
        yield from (events, relists, restarts, decode_errors, requests, listed, objects)
        yield from (last_event, available, synced)


def _add_counts(family: CounterMetricFamily, kind: str, counts: Counter[str]) -> None:
    for label, value in sorted(counts.items()):
        family.add_metric([kind, label], value)


class RolloutSkipsCollector(Collector):
    """Objects and Events the rollout derivations could not attribute to a workload."""

    def __init__(self, tracker: RolloutTracker) -> None:
        self._tracker = tracker

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        events = CounterMetricFamily(
            "rollout_exporter_unattributed_events",
            "Probe-failure Event increments not counted because their Pod is not indexed "
            "(pod_unknown) or the message is not a probe failure (unrecognised).",
            labels=["reason"],
        )
        for reason in ("pod_unknown", "unrecognised"):
            events.add_metric([reason], self._tracker.unattributed_events[reason])
        objects = GaugeMetricFamily(
            "rollout_exporter_unattributed_objects",
            "Indexed objects that belong to no workload or Service: Pods without a "
            "controller, EndpointSlices without the kubernetes.io/service-name label.",
            labels=["kind", "reason"],
        )
        objects.add_metric(["pods", "no_controller"], len(self._tracker.pods_without_owner))
        objects.add_metric(
            ["endpointslices", "no_service_label"], len(self._tracker.slices_without_service)
        )
        yield events
        yield objects


class LogSourcesCollector(Collector):
    """Lines read, parsed and skipped per log source kind (kubernetes, file, replay)."""

    def __init__(self, attributor: IngressAttributor, clock: Callable[[], float]) -> None:
        self._attributor = attributor
        self._clock = clock

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        lines = CounterMetricFamily(
            "rollout_exporter_log_lines", "Log lines read, by source.", labels=["source"]
        )
        read = CounterMetricFamily(
            "rollout_exporter_log_bytes", "Log bytes read, by source.", labels=["source"]
        )
        records = CounterMetricFamily(
            "rollout_exporter_log_records",
            "Lines parsed into records, by source and kind (access, error).",
            labels=["source", "kind"],
        )
        skipped = CounterMetricFamily(
            "rollout_exporter_log_skipped_lines",
            "Lines that produced no record, by source and reason.",
            labels=["source", "reason"],
        )
        lag = GaugeMetricFamily(
            "rollout_exporter_log_lag_seconds",
            "Now minus the time of the newest request seen, by source: how far behind the "
            "access logs we are (or how long since the last request).",
            labels=["source"],
        )
        now = self._clock()
        for source, stats in sorted(self._attributor.sources.items()):
            lines.add_metric([source], stats.lines)
            read.add_metric([source], stats.bytes)
            parses = list(stats.parse.values())
            records.add_metric([source, "access"], sum(p.records for p in parses))
            records.add_metric([source, "error"], sum(p.errors for p in parses))
            reasons: Counter[str] = Counter()
            for parse in parses:
                reasons.update({str(reason): count for reason, count in parse.skipped.items()})
            for reason, count in sorted(reasons.items()):
                skipped.add_metric([source, reason], count)
            if stats.newest:
                lag.add_metric([source], max(0.0, now - stats.newest))
        yield from (lines, read, records, skipped, lag)


class SelfMetrics:
    """The registry /metrics appends after our own families."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.watches = WatchStatsCollector()
        self.registry.register(self.watches)
        ProcessCollector(registry=self.registry)
        Info(
            "rollout_exporter_build", "Version of the running exporter.", registry=self.registry
        ).info({"version": __version__})
        Gauge(
            "rollout_exporter_start_time_seconds",
            "Unix time since which this exporter counts: its counters started at 0 then.",
            registry=self.registry,
        ).set(time.time())
        self.scrape_duration = Histogram(
            "rollout_exporter_scrape_duration_seconds",
            "Time to produce one /metrics response, by encoding (identity, gzip).",
            ["encoding"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

    def track_rollouts(self, tracker: RolloutTracker) -> None:
        self.registry.register(RolloutSkipsCollector(tracker))

    def track_logs(self, attributor: IngressAttributor, clock: Callable[[], float]) -> None:
        self.registry.register(LogSourcesCollector(attributor, clock))
