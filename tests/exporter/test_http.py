"""/metrics as Prometheus sees it: both formats, gzip, and `promtool check metrics`."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import subprocess
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import rollout_completes
from tests.harness import RunningExporter, eventually, new_sim, running_exporter

README = Path(__file__).resolve().parents[2] / "README.md"
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
"""The Accept header Prometheus 2.x sends."""


@pytest.fixture
async def exporter(tmp_path: Path) -> AsyncIterator[RunningExporter]:
    cluster = Cluster(clock=ManualClock())
    rollout_completes.start(cluster, namespace="shop").run_to_end()
    async with new_sim(cluster) as server, running_exporter(server, tmp_path) as running:
        await eventually(running.exporter.is_ready, what="ready")
        yield running


@dataclass(frozen=True)
class Scrape:
    headers: Mapping[str, str]
    body: bytes


async def scrape(url: str, headers: dict[str, str]) -> Scrape:
    async with (
        aiohttp.ClientSession(auto_decompress=False) as session,
        session.get(
            url + "/metrics", headers={"Accept-Encoding": "identity", **headers}
        ) as response,
    ):
        return Scrape(response.headers, await response.read())


def type_lines(exposition: bytes) -> list[bytes]:
    return [line for line in exposition.splitlines() if line.startswith(b"# TYPE")]


def promtool_check(text: str) -> str:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is required: the test command installs Debian's prometheus"
    result = subprocess.run(
        [promtool, "check", "metrics"], input=text, capture_output=True, text=True, check=False
    )
    return (result.stdout + result.stderr).strip()


async def test_text_format_is_clean_for_promtool(exporter: RunningExporter) -> None:
    response = await scrape(exporter.url, {"Accept": "text/plain", "Accept-Encoding": "identity"})
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.body.decode()
    families = {family.name: family for family in parse_text(text)}
    listed = {
        s.labels["kind"]: s.value for s in families["rollout_exporter_listed_objects"].samples
    }
    assert listed["pods"] > 0
    assert listed["deployments"] > 0
    assert promtool_check(text) == ""


async def test_openmetrics_when_prometheus_asks(exporter: RunningExporter) -> None:
    response = await scrape(exporter.url, {"Accept": PROMETHEUS_ACCEPT})
    assert response.headers["Content-Type"].startswith(
        "application/openmetrics-text; version=1.0.0"
    )
    text = response.body.decode()
    assert text.endswith("# EOF\n")
    names = {family.name for family in parse_om(text)}
    assert "rollout_exporter_watch_events" in names


async def test_gzip_when_accepted(exporter: RunningExporter) -> None:
    plain = (await scrape(exporter.url, {"Accept-Encoding": "identity"})).body
    response = await scrape(exporter.url, {"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    unzipped = gzip.decompress(response.body)
    # Sample values move between scrapes (scrape durations); the families do not.
    assert type_lines(unzipped) == type_lines(plain)


async def test_landing_page_links_the_endpoints(exporter: RunningExporter) -> None:
    async with aiohttp.ClientSession() as session, session.get(exporter.url + "/") as response:
        page = await response.text()
    for link in ('href="/metrics"', 'href="/healthz"', 'href="/readyz"'):
        assert link in page


async def test_the_readme_lists_every_self_metric_exported(exporter: RunningExporter) -> None:
    """The README's "Self-metrics" table names every rollout_exporter_* family."""
    readme = await asyncio.to_thread(README.read_text)
    table = readme.split("\n## Self-metrics\n", 1)[1].split("\n## ", 1)[0]
    response = await scrape(exporter.url, {"Accept": "text/plain"})
    exported = {
        family.name
        for family in parse_text(response.body.decode())
        if family.name.startswith("rollout_exporter_")
    }
    assert "rollout_exporter_start_time_seconds" in exported
    assert sorted(name for name in exported if f"`{name}" not in table) == []
