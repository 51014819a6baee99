"""The fixture lines and what each must parse to, as data for the tests.

Each `fixtures/NAME.log` holds raw lines as the proxies write them (anonymised: pods in
10.244.0.0/16, clients in 192.0.2.0/24, hosts under example.com); `NAME.expected.yaml`
says, line by line, what each becomes and why. Omitted record fields are the defaults, so
every field of every record is checked.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from exporter.logs import (
    AccessRecord,
    ErrorCause,
    ErrorPhase,
    ErrorRecord,
    SkipReason,
    UpstreamAttempt,
)
from exporter.logs.json_keys import NGINX_JSON_KEYS, JsonKeys

FIXTURES = Path(__file__).parent / "fixtures"

FORMAT_OF = {
    "nginx_upstreaminfo": "nginx",
    "nginx_upstreaminfo_old": "nginx",
    "nginx_mangled": "nginx",
    "nginx_error": "nginx",
    "nginx_json": "nginx-json",
    "nginx_json_custom": "nginx-json",
    "traefik_clf": "traefik",
    "traefik_json": "traefik-json",
    "envoy": "envoy",
    "envoy_istio": "envoy",
    "envoy_json": "envoy-json",
}
"""Each fixture file and the format its stream is set to."""

CUSTOM_NGINX_KEYS = NGINX_JSON_KEYS.with_overrides(
    {
        "status": "code",
        "time": "ts",
        "upstream_addr": "backend",
        "upstream_status": "backend_code",
        "upstream_response_time": "backend_seconds",
        "upstream_name": "service",
        "request_id": "trace",
        "method": "verb",
    }
)
"""The mapping an operator would configure for nginx_json_custom.log."""


def json_keys_for(stem: str) -> JsonKeys:
    return CUSTOM_NGINX_KEYS if stem == "nginx_json_custom" else NGINX_JSON_KEYS


def read_lines(path: Path) -> list[str]:
    """The file's lines without their newlines; a blank line stays a line."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def epoch(value: Any) -> float:
    """A YAML timestamp (taken as UTC when it has no zone) or a number, as epoch seconds."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return float(value.timestamp())
    return float(value)


def expected_record(fields: dict[str, Any]) -> AccessRecord:
    return AccessRecord(
        timestamp=epoch(fields["timestamp"]),
        status=fields["status"],
        upstreams=tuple(UpstreamAttempt(*attempt) for attempt in fields.get("upstreams", ())),
        upstream_name=fields.get("upstream_name"),
        alternative_upstream_name=fields.get("alternative_upstream_name"),
        request_id=fields.get("request_id"),
        method=fields.get("method"),
        duration=fields.get("duration"),
        retries=fields.get("retries", 0),
        response_flags=frozenset(fields.get("response_flags", ())),
        host=fields.get("host"),
        router=fields.get("router"),
    )


def expected_error(fields: dict[str, Any]) -> ErrorRecord:
    phase = fields.get("phase")
    return ErrorRecord(
        timestamp=epoch(fields["timestamp"]),
        cause=ErrorCause(fields["cause"]),
        upstream_address=fields.get("upstream_address"),
        upstream_name=fields.get("upstream_name"),
        phase=ErrorPhase(phase) if phase is not None else None,
        request_id=fields.get("request_id"),
        method=fields.get("method"),
        host=fields.get("host"),
        connection=fields.get("connection"),
    )


@dataclass(frozen=True)
class Case:
    """One fixture line and what it must become."""

    stem: str
    number: int
    line: str
    why: str
    expected: AccessRecord | ErrorRecord | SkipReason

    @property
    def format(self) -> str:
        return FORMAT_OF[self.stem]

    @property
    def id(self) -> str:
        return f"{self.stem}:{self.number} {self.why}"


def load_cases() -> list[Case]:
    cases = []
    for stem in FORMAT_OF:
        lines = read_lines(FIXTURES / f"{stem}.log")
        entries = yaml.safe_load((FIXTURES / f"{stem}.expected.yaml").read_text("utf-8"))
        if len(entries) != len(lines):
            raise AssertionError(f"{stem}: {len(lines)} lines but {len(entries)} expectations")
        for number, (line, entry) in enumerate(zip(lines, entries, strict=True), start=1):
            expected: AccessRecord | ErrorRecord | SkipReason
            if "record" in entry:
                expected = expected_record(entry["record"])
            elif "error" in entry:
                expected = expected_error(entry["error"])
            else:
                expected = SkipReason(entry["skip"])
            cases.append(Case(stem, number, line, entry["why"], expected))
    return cases


CASES = load_cases()
"""Every fixture line, loaded once for all the tests that use them."""
