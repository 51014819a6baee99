"""`Status` bodies and error responses shaped like kube-apiserver's.

Clients branch on `code` and `reason` (and sometimes `details.causes`), so each error the
simulator can produce is built here once, with the real server's reason and message.
"""

from __future__ import annotations

from typing import Any

from exporter.sim.resources import JsonObj, ResourceType


class ApiError(Exception):
    """An error answer: the Status body plus the HTTP headers that go with it."""

    def __init__(self, body: JsonObj, headers: dict[str, str] | None = None) -> None:
        super().__init__(body["message"])
        self.body = body
        self.code: int = body["code"]
        self.headers = headers or {}


def status(
    code: int,
    reason: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    continue_token: str | None = None,
) -> JsonObj:
    """A metav1.Status in the field order the Go encoder writes."""
    body: JsonObj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {} if continue_token is None else {"continue": continue_token},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def error(body: JsonObj) -> ApiError:
    """Wrap a Status; a `details.retryAfterSeconds` becomes a Retry-After header, as in
    the real server's responsewriters.ErrorNegotiated."""
    retry = (body.get("details") or {}).get("retryAfterSeconds")
    return ApiError(body, {"Retry-After": str(retry)} if retry else None)


def unauthorized() -> ApiError:
    return error(status(401, "Unauthorized", "Unauthorized"))


def forbidden(rt: ResourceType, verb: str, user: str, namespace: str | None) -> ApiError:
    scope = "at the cluster scope" if namespace is None else f'in the namespace "{namespace}"'
    message = (
        f'{rt.plural}{_group_suffix(rt)} is forbidden: User "{user}" cannot {verb} resource '
        f'"{rt.plural}" '
        f'in API group "{rt.group}" {scope}'
    )
    details: dict[str, Any] = (
        {"kind": rt.plural} if not rt.group else {"group": rt.group, "kind": rt.plural}
    )
    return error(status(403, "Forbidden", message, details=details))


def path_not_found() -> ApiError:
    """What the server answers for a group, version or resource it does not serve."""
    return error(
        status(404, "NotFound", "the server could not find the requested resource", details={})
    )


def object_not_found(rt: ResourceType, name: str) -> ApiError:
    details: dict[str, Any] = {"name": name, "kind": rt.plural}
    if rt.group:
        details = {"name": name, "group": rt.group, "kind": rt.plural}
    return error(
        status(
            404, "NotFound", f'{rt.plural}{_group_suffix(rt)} "{name}" not found', details=details
        )
    )


def bad_request(message: str) -> ApiError:
    return error(status(400, "BadRequest", message))


def invalid_list_options(field: str, detail: str) -> ApiError:
    """422 as metainternalversion validation answers for contradictory ListOptions."""
    message = f'ListOptions.meta.k8s.io "" is invalid: {field}: Forbidden: {detail}'
    causes = [{"reason": "FieldValueForbidden", "message": f"Forbidden: {detail}", "field": field}]
    return error(
        status(
            422,
            "Invalid",
            message,
            details={"group": "meta.k8s.io", "kind": "ListOptions", "causes": causes},
        )
    )


def expired(message: str, *, continue_token: str | None = None) -> JsonObj:
    """410 Gone / Expired, used for old RVs and old continue tokens."""
    return status(410, "Expired", message, continue_token=continue_token)


def too_old_resource_version(requested: int, floor: int) -> JsonObj:
    """The watch cache's message; `floor` is the oldest RV it can still resume from."""
    return expired(f"too old resource version: {requested} ({floor})")


def too_large_resource_version(requested: int, current: int) -> ApiError:
    """storage.NewTooLargeResourceVersionError, as returned once the wait for fresh data
    times out (retry after 1 s)."""
    return error(
        status(
            504,
            "Timeout",
            f"Timeout: Too large resource version: {requested}, current: {current}",
            details={
                "causes": [
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                "retryAfterSeconds": 1,
            },
        )
    )


def internal_error(cause: str) -> ApiError:
    return error(
        status(
            500,
            "InternalError",
            f"Internal error occurred: {cause}",
            details={"causes": [{"message": cause}]},
        )
    )


def too_many_requests_status(retry_after: int) -> ApiError:
    """The Status form of 429 (apierrors.NewTooManyRequests), for code paths that use it."""
    return error(
        status(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
            details={"retryAfterSeconds": retry_after},
        )
    )


def _group_suffix(rt: ResourceType) -> str:
    return f".{rt.group}" if rt.group else ""
