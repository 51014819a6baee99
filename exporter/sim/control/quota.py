"""ResourceQuota admission for pod creation, with the API server's error text.

ResourceQuota objects are not served by the simulator; a scenario hands them to the
control plane, and controllers creating pods ask `admit` first. A refusal is what a
controller sees from a real API server: `pods "<name>" is forbidden: exceeded quota: ...`,
listing only the resources that would go over, sorted, as quantities in canonical form.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from exporter.sim.resources import JsonObj

_BINARY = (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10))


@dataclass(frozen=True)
class ResourceQuota:
    """`spec.hard` of a ResourceQuota: `pods`, `requests.cpu`, `limits.memory`, ..."""

    name: str
    hard: dict[str, str]


def _milli(quantity: str) -> int:
    """A CPU quantity in millicores ("100m", "1", "0.5")."""
    if quantity.endswith("m"):
        return int(quantity[:-1])
    return round(float(quantity) * 1000)


def _bytes(quantity: str) -> int:
    for suffix, factor in _BINARY:
        if quantity.endswith(suffix):
            return int(quantity[: -len(suffix)]) * factor
    return int(quantity)


def _parse(resource: str, quantity: str) -> int:
    if resource.endswith("cpu"):
        return _milli(quantity)
    if resource.endswith("memory"):
        return _bytes(quantity)
    return int(quantity)


def _format(resource: str, value: int) -> str:
    """resource.Quantity's canonical String(): "300m", "1", "768Mi", "1Gi"."""
    if resource.endswith("cpu"):
        return str(value // 1000) if value % 1000 == 0 else f"{value}m"
    if resource.endswith("memory"):
        for suffix, factor in _BINARY:
            if value and value % factor == 0:
                return f"{value // factor}{suffix}"
    return str(value)


def usage(pod: JsonObj, resource: str) -> int:
    """What one pod charges against `resource` (the quota's pod evaluator)."""
    if resource in ("pods", "count/pods"):
        return 1
    kind, _, name = resource.partition(".")
    field = {"requests": "requests", "limits": "limits"}.get(kind)
    if field is None:
        return 0
    return sum(
        _parse(resource, (c.get("resources") or {}).get(field, {}).get(name, "0"))
        for c in pod["spec"]["containers"]
    )


def admit(quota: ResourceQuota, pod: JsonObj, existing: Iterable[JsonObj]) -> str | None:
    """None if `pod` fits next to `existing` pods, else the Forbidden message."""
    pods = list(existing)
    exceeded: list[tuple[str, int, int, int]] = []
    for resource, hard in quota.hard.items():
        limit = _parse(resource, hard)
        requested = usage(pod, resource)
        used = sum(usage(p, resource) for p in pods)
        if requested and used + requested > limit:
            exceeded.append((resource, requested, used, limit))
    if not exceeded:
        return None
    exceeded.sort()

    resources = [row[0] for row in exceeded]

    def pretty(values: list[int]) -> str:
        pairs = zip(resources, values, strict=True)
        return ",".join(f"{resource}={_format(resource, value)}" for resource, value in pairs)

    requested_text = pretty([row[1] for row in exceeded])
    used_text = pretty([row[2] for row in exceeded])
    limited_text = pretty([row[3] for row in exceeded])
    return (
        f'pods "{pod["metadata"]["name"]}" is forbidden: exceeded quota: {quota.name}, '
        f"requested: {requested_text}, used: {used_text}, limited: {limited_text}"
    )
