"""`ingress_502_rollout`: the controller's log tells the story the cluster objects tell.

Every line is checked against the pods as they were when it was written: an address that
answered belonged to a running pod, a refused connect to a pod being deleted, and the
502s clients saw are exactly the requests whose every try was refused.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import datetime

import pytest

from exporter.logs import AccessRecord, ErrorCause, ErrorRecord, StreamParser
from exporter.sim.clock import ManualClock
from exporter.sim.cluster import Cluster
from exporter.sim.logs import LogLine
from exporter.sim.scenarios import TICK, ingress_502_rollout
from exporter.sim.scenarios.ingress_traffic import CONTROLLER_CONTAINER, CONTROLLER_NAMESPACE
from exporter.sim.scenarios.nginx_lines import time_local
from exporter.sim.selectors import parse_label_selector

NS = "shop"
UPSTREAM = "shop-web-80"


@dataclass
class Snapshot:
    """The controller log and the web pods' addresses after one step of the scenario."""

    at: datetime
    lines: list[LogLine]
    addresses: dict[str, str]
    """web pod name → podIP, for pods that had one."""
    terminating: set[str]
    """Names of web pods with a deletionTimestamp."""
    running: set[str]
    """Addresses of web pods whose app accepts connections: running, not deleted."""


@dataclass
class Story:
    checkpoints: dict[str, Snapshot]
    steps: list[Snapshot]

    def __getitem__(self, name: str) -> Snapshot:
        return self.checkpoints[name]

    def state_at(self, moment: float) -> Snapshot:
        """The pods as they were at `moment`: they change only when a step runs."""
        times = [step.at.timestamp() for step in self.steps]
        return self.steps[bisect.bisect_right(times, moment) - 1]


def snapshot(cluster: Cluster, namespace: str) -> Snapshot:
    (controller,) = cluster.list("pods", CONTROLLER_NAMESPACE)
    log = cluster.logs.log(
        CONTROLLER_NAMESPACE, controller["metadata"]["name"], CONTROLLER_CONTAINER
    )
    pods = cluster.list("pods", namespace)
    return Snapshot(
        cluster.clock.now(),
        log.lines(),
        {p["metadata"]["name"]: p["status"]["podIP"] for p in pods if p["status"].get("podIP")},
        {p["metadata"]["name"] for p in pods if "deletionTimestamp" in p["metadata"]},
        {
            p["status"]["podIP"]
            for p in pods
            if "deletionTimestamp" not in p["metadata"]
            and p["status"].get("podIP")
            and all("running" in cs["state"] for cs in p["status"]["containerStatuses"])
        },
    )


def play(cluster: Cluster, namespace: str = NS) -> Story:
    run = ingress_502_rollout.start(cluster, namespace=namespace)
    story = Story({}, [])
    while (checkpoint := run.step()) is not None:
        story.steps.append(snapshot(cluster, namespace))
        if checkpoint.name != TICK:
            story.checkpoints[checkpoint.name] = story.steps[-1]
    return story


@pytest.fixture(scope="module")
def story() -> Story:
    return play(Cluster(clock=ManualClock()))


def parsed(lines: list[LogLine]) -> list[AccessRecord | ErrorRecord]:
    parser = StreamParser()
    records = []
    for line in lines:
        record = parser.parse(line.text, line.at.timestamp())
        assert record is not None, f"the parser skipped {line.text!r}: {parser.stats.skipped}"
        records.append(record)
    return records


def accesses(lines: list[LogLine]) -> list[AccessRecord]:
    return [r for r in parsed(lines) if isinstance(r, AccessRecord)]


def addresses(record: AccessRecord) -> list[str]:
    return [attempt.address or "" for attempt in record.upstreams]


def test_the_controller_is_the_one_pod_the_chart_selector_finds() -> None:
    cluster = Cluster(clock=ManualClock())
    ingress_502_rollout.start(cluster, namespace=NS).step()
    selector = parse_label_selector(
        "app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller"
    )
    (controller,) = [p for p in cluster.list("pods", CONTROLLER_NAMESPACE) if selector.matches(p)]
    assert [c["name"] for c in controller["spec"]["containers"]] == [CONTROLLER_CONTAINER]
    assert controller["status"]["containerStatuses"][0]["ready"] is True
    assert controller["status"]["podIPs"] == [{"ip": controller["status"]["podIP"]}]


def test_every_line_parses_as_an_ingress_nginx_access_or_error_line(
    story: Story,
) -> None:
    records = parsed(story["reused-ip-serving"].lines)
    assert {type(record) for record in records} == {AccessRecord, ErrorRecord}


def test_lines_are_in_time_order_and_the_access_time_is_the_write_time(
    story: Story,
) -> None:
    lines = story["reused-ip-serving"].lines
    assert [line.at for line in lines] == sorted(line.at for line in lines)
    for line in lines:
        if not line.text[:4].isdigit():
            assert f"[{time_local(line.at)}]" in line.text


def test_before_the_pods_are_ready_the_controller_answers_503_without_upstream(
    story: Story,
) -> None:
    records = accesses(story["steady"].lines)
    early = [r for r in records if r.status == 503]
    assert early, "no 503 while web had no ready endpoint"
    assert all(r.upstreams == () and r.upstream_name == UPSTREAM for r in early)
    assert records[0].status == 503
    assert {r.status for r in records[len(early) :]} <= {200, 201}


def test_one_request_fails_in_the_app_during_the_steady_spell(
    story: Story,
) -> None:
    steady = len(story["steady"].lines)
    spell = story["steady-for-a-while"].lines[steady:]
    app_errors = [r for r in accesses(spell) if r.status == 502]
    (app_error,) = app_errors
    ((attempt),) = app_error.upstreams
    ip = (attempt.address or "").rsplit(":", 1)[0]
    assert (attempt.status, ip in story["steady"].addresses.values()) == (502, True)
    assert "62 0." in next(line.text for line in spell if " 502 62 " in line.text)
    assert not any(isinstance(r, ErrorRecord) for r in parsed(spell))


def test_old_pods_are_tried_while_terminating_and_refuse_connections(
    story: Story,
) -> None:
    terminating = story["old-pods-terminating"]
    old_addresses = {terminating.addresses[name] for name in terminating.terminating}
    assert len(old_addresses) == 3
    rolled = story["rolled-out"].lines[len(terminating.lines) :]
    errors = [r for r in parsed(rolled) if isinstance(r, ErrorRecord)]
    assert errors, "no refused connect to a terminating pod"
    assert {e.cause for e in errors} == {ErrorCause.REFUSED}
    assert {(e.upstream_address or "").rsplit(":", 1)[0] for e in errors} <= old_addresses
    refused = [r for r in accesses(rolled) if any(a.status == 502 for a in r.upstreams)]
    all_failed = [r for r in refused if r.status == 502]
    recovered = [r for r in refused if r.status in (200, 201)]
    assert all_failed
    assert recovered
    assert all(len(r.upstreams) == 3 for r in all_failed)
    for record in refused:
        failed = [a for a in record.upstreams if a.status == 502]
        assert {(a.address or "").rsplit(":", 1)[0] for a in failed} <= old_addresses
    assert len(errors) == sum(sum(1 for a in r.upstreams if a.status == 502) for r in refused)


def test_every_try_went_to_an_address_a_pod_held_at_that_moment(story: Story) -> None:
    for record in accesses(story["reused-ip-serving"].lines):
        then = story.state_at(record.timestamp - (record.duration or 0.0))
        deleted = {then.addresses[name] for name in then.terminating}
        app_error = record.status == 502 and len(record.upstreams) == 1
        for attempt in record.upstreams:
            ip, port = (attempt.address or "").rsplit(":", 1)
            answered = attempt.status != 502 or app_error
            assert port == "8080"
            assert ip in (then.running if answered else deleted), (record, then.at)


def test_a_new_pod_serves_on_an_address_an_old_pod_had(story: Story) -> None:
    old = story["old-pods-terminating"]
    old_addresses = {old.addresses[name] for name in old.terminating}
    reused = story["ip-reused"]
    (new_holder,) = [
        name
        for name, ip in reused.addresses.items()
        if ip in old_addresses and name not in old.addresses
    ]
    address = reused.addresses[new_holder]
    later = story["reused-ip-serving"].lines[len(reused.lines) :]
    served = [r for r in accesses(later) if f"{address}:8080" in addresses(r)]
    assert served
    assert all(r.status in (200, 201) for r in served)


def test_two_runs_write_the_same_log() -> None:
    first = play(Cluster(clock=ManualClock()))
    second = play(Cluster(clock=ManualClock()))
    assert first["reused-ip-serving"].lines == second["reused-ip-serving"].lines


def test_runs_in_two_namespaces_share_one_controller_and_never_share_an_address() -> None:
    cluster = Cluster(clock=ManualClock())
    play(cluster, "one")
    play(cluster, "two")
    (controller,) = cluster.list("pods", CONTROLLER_NAMESPACE)
    log = cluster.logs.log(
        CONTROLLER_NAMESPACE, controller["metadata"]["name"], CONTROLLER_CONTAINER
    )
    upstreams = {re.search(r"\[(one|two)-web-80\]", line.text) for line in log.lines()}
    assert {m.group(1) for m in upstreams if m} == {"one", "two"}
    live = [p["status"]["podIP"] for p in cluster.list("pods") if p["status"].get("podIP")]
    assert len(live) == len(set(live))
