"""Event recording the way client-go's recorder does it: repeats bump `count`.

Kubelet probes fail every period; the recorder folds identical events (same object,
reason and message) into one Event whose count and lastTimestamp grow, which is what a
client watching `events` sees.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from exporter.sim import objects
from exporter.sim.clock import parse_time, rfc3339, rfc3339_micro
from exporter.sim.cluster import Cluster
from exporter.sim.resources import JsonObj


class EventRecorder:
    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster
        self._names: dict[tuple[str, str, str], str] = {}

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
        """Record an event; a repeat within `every` seconds of the last one is dropped."""
        now = self._cluster.clock.now()
        meta = involved["metadata"]
        namespace = meta["namespace"]
        key = (meta.get("uid", meta["name"]), reason, message)
        name = self._names.get(key)
        existing = None if name is None else self._cluster.get("events", namespace, name)
        if existing is not None and name is not None:
            if series:
                last = existing.get("series", {}).get("lastObservedTime") or existing["eventTime"]
            else:
                last = existing["lastTimestamp"]
            if (now - parse_time(last)).total_seconds() < every:
                return
            self._cluster.mutate("events", namespace, name, lambda e: _repeat(e, now, series))
            return
        first = now
        while self._cluster.get("events", namespace, objects.event_name(meta["name"], first)):
            first += timedelta(microseconds=1)
        created = objects.event(
            involved,
            reason=reason,
            message=message,
            first_seen=first,
            type=type,
            component=component,
            host=host,
            field_path=field_path,
            series=series,
        )
        self._names[key] = self._cluster.create("events", created)["metadata"]["name"]


def _repeat(event: JsonObj, now: datetime, series: bool) -> None:
    if series:
        count = event.get("series", {}).get("count", 1) + 1
        event["series"] = {"count": count, "lastObservedTime": rfc3339_micro(now)}
    else:
        event["count"] = event.get("count", 1) + 1
        event["lastTimestamp"] = rfc3339(now)
