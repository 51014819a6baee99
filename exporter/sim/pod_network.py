"""Pod addresses, handed out per node the way the host-local CNI IPAM plugin does.

Attribution joins a log line's upstream address to the pod that had it at that moment, so
the simulated cluster must get addresses right: unique among live pods across every
namespace and scenario sharing the cluster, released when the pod object is gone, and
reused only when something reuses them. Each node owns a /24 (`10.244.<n>.0/24`, `.1` is
the bridge); the next address is the one after the last handed out on that node, skipping
addresses in use and wrapping around, so on a busy node an address comes back only after
the range wrapped. A scenario that needs that moment without 250 pod starts asks for it
with `reuse`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

KNOWN_NODES = ("node-a", "node-b", "node-c")
"""The simulated nodes, in the order their pod CIDRs were allocated (10.244.0/1/2.0/24)."""

_FIRST_HOST = 2
_LAST_HOST = 254


class PodNetworkError(RuntimeError):
    """No address can be handed out, or one was asked for that is not ours to give."""


@dataclass
class _NodeRange:
    index: int
    last: int = _FIRST_HOST - 1
    reuse: dict[str, int] = field(default_factory=dict)
    """namespace → host part to hand out next to a pod of that namespace on this node."""

    def address(self, host: int) -> str:
        return f"10.244.{self.index}.{host}"


class PodNetwork:
    """Addresses per node: allocated when a pod sandbox starts, released when it is gone."""

    def __init__(self) -> None:
        self._nodes: dict[str, _NodeRange] = {
            name: _NodeRange(index) for index, name in enumerate(KNOWN_NODES)
        }
        self._owners: dict[str, str] = {}
        """address in use → `namespace/name` of the pod holding it."""

    def cidr(self, node: str) -> str:
        return f"{self._node(node).address(0)}/24"

    def allocate(self, node: str, namespace: str, name: str) -> str:
        """The next free address on `node` for pod `namespace/name`."""
        node_range = self._node(node)
        wanted = node_range.reuse.get(namespace)
        if wanted is not None and node_range.address(wanted) not in self._owners:
            del node_range.reuse[namespace]
            return self._take(node_range.address(wanted), namespace, name)
        span = _LAST_HOST - _FIRST_HOST + 1
        for step in range(1, span + 1):
            host = _FIRST_HOST + (node_range.last - _FIRST_HOST + step) % span
            address = node_range.address(host)
            if address not in self._owners:
                node_range.last = host
                return self._take(address, namespace, name)
        raise PodNetworkError(f"no free pod address left on {node} ({self.cidr(node)})")

    def release(self, address: str, *, namespace: str, name: str) -> None:
        """Pod `namespace/name` is gone; an address we did not hand to it is left alone."""
        if self._owners.get(address) == f"{namespace}/{name}":
            del self._owners[address]

    def owner(self, address: str) -> str | None:
        """`namespace/name` of the live pod holding `address`, if we handed it out."""
        return self._owners.get(address)

    def reuse(self, address: str, *, namespace: str) -> None:
        """Hand `address` to the next pod of `namespace` started on its node once it is free.

        What a wrapped host-local range or a recycling IPAM pool does eventually, made to
        happen on cue so a scenario can show one address serving two pods in turn.
        """
        parsed = ipaddress.ip_address(address)
        for node_range in self._nodes.values():
            if parsed in ipaddress.ip_network(f"{node_range.address(0)}/24"):
                host = int(address.rsplit(".", 1)[1])
                if not _FIRST_HOST <= host <= _LAST_HOST:
                    raise PodNetworkError(f"{address} is not a pod address")
                node_range.reuse[namespace] = host
                return
        raise PodNetworkError(f"{address} is in no node's pod CIDR")

    def _node(self, node: str) -> _NodeRange:
        found = self._nodes.get(node)
        if found is None:
            found = self._nodes[node] = _NodeRange(len(self._nodes))
        return found

    def _take(self, address: str, namespace: str, name: str) -> str:
        self._owners[address] = f"{namespace}/{name}"
        return address
