"""The ingress-nginx parser's paths: what the fast path learns, and when it steps aside."""

from __future__ import annotations

import pytest

from exporter.logs import AccessRecord, nginx
from exporter.logs.caches import clear_caches

from .cases import FIXTURES, read_lines

LINE, CANARY = read_lines(FIXTURES / "nginx_upstreaminfo.log")[:2]


def _fail(*_args: object) -> None:
    raise AssertionError("the fast path should have read this line")


def test_the_fast_path_reads_a_line_once_its_second_and_names_are_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_caches()
    first = nginx.parse(LINE)  # learns the second and the upstream name
    monkeypatch.setattr(nginx, "_parse_tokens", _fail)
    other_pod = LINE.replace("10.244.1.7:8080", "10.244.9.9:8080").replace(" 200 7a1e", " 503 7a1e")
    record = nginx.parse(other_pod)
    assert isinstance(first, AccessRecord)
    assert isinstance(record, AccessRecord)
    assert record.upstreams[0].address == "10.244.9.9:8080"
    assert record.upstreams[0].status == 503


def test_a_new_second_or_name_is_read_without_the_regex_and_learnt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clear_caches()
    monkeypatch.setattr(nginx, "PATTERN", None)  # the slow path would fail on it
    record = nginx.parse(CANARY)
    assert isinstance(record, AccessRecord)
    assert record.alternative_upstream_name == "shop-checkout-canary-8080"
    monkeypatch.setattr(nginx, "_parse_tokens", _fail)
    assert nginx.parse(CANARY) == record


@pytest.mark.parametrize("timestamp", [None, 1.5])
def test_every_path_builds_the_same_record(timestamp: float | None) -> None:
    clear_caches()
    slow = nginx.parse_slow(LINE, timestamp)
    clear_caches()
    cold = nginx.parse(LINE, timestamp)
    warm = nginx.parse(LINE, timestamp)
    assert slow == cold == warm


def test_with_an_external_time_the_time_field_is_still_delimited() -> None:
    """The field is not read, but a `]` inside it breaks the line, as it does for the regex."""
    broken = LINE.replace("09:12:31 +0000", "09:12:31 +00]0")
    assert nginx.parse(broken, 1.5) == nginx.parse_slow(broken, 1.5)
    assert not isinstance(nginx.parse(broken, 1.5), AccessRecord)
