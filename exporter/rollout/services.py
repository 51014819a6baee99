"""What a Service's EndpointSlices and selector say about whether it can serve."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from exporter.model.service import EndpointSlice, Service
from exporter.rollout.timeutil import parse_timestamp

LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
"""Set by the EndpointSlice controller: when the change behind the slice's content happened."""


@dataclass(frozen=True, slots=True)
class EndpointCounts:
    ready: int = 0
    serving: int = 0
    terminating: int = 0
    changed_at: float | None = None
    """Latest last-change-trigger-time over the slices, when they carry it."""


def count_endpoints(slices: Iterable[EndpointSlice]) -> EndpointCounts:
    """Sum endpoint conditions over all slices of a Service.

    Per the API, a nil `ready`/`serving` means "unknown" and consumers read it as true,
    except `ready` of a terminating endpoint which is always false; nil `terminating`
    means false.
    """
    ready = serving = terminating = 0
    changed: list[float] = []
    for endpoint_slice in slices:
        stamp = parse_timestamp(endpoint_slice.metadata.annotations.get(LAST_CHANGE_TRIGGER_TIME))
        if stamp is not None:
            changed.append(stamp)
        for endpoint in endpoint_slice.endpoints or ():
            conditions = endpoint.conditions
            is_terminating = conditions.terminating is True
            is_ready = conditions.ready is not False and not is_terminating
            is_serving = conditions.serving if conditions.serving is not None else is_ready
            ready += is_ready
            serving += bool(is_serving)
            terminating += is_terminating
    return EndpointCounts(ready, serving, terminating, max(changed, default=None))


def selects_pods(service: Service) -> bool:
    """Only Services with a non-empty selector get endpoints from Pods.

    ExternalName Services have no endpoints at all; selector-less ones have endpoints
    managed by hand (or by another controller), so "how many Pods match" is meaningless.
    """
    return service.spec.type != "ExternalName" and bool(service.spec.selector)


def selector_matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())
