"""Every request needs a currently accepted bearer token; failures are real Status 401s."""

from __future__ import annotations

import aiohttp
import pytest

from exporter.sim.server import SimulatedApiServer

from .conftest import TOKEN

UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


@pytest.mark.parametrize(
    ("headers", "path"),
    [
        pytest.param({}, "/api/v1/pods", id="missing-header"),
        pytest.param({"Authorization": "Bearer wrong"}, "/api/v1/pods", id="wrong-token"),
        pytest.param({"Authorization": f"Basic {TOKEN}"}, "/api/v1/pods", id="wrong-scheme"),
        pytest.param({}, "/healthz", id="even-healthz"),
        pytest.param({}, "/apis/nope/v1/things", id="before-routing"),
    ],
)
async def test_unauthenticated_requests_get_401_status(
    server: SimulatedApiServer, headers: dict[str, str], path: str
) -> None:
    async with (
        aiohttp.ClientSession(server.url) as session,
        session.get(path, headers=headers) as response,
    ):
        assert response.status == 401
        assert response.content_type == "application/json"
        assert await response.json() == UNAUTHORIZED


async def test_rotated_tokens_take_effect_immediately(server: SimulatedApiServer) -> None:
    server.set_tokens(["new-token"])
    async with aiohttp.ClientSession(server.url) as session:
        old = await session.get("/api/v1/pods", headers={"Authorization": f"Bearer {TOKEN}"})
        new = await session.get("/api/v1/pods", headers={"Authorization": "bearer new-token"})
        old.release()
        new.release()
    assert (old.status, new.status) == (401, 200)
