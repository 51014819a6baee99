"""The README's first command really starts a demo whose metrics move, and, with Prometheus
and Alertmanager installed, prints the page the on-call engineer would receive.

Two demo processes (the README's `scripts/demo`) start together for the module: one at 30x
scenario speed, where alerting is off (Prometheus's time() is the wall clock), and one in
real time with `--demo.alerting`, whose first page comes some three minutes in. Each is
stopped by the PID this module started.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from exporter.ingress.families import INGRESS_FAMILIES
from exporter.loopback.daemons import free_port
from exporter.rollout.families import ALL_FAMILIES

ROOT = Path(__file__).resolve().parent.parent
INGRESS = "ingress-502-rollout"
FIRST_PAGE_WITHIN = 360.0
"""Wall seconds from the start to the 502 page: the rollout about a minute in, the alert's
`for: 1m`, Alertmanager's `group_wait: 30s`, and slack for a loaded machine."""


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            body: bytes = response.read()
            return body.decode()
    except OSError:
        return None


@dataclass
class Demo:
    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        return self.log.read_text()

    def scrape(self) -> str | None:
        assert self.process.poll() is None, self.output()
        return fetch(self.url + "/metrics")

    def stop(self) -> int:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout=30)


def start_demo(workdir: Path, *args: str) -> Demo:
    port = free_port()
    log = workdir / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(ROOT / "scripts" / "demo"), "--web.listen-address", f"127.0.0.1:{port}", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Demo(f"http://127.0.0.1:{port}", log, process)


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Demo]]:
    fast = start_demo(tmp_path_factory.mktemp("demo"), "--demo.speed", "30")
    alerting = start_demo(tmp_path_factory.mktemp("alerting-demo"), "--demo.alerting")
    try:
        yield fast, alerting
    finally:
        for demo in (fast, alerting):
            demo.stop()


@pytest.fixture(scope="module")
def demo(demos: tuple[Demo, Demo]) -> Demo:
    return demos[0]


@pytest.fixture(scope="module")
def alerting_demo(demos: tuple[Demo, Demo]) -> Demo:
    return demos[1]


def test_demo_serves_nonzero_self_metrics(demo: Demo) -> None:
    deadline = time.monotonic() + 120
    events = 0.0
    while time.monotonic() < deadline and not events:
        text = demo.scrape()
        for family in text_string_to_metric_families(text or ""):
            if family.name == "rollout_exporter_watch_events":
                events = sum(s.value for s in family.samples if s.labels["kind"] == "pods")
        time.sleep(0.5)
    assert events > 0, "no pod watch events seen"
    assert fetch(demo.url + "/readyz") == "ready\n"


def test_every_rollout_family_moves_during_the_scenarios(demo: Demo) -> None:
    """Each family shows a non-zero sample at some point while the scenarios loop."""
    suffix = {"counter": "_total", "histogram": "_count", "info": "_info"}
    families = (*ALL_FAMILIES, *INGRESS_FAMILIES)
    wanted = {spec.name + suffix.get(spec.type, "") for spec in families}
    moved: set[str] = set()
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and moved != wanted:
        for family in text_string_to_metric_families(demo.scrape() or ""):
            moved.update(s.name for s in family.samples if s.name in wanted and s.value != 0)
        time.sleep(1)
    assert moved == wanted, f"never moved: {sorted(wanted - moved)}"


def test_a_compressed_demo_says_why_it_runs_no_alerting(demo: Demo) -> None:
    assert "  alerting:             off (alerting needs --demo.speed 1 (not 30)" in demo.output()


@dataclass(frozen=True)
class Page:
    header: str
    summary: str
    """The incident's title, its wrapped lines joined."""
    fields: dict[str, str]


def printed_pages(output: str) -> list[Page]:
    """The PagerDuty events the demo printed: a header line, the summary, then fields
    ("  name      value", continued on lines indented by 12)."""
    pages = []
    for block in re.split(r"^(?=━━ PagerDuty )", output, flags=re.MULTILINE)[1:]:
        header, *lines = block.splitlines()
        summary = []
        fields: dict[str, str] = {}
        name = ""
        for line in lines:
            if not line.startswith(" "):
                if fields:
                    break  # what the demo printed next
                summary.append(line)
            elif line.startswith(" " * 12) and name:
                fields[name] += " " + line.strip()
            else:
                name, _, value = line.strip().partition(" ")
                fields[name] = value.strip()
        pages.append(Page(header, " ".join(summary), fields))
    return pages


def wait_for_page(demo: Demo, namespace: str, *, within: float) -> Page:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        assert demo.process.poll() is None, demo.output()
        for page in printed_pages(demo.output()):
            if f" {namespace}/" in page.summary:
                return page
        time.sleep(1)
    raise AssertionError(f"no page about {namespace} within {within:g}s:\n{demo.output()}")


def banner_url(demo: Demo, name: str) -> str:
    found = re.search(rf"^  {name}: +(http://127\.0\.0\.1:\d+)", demo.output(), re.MULTILINE)
    assert found, demo.output()
    return found.group(1)


def test_the_alerting_demo_runs_prometheus_and_alertmanager_on_loopback(
    alerting_demo: Demo,
) -> None:
    deadline = time.monotonic() + 60
    while "Ctrl-C stops everything." not in alerting_demo.output():
        assert time.monotonic() < deadline, alerting_demo.output()
        assert alerting_demo.process.poll() is None, alerting_demo.output()
        time.sleep(0.5)
    for name in ("Prometheus", "Alertmanager"):
        assert fetch(banner_url(alerting_demo, name) + "/-/ready") is not None, name
    rules = fetch(banner_url(alerting_demo, "Prometheus") + "/api/v1/rules") or ""
    assert '"name":"RolloutIngress5xxDuringRollout"' in rules
    assert '"name":"RolloutTooLong"' in rules


def test_the_alerting_demo_prints_the_page_for_502s_during_its_rollout(
    alerting_demo: Demo,
) -> None:
    page = wait_for_page(alerting_demo, INGRESS, within=FIRST_PAGE_WITHIN)
    assert page.header.startswith("━━ PagerDuty TRIGGER · critical · ")
    found = re.fullmatch(
        rf"Deployment {INGRESS}/web serves 5xx while revision (\w+) "
        r"\(registry\.example/web:1\.1\) rolls out: mostly cause=(refused|no_route) from "
        r"(terminating|gone) Pods of revision (\w+)\.",
        page.summary,
    )
    assert found, page.summary
    new, cause, state, old = found.groups()
    assert new != old
    assert page.fields["alert"] == "RolloutIngress5xxDuringRollout"
    assert page.fields["workload"] == f"{INGRESS} Deployment/web"
    assert page.fields["revision"] == f"{new} (registry.example/web:1.1)"
    assert f"By cause: {cause} from {state} Pods of {old}" in page.fields["details"]
    assert page.fields["runbook"].endswith("/docs/runbooks/RolloutIngress5xxDuringRollout.md")
    assert re.fullmatch(r"dedup_key [0-9a-f]{64}", page.fields["incident"])
    # By then the clean rollout (rollout-completes) has rolled out: it paged nobody.
    pages = printed_pages(alerting_demo.output())
    assert not [p for p in pages if "rollout-completes" in p.summary]


def test_stopping_the_demo_stops_its_prometheus_and_alertmanager(alerting_demo: Demo) -> None:
    urls = [banner_url(alerting_demo, name) for name in ("Prometheus", "Alertmanager")]
    assert alerting_demo.stop() == 0, alerting_demo.output()
    assert [fetch(url + "/-/ready") for url in urls] == [None, None]
