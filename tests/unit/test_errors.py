"""Status bodies map onto the error hierarchy the reflector dispatches on."""

from __future__ import annotations

import pytest

from exporter.kube import errors
from exporter.kube.errors import decode_status, error_from_status, parse_retry_after


@pytest.mark.parametrize(
    ("body", "http_code", "expected"),
    [
        (b'{"kind":"Status","code":401,"reason":"Unauthorized"}', 401, errors.Unauthorized),
        (b'{"kind":"Status","code":403,"reason":"Forbidden"}', 403, errors.Forbidden),
        (b'{"kind":"Status","code":404,"reason":"NotFound"}', 404, errors.NotFound),
        (b'{"kind":"Status","code":410,"reason":"Expired"}', 410, errors.Gone),
        (b'{"kind":"Status","code":429,"reason":"TooManyRequests"}', 429, errors.TooManyRequests),
        (b'{"kind":"Status","code":500,"reason":"InternalError"}', 500, errors.APIServerError),
        (b'{"kind":"Status","code":422,"reason":"Invalid"}', 422, errors.APIClientError),
        (
            b'{"kind":"Status","code":504,"reason":"Timeout","details":{"causes":'
            b'[{"reason":"ResourceVersionTooLarge","message":"Too large resource version"}]}}',
            504,
            errors.ResourceVersionTooLarge,
        ),
        (b"<html>bad gateway</html>", 502, errors.APIServerError),
        (b"", 410, errors.Gone),
    ],
)
def test_error_from_status(body: bytes, http_code: int, expected: type[errors.APIError]) -> None:
    error = error_from_status(decode_status(body), http_code=http_code)
    assert type(error) is expected
    assert error.code == http_code


@pytest.mark.parametrize(
    ("header", "seconds"), [("3", 3.0), (" 1.5 ", 1.5), ("-1", None), ("soon", None), (None, None)]
)
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_too_many_requests_carries_retry_after() -> None:
    error = error_from_status(None, http_code=429, retry_after="7")
    assert isinstance(error, errors.TooManyRequests)
    assert error.retry_after == 7.0
