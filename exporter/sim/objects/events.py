"""core/v1 Events, in the kubelet's counted form and the newer `series` form."""

from __future__ import annotations

from datetime import datetime

from exporter.sim.clock import rfc3339, rfc3339_micro
from exporter.sim.resources import JsonObj


def event_name(involved_name: str, first_seen: datetime) -> str:
    """`<object>.<hex nanoseconds>`, the recorder's naming scheme."""
    return f"{involved_name}.{int(first_seen.timestamp() * 1_000_000_000):x}"


def involved_object(obj: JsonObj, field_path: str | None = None) -> JsonObj:
    meta = obj["metadata"]
    ref: JsonObj = {
        "kind": obj["kind"],
        "namespace": meta["namespace"],
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "apiVersion": obj["apiVersion"],
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if field_path is not None:
        ref["fieldPath"] = field_path
    return ref


def event(
    involved: JsonObj,
    *,
    reason: str,
    message: str,
    first_seen: datetime,
    last_seen: datetime | None = None,
    count: int = 1,
    type: str = "Warning",
    component: str = "kubelet",
    host: str | None = None,
    field_path: str | None = None,
    series: bool = False,
) -> JsonObj:
    """An Event about `involved`.

    The kubelet's recorder aggregates repeats into `count` with first/lastTimestamp; with
    `series=True` the event looks like one written by the events.k8s.io recorder (as the
    scheduler does): eventTime plus `series`, and null first/lastTimestamp.
    """
    last = last_seen or first_seen
    source: JsonObj = {"component": component}
    if host is not None:
        source["host"] = host
    obj: JsonObj = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "name": event_name(involved["metadata"]["name"], first_seen),
            "namespace": involved["metadata"]["namespace"],
        },
        "involvedObject": involved_object(involved, field_path),
        "reason": reason,
        "message": message,
        "source": source if not series else {},
    }
    if series:
        obj.update(
            {
                "firstTimestamp": None,
                "lastTimestamp": None,
                "type": type,
                "eventTime": rfc3339_micro(first_seen),
                "action": "Scheduling" if component == "default-scheduler" else reason,
                "reportingComponent": component,
                "reportingInstance": f"{component}-{host}" if host else component,
            }
        )
        if count > 1:
            obj["series"] = {"count": count, "lastObservedTime": rfc3339_micro(last)}
        return obj
    obj.update(
        {
            "firstTimestamp": rfc3339(first_seen),
            "lastTimestamp": rfc3339(last),
            "count": count,
            "type": type,
            "eventTime": None,
            "reportingComponent": component,
            "reportingInstance": host or "",
        }
    )
    return obj
