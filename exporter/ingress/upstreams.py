"""Upstream names in access logs → the Services they route to.

ingress-nginx names an upstream `<namespace>-<service>-<port>`; Traefik the same with an
`@provider` suffix. Namespaces and Service names both contain dashes, so the name is never
split: every name a watched Service can produce is indexed and looked up whole. Contour
(`ns/svc/port/hash`) and Istio (`outbound|port||svc.ns.svc.cluster.local`) names are
structured and parsed.
"""

from __future__ import annotations

from exporter.index.store import Store
from exporter.model.service import Service


class UpstreamNames:
    """Kept current from the Service store."""

    def __init__(self, services: Store[Service]) -> None:
        self._by_name: dict[str, str] = {}
        self._names_of: dict[str, list[str]] = {}
        services.subscribe(self)

    def on_change(self, old: Service | None, new: Service | None) -> None:
        if old is not None:
            for name in self._names_of.pop(old.metadata.key, ()):
                if self._by_name.get(name) == old.metadata.key:
                    del self._by_name[name]
        if new is not None:
            names = _names(new)
            self._names_of[new.metadata.key] = names
            for name in names:
                self._by_name[name] = new.metadata.key

    def service(self, upstream: str) -> str | None:
        """`namespace/name` of the Service behind an upstream name, if watched."""
        name = upstream.split("@", 1)[0]
        found = self._by_name.get(name)
        if found is not None:
            return found
        if name.startswith("outbound|"):
            host = name.rsplit("|", 1)[-1].split(".")
            return f"{host[1]}/{host[0]}" if len(host) >= 2 else None
        parts = name.split("/")
        if len(parts) >= 3:
            return f"{parts[0]}/{parts[1]}"
        return None


def _names(service: Service) -> list[str]:
    prefix = f"{service.metadata.namespace}-{service.metadata.name}-"
    names = []
    for port in service.spec.ports:
        names.append(f"{prefix}{port.port}")
        if port.name:
            names.append(f"{prefix}{port.name}")
    return names
