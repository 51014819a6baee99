"""Our own HTTP client for the Kubernetes API, on aiohttp.

It does exactly two things: GET a JSON body (list pages) and open a watch stream.
Errors become the `exporter.kube.errors` hierarchy; a 401 triggers one credential
refresh and retry, because bound service-account and exec-plugin tokens rotate.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Protocol

import aiohttp

from exporter.kube.errors import (
    APIConnectionError,
    APIError,
    Unauthorized,
    decode_status,
    error_from_status,
)
from exporter.kube.lines import iter_lines


class Credentials(Protocol):
    """What the client needs from `exporter.kube.credentials`."""

    @property
    def host(self) -> str: ...

    @property
    def ssl(self) -> ssl.SSLContext | bool: ...

    @property
    def tls_server_name(self) -> str | None: ...

    def authorization(self) -> str | None: ...

    def force_refresh(self) -> None: ...


class ApiClient:
    """A thin, typed wrapper over one `aiohttp.ClientSession` per exporter."""

    def __init__(self, credentials: Credentials, *, connect_timeout: float = 10.0) -> None:
        self._credentials = credentials
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(ssl=self._credentials.ssl, limit=0)
            self._session = aiohttp.ClientSession(
                base_url=self._credentials.host,
                connector=connector,
                headers={"Accept": "application/json", "User-Agent": "rollout-exporter"},
                # Watches are long-lived: only the connect phase has a fixed budget;
                # stalled reads are caught by the caller's inactivity timeout.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=self._connect_timeout),
                auto_decompress=True,
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _headers(self) -> dict[str, str]:
        token = self._credentials.authorization()
        return {"Authorization": token} if token else {}

    @asynccontextmanager
    async def _request(
        self, path: str, params: Mapping[str, str]
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """GET `path`, retrying once after a credential refresh on 401."""
        session = self._ensure_session()
        for attempt in (1, 2):
            try:
                response = await session.get(
                    path,
                    params=params,
                    headers=self._headers(),
                    server_hostname=self._credentials.tls_server_name,
                )
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise APIConnectionError(f"GET {path}: {exc or type(exc).__name__}") from exc
            try:
                if response.status >= 400:
                    body = await _read_error_body(response)
                    error = error_from_status(
                        decode_status(body),
                        http_code=response.status,
                        retry_after=response.headers.get("Retry-After"),
                    )
                    if isinstance(error, Unauthorized) and attempt == 1:
                        self._credentials.force_refresh()
                        continue
                    raise error
                yield response
                return
            finally:
                response.release()
        raise AssertionError("unreachable")  # pragma: no cover

    async def get(self, path: str, params: Mapping[str, str]) -> bytes:
        """GET a whole JSON body, e.g. one list page."""
        async with self._request(path, params) as response:
            try:
                return await response.read()
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                raise APIConnectionError(f"GET {path}: reading body: {exc}") from exc

    async def stream(
        self, path: str, params: Mapping[str, str], *, inactivity_timeout: float
    ) -> AsyncIterator[bytes]:
        """Yield the JSON lines of a watch stream until the server ends it cleanly.

        Raises `APIConnectionError` when the connection breaks or stays silent for
        `inactivity_timeout` seconds (bookmarks count as activity).
        """
        async with self._request(path, params) as response:

            async def read_chunk() -> bytes:
                try:
                    async with asyncio.timeout(inactivity_timeout):
                        return await response.content.readany()
                except TimeoutError as exc:
                    raise APIConnectionError(
                        f"watch {path}: no data for {inactivity_timeout:g}s", reason="inactivity"
                    ) from exc
                except (aiohttp.ClientError, OSError) as exc:
                    raise APIConnectionError(f"watch {path}: {exc or type(exc).__name__}") from exc

            async for line in iter_lines(read_chunk):
                yield line


async def _read_error_body(response: aiohttp.ClientResponse) -> bytes:
    try:
        return await response.content.read(64 * 1024)
    except (TimeoutError, aiohttp.ClientError, OSError):
        return b""


__all__ = ["APIError", "ApiClient", "Credentials"]
