"""Event recording as client-go's two recorders do it, down to what reaches the server.

The core/v1 recorder (kubelet, controllers) runs every event through an EventCorrelator:
  * identical events (same source, object, type, reason, message) fold into one Event
    whose `count` and `lastTimestamp` grow;
  * once an object has had 10 different messages for one reason within 10 minutes, further
    ones go to a single Event whose message starts "(combined from similar events): ";
  * a token bucket per source and object (burst 25, one token per 5 minutes) drops writes,
    but the local count keeps growing, so the next write that passes jumps by the misses.
The events.k8s.io recorder (the scheduler) writes an Event once, again with
`series.count: 2` on the first repeat, and after that only on its 30-minute refresh and
when the series ends after 6 minutes of silence.

Clients counting Events must therefore expect counts that jump and series that lag; the
simulator reproduces both instead of writing on every occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from exporter.sim import objects
from exporter.sim.clock import rfc3339, rfc3339_micro
from exporter.sim.cluster import Cluster
from exporter.sim.resources import JsonObj

SPAM_BURST = 25.0
SPAM_REFILL_SECONDS = 300.0
"""EventSourceObjectSpamFilter defaults: 25 events, then one per 5 minutes."""
AGGREGATE_AFTER = 10
AGGREGATE_WINDOW_SECONDS = 600.0
"""EventAggregator defaults: 10 distinct messages within 10 minutes."""
COMBINED_PREFIX = "(combined from similar events): "
SERIES_REFRESH = timedelta(minutes=30)
SERIES_FINISH = timedelta(minutes=6)
"""events.k8s.io broadcaster: refreshTime and finishTime."""

_ObjectKey = tuple[str, str, str, str, str, str, str]
"""Source component and host, then the involved object's kind, namespace, name, uid, version."""


@dataclass
class _Observed:
    """The correlator's memory of one Event: its name and every occurrence so far."""

    name: str
    first: datetime
    count: int
    last: datetime
    message: str
    written: bool = False


@dataclass
class _Similar:
    """The aggregator's memory of one (source, object, type, reason): distinct messages."""

    last: datetime
    messages: list[str] = field(default_factory=list)


@dataclass
class _Series:
    """The events.k8s.io broadcaster's cache entry: the Event and its unsent repeats."""

    namespace: str
    name: str
    count: int
    last: datetime
    written_count: int


class EventRecorder:
    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._occurred: dict[tuple[str, ...], datetime] = {}
        self._observed: dict[tuple[str, ...], _Observed] = {}
        self._similar: dict[tuple[str, ...], _Similar] = {}
        self._buckets: dict[_ObjectKey, tuple[float, datetime]] = {}
        self._series: dict[tuple[str, ...], _Series] = {}
        self._next_refresh = cluster.clock.now() + SERIES_REFRESH

    def record(
        self,
        involved: JsonObj,
        *,
        reason: str,
        message: str,
        type: str = "Warning",
        component: str = "kubelet",
        host: str | None = None,
        field_path: str | None = None,
        series: bool = False,
        every: float = 0.0,
    ) -> None:
        """One occurrence; a repeat within `every` seconds of the last one did not happen.

        `every` is the cadence of whatever produces the event (a probe's period, a
        controller's retry), not a property of the recorder.
        """
        now = self._cluster.clock.now()
        meta = involved["metadata"]
        uid = meta.get("uid", meta["name"])
        key = (component, host or "", uid, field_path or "", type, reason, message)
        last = self._occurred.get(key)
        if last is not None and (now - last).total_seconds() < every:
            return
        self._occurred[key] = now
        if series:
            self._record_series(involved, reason, message, type, component, host, field_path)
        else:
            self._record_counted(involved, reason, message, type, component, host, field_path)

    def flush(self) -> None:
        """Run the events.k8s.io broadcaster's timers: refresh every series every 30
        minutes, and write the final count of a series silent for 6 minutes."""
        now = self._cluster.clock.now()
        refresh = now >= self._next_refresh
        if refresh:
            self._next_refresh += SERIES_REFRESH
        for key, entry in list(self._series.items()):
            finished = now - entry.last > SERIES_FINISH
            if (refresh or finished) and entry.count > entry.written_count:
                self._write_series(entry)
            if finished:
                del self._series[key]

    # --- core/v1: EventCorrelator -----------------------------------------------------

    def _record_counted(
        self,
        involved: JsonObj,
        reason: str,
        message: str,
        type: str,
        component: str,
        host: str | None,
        field_path: str | None,
    ) -> None:
        now = self._cluster.clock.now()
        source = _object_key(involved, component, host)
        key: tuple[str, ...] = (*source, field_path or "", type, reason, message)
        similar_key: tuple[str, ...] = (*source, type, reason)
        similar = self._similar.get(similar_key)
        if similar is None or (now - similar.last).total_seconds() > AGGREGATE_WINDOW_SECONDS:
            similar = self._similar[similar_key] = _Similar(now)
        similar.last = now
        if message not in similar.messages:
            similar.messages.append(message)
        if len(similar.messages) >= AGGREGATE_AFTER:
            similar.messages.pop(0)
            key = ("combined", *similar_key)
            message = COMBINED_PREFIX + message
        observed = self._observed.get(key)
        if observed is None:
            name = self._free_name(involved, now)
            observed = self._observed[key] = _Observed(name, now, 0, now, message)
        observed.count += 1
        observed.last = now
        observed.message = message
        if not self._take_token(source, now):
            return
        namespace = involved["metadata"]["namespace"]
        if observed.written and self._cluster.get("events", namespace, observed.name):
            self._cluster.mutate("events", namespace, observed.name, lambda e: _repeat(e, observed))
            return
        created = objects.event(
            involved,
            reason=reason,
            message=message,
            first_seen=observed.first,
            last_seen=now,
            count=observed.count,
            type=type,
            component=component,
            host=host,
            field_path=field_path,
        )
        created["metadata"]["name"] = observed.name
        self._cluster.create("events", created)
        observed.written = True

    def _take_token(self, source: _ObjectKey, now: datetime) -> bool:
        tokens, at = self._buckets.get(source, (SPAM_BURST, now))
        tokens = min(SPAM_BURST, tokens + (now - at).total_seconds() / SPAM_REFILL_SECONDS)
        allowed = tokens >= 1.0
        self._buckets[source] = (tokens - 1.0 if allowed else tokens, now)
        return allowed

    def _free_name(self, involved: JsonObj, at: datetime) -> str:
        """`<object>.<hex nanoseconds>`; a later nanosecond when two events share a tick."""
        namespace, name = involved["metadata"]["namespace"], involved["metadata"]["name"]
        taken = {o.name for o in self._observed.values()} | {s.name for s in self._series.values()}
        while (
            objects.event_name(name, at) in taken
            or self._cluster.get("events", namespace, objects.event_name(name, at)) is not None
        ):
            at += timedelta(microseconds=1)
        return objects.event_name(name, at)

    # --- events.k8s.io: series --------------------------------------------------------

    def _record_series(
        self,
        involved: JsonObj,
        reason: str,
        message: str,
        type: str,
        component: str,
        host: str | None,
        field_path: str | None,
    ) -> None:
        now = self._cluster.clock.now()
        key: tuple[str, ...] = (
            *_object_key(involved, component, host),
            field_path or "",
            type,
            reason,
        )
        entry = self._series.get(key)
        if entry is not None:
            entry.count += 1
            entry.last = now
            if entry.count == 2:
                self._write_series(entry)
            return
        name = self._free_name(involved, now)
        created = objects.event(
            involved,
            reason=reason,
            message=message,
            first_seen=now,
            type=type,
            component=component,
            host=host,
            field_path=field_path,
            series=True,
        )
        created["metadata"]["name"] = name
        self._cluster.create("events", created)
        self._series[key] = _Series(involved["metadata"]["namespace"], name, 1, now, 1)

    def _write_series(self, entry: _Series) -> None:
        series = {"count": entry.count, "lastObservedTime": rfc3339_micro(entry.last)}
        if self._cluster.get("events", entry.namespace, entry.name) is not None:
            self._cluster.mutate(
                "events", entry.namespace, entry.name, lambda e: e.update(series=series)
            )
        entry.written_count = entry.count


def _object_key(involved: JsonObj, component: str, host: str | None) -> _ObjectKey:
    meta = involved["metadata"]
    return (
        component,
        host or "",
        involved["kind"],
        meta["namespace"],
        meta["name"],
        meta.get("uid", ""),
        involved["apiVersion"],
    )


def _repeat(event: JsonObj, observed: _Observed) -> None:
    """The correlator's patch: count, lastTimestamp and message."""
    event["count"] = observed.count
    event["lastTimestamp"] = rfc3339(observed.last)
    event["message"] = observed.message
