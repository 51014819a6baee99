from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.server import SimulatedApiServer

from .wire import Api

TOKEN = "sim-token"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def cluster(clock: ManualClock) -> Cluster:
    return Cluster(clock=clock, history_size=50)


@pytest.fixture
async def server(cluster: Cluster) -> AsyncIterator[SimulatedApiServer]:
    async with SimulatedApiServer(
        cluster, token=TOKEN, bookmark_interval=0.2, fresh_wait=0.2, page_size_cap=500
    ) as running:
        yield running


@pytest.fixture
async def api(server: SimulatedApiServer) -> AsyncIterator[Api]:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(server.url, headers=headers, timeout=timeout) as session:
        yield Api(session)
