"""Projection of core/v1 Event (the kubelet still writes core/v1, and events.k8s.io/v1
serves the same objects).

`count` and `series.count` carry the kubelet's aggregation of repeats; counting their
increments is what makes probe-failure counters restart-safe.
"""

from __future__ import annotations

import msgspec

from exporter.model.meta import ObjectMeta
from exporter.model.service import ObjectReference


class EventSource(msgspec.Struct, frozen=True, gc=False):
    component: str = ""
    host: str = ""


class EventSeries(msgspec.Struct, rename="camel", frozen=True, gc=False):
    count: int = 0
    last_observed_time: str | None = None


class Event(msgspec.Struct, rename="camel", frozen=True, gc=False):
    metadata: ObjectMeta
    involved_object: ObjectReference = ObjectReference()
    reason: str = ""
    message: str = ""
    type: str = ""
    count: int | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    event_time: str | None = None
    series: EventSeries | None = None
    source: EventSource = EventSource()
    reporting_component: str = ""
