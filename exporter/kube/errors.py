"""The API error hierarchy, built from the `Status` objects the apiserver returns.

    APIError
    ├── APIConnectionError        connect/read failures, resets, inactivity (no HTTP status)
    ├── APIClientError            4xx
    │   ├── Unauthorized          401: refresh credentials once, then back off
    │   ├── Forbidden             403: RBAC; the kind is reported unavailable
    │   ├── NotFound              404: the server does not serve the kind
    │   ├── Gone                  410: relist (expired RV or continue token)
    │   └── TooManyRequests       429: wait `Retry-After`
    └── APIServerError            5xx: back off
        └── ResourceVersionTooLarge  504 with that cause: the server's history went back; relist

Callers dispatch on the class, never on status codes scattered through the code.
"""

from __future__ import annotations

import msgspec


class StatusCause(msgspec.Struct, frozen=True):
    reason: str = ""
    message: str = ""


class StatusDetails(msgspec.Struct, frozen=True):
    causes: tuple[StatusCause, ...] = ()


class Status(msgspec.Struct, frozen=True):
    """metav1.Status, as found in error bodies and in watch ERROR events."""

    code: int = 0
    reason: str = ""
    message: str = ""
    details: StatusDetails | None = None


_status_decoder = msgspec.json.Decoder(Status)


def decode_status(body: bytes) -> Status | None:
    """Best effort: proxies in front of the apiserver may answer with HTML or nothing."""
    try:
        return _status_decoder.decode(body)
    except msgspec.DecodeError:
        return None


class APIError(Exception):
    """Base of every failure talking to the API."""

    def __init__(self, message: str, *, code: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason


class APIConnectionError(APIError):
    """No usable HTTP response: the connection failed, broke, or went silent."""


class APIClientError(APIError):
    pass


class Unauthorized(APIClientError):
    pass


class Forbidden(APIClientError):
    pass


class NotFound(APIClientError):
    pass


class Gone(APIClientError):
    pass


class TooManyRequests(APIClientError):
    def __init__(self, message: str, *, code: int, reason: str, retry_after: float | None) -> None:
        super().__init__(message, code=code, reason=reason)
        self.retry_after = retry_after


class APIServerError(APIError):
    pass


class ResourceVersionTooLarge(APIServerError):
    """The server's newest RV is below ours: etcd was restored or the cache is behind."""


_BY_CODE: dict[int, type[APIError]] = {
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    410: Gone,
}


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` in delta-seconds, the only form the apiserver sends."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def error_from_status(
    status: Status | None, *, http_code: int, retry_after: str | None = None
) -> APIError:
    """Map an error response (or a watch ERROR event) onto the hierarchy."""
    code = status.code if status and status.code else http_code
    reason = status.reason if status else ""
    message = (status.message if status else "") or f"HTTP {http_code}"
    if code == 429:
        return TooManyRequests(
            message, code=code, reason=reason, retry_after=parse_retry_after(retry_after)
        )
    if (
        status
        and status.details
        and any(cause.reason == "ResourceVersionTooLarge" for cause in status.details.causes)
    ):
        return ResourceVersionTooLarge(message, code=code, reason=reason)
    if code in _BY_CODE:
        return _BY_CODE[code](message, code=code, reason=reason)
    if 400 <= code < 500:
        return APIClientError(message, code=code, reason=reason)
    return APIServerError(message, code=code, reason=reason)
