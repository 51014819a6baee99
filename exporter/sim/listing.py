"""LIST semantics: which snapshot a request is served from, and how it is paged.

kube-apiserver 1.21 to 1.32 serves a list either from the watch cache (current data, no
paging: `limit` is ignored) or from etcd (a consistent snapshot, paged with `continue`).
`from_watch_cache` is its `shouldDelegateList` rule inverted; the rest follows the
resourceVersion/resourceVersionMatch table in the "API concepts" reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from exporter.sim import continuation, query, status
from exporter.sim.cluster import Cluster, CompactedError, FutureResourceVersionError
from exporter.sim.resources import JsonObj, ResourceType
from exporter.sim.selectors import Selector

_EXPIRED_LIST = "The resourceVersion for the provided list is too old."
_INCONSISTENT_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. "
    "You can start a new list without the continue parameter, or use the continue token "
    "in this response to retrieve the remainder of the results. Continuing with the "
    "provided token results in an inconsistent list - objects that were created, "
    "modified, or deleted between the time the first chunk was returned and now may show "
    "up in the list."
)


@dataclass(frozen=True)
class ListRequest:
    resource_version: str | None
    match: str | None
    limit: int
    continue_token: str | None
    selector: Selector

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ListRequest:
        """Decode and validate ListOptions, rejecting what the real server rejects."""
        limit = query.integer(params, "limit") or 0
        rv = params.get("resourceVersion") or None
        match = params.get("resourceVersionMatch") or None
        token = params.get("continue") or None
        field = "resourceVersionMatch"
        if match is not None:
            if match not in ("Exact", "NotOlderThan"):
                raise status.invalid_list_options(
                    field,
                    f'Unsupported value: "{match}": supported values: "Exact", "NotOlderThan"',
                )
            if rv is None:
                raise status.invalid_list_options(
                    field, "resourceVersionMatch is forbidden unless resourceVersion is provided"
                )
            if token is not None:
                raise status.invalid_list_options(
                    field, "resourceVersionMatch is forbidden when continue is provided"
                )
            if match == "Exact" and rv == "0":
                raise status.invalid_list_options(
                    field, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
                )
        if token is not None and rv not in (None, "0"):
            raise status.bad_request(
                "specifying resource version is not allowed when using continue"
            )
        query.resource_version(rv)
        return cls(rv, match, max(limit, 0), token, query.selector(params))

    @property
    def from_watch_cache(self) -> bool:
        if self.resource_version is None or self.continue_token is not None:
            return False
        if self.match == "Exact":
            return False
        return self.resource_version == "0" or self.limit == 0


async def serve_list(
    cluster: Cluster,
    rt: ResourceType,
    namespace: str | None,
    request: ListRequest,
    *,
    page_size_cap: int,
    fresh_wait: float,
    expire_continue: bool = False,
) -> JsonObj:
    """The list body for `request`, or an ApiError carrying the real server's Status."""
    if request.from_watch_cache:
        wanted = query.resource_version(request.resource_version) or 0
        if not await cluster.wait_for_resource_version(wanted, fresh_wait):
            raise status.too_large_resource_version(wanted, cluster.resource_version)
        rv = cluster.resource_version
        items = _page(cluster.current(rt.plural), namespace, request.selector, "", 0, rv)
        return _list_body(rt, rv, *items)

    start = ""
    if request.continue_token is not None:
        try:
            token = continuation.decode(request.continue_token)
        except continuation.ContinueTokenError as exc:
            raise status.bad_request(f"invalid continue token: {exc}") from None
        start = token.start
        if expire_continue or (token.rv != -1 and token.rv < cluster.floor):
            latest = continuation.encode(-1, start.removesuffix("\x00"))
            raise status.ApiError(status.expired(_INCONSISTENT_CONTINUE, continue_token=latest))
        rv = cluster.resource_version if token.rv == -1 else token.rv
    elif request.resource_version is None or request.match == "NotOlderThan":
        wanted = query.resource_version(request.resource_version) or 0
        if wanted > cluster.resource_version:
            raise status.too_large_resource_version(wanted, cluster.resource_version)
        rv = cluster.resource_version
    else:
        rv = query.resource_version(request.resource_version) or 0

    try:
        snapshot = cluster.snapshot(rt.plural, rv)
    except CompactedError:
        raise status.ApiError(status.expired(_EXPIRED_LIST)) from None
    except FutureResourceVersionError as exc:
        raise status.too_large_resource_version(exc.requested, exc.current) from None
    limit = min(request.limit, page_size_cap) if request.limit else 0
    return _list_body(rt, rv, *_page(snapshot, namespace, request.selector, start, limit, rv))


def _page(
    snapshot: list[tuple[str, JsonObj]],
    namespace: str | None,
    selector: Selector,
    start: str,
    limit: int,
    rv: int,
) -> tuple[list[JsonObj], str | None, int | None]:
    """Items from `start` on, up to `limit`; etcd-style continue after the last one taken.

    As with etcd, a selective page can come back short or even empty while more keys
    remain, and only an unfiltered list can say how many items remain.
    """
    prefix = "" if namespace is None else f"{namespace}/"
    keys = [(key, obj) for key, obj in snapshot if key.startswith(prefix) and key >= start]
    items: list[JsonObj] = []
    for index, (key, obj) in enumerate(keys):
        if selector.matches(obj):
            items.append(obj)
        if limit and len(items) == limit:
            remaining = len(keys) - index - 1
            if remaining == 0:
                break
            count = remaining if selector.empty else None
            return items, continuation.encode(rv, key), count
    return items, None, None


def _list_body(
    rt: ResourceType, rv: int, items: list[JsonObj], token: str | None, remaining: int | None
) -> JsonObj:
    """A typed list. Items carry no kind/apiVersion, as in kube-apiserver's JSON lists."""
    metadata: JsonObj = {"resourceVersion": str(rv)}
    if token is not None:
        metadata["continue"] = token
    if remaining is not None:
        metadata["remainingItemCount"] = remaining
    return {
        "kind": rt.list_kind,
        "apiVersion": rt.api_version,
        "metadata": metadata,
        "items": [
            {key: value for key, value in item.items() if key not in ("kind", "apiVersion")}
            for item in items
        ],
    }
