"""Key mappings for JSON access logs: overrides from configuration, and how keys are read."""

from __future__ import annotations

import json

import pytest

from exporter.logs import ENVOY_JSON_KEYS, NGINX_JSON_KEYS, AccessRecord, StreamParser


def test_an_override_replaces_a_fields_keys() -> None:
    keys = NGINX_JSON_KEYS.with_overrides({"status": "code", "upstream_addr": ["peer", "peers"]})
    assert keys.status == ("code",)
    assert keys.upstream_addr == ("peer", "peers")
    assert keys.upstream_status == NGINX_JSON_KEYS.upstream_status


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"stauts": "code"}, "unknown JSON log field 'stauts'", id="typo"),
        pytest.param({"status": []}, "'status' needs one or more", id="no key"),
        pytest.param({"status": ""}, "'status' needs one or more", id="empty key"),
    ],
)
def test_a_bad_override_names_the_field(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        NGINX_JSON_KEYS.with_overrides(overrides)  # type: ignore[arg-type]


def test_the_first_present_candidate_key_wins_and_absent_values_are_skipped() -> None:
    """`-`, empty strings and null mean 'not logged': the next candidate key is read."""
    parser = StreamParser("nginx-json")
    line = {
        "status": 200,
        "time_iso8601": "-",
        "time_local": "",
        "msec": None,
        "@timestamp": "2024-05-14T09:12:31Z",
        "req_id": "-",
        "request_id": "abc",
        "host": "shop.example.com",
        "vhost": "ignored.example.com",
    }
    record = parser.parse(json.dumps(line))
    assert isinstance(record, AccessRecord)
    assert record.timestamp == 1715677951.0
    assert record.request_id == "abc"
    assert record.host == "shop.example.com"


def test_envoy_keys_can_be_remapped_too() -> None:
    keys = ENVOY_JSON_KEYS.with_overrides({"status": "code", "upstream_addr": "backend"})
    parser = StreamParser("envoy-json", envoy_json_keys=keys)
    line = {"start_time": "2024-05-14T09:12:31Z", "code": 503, "backend": "10.244.1.7:8080"}
    record = parser.parse(json.dumps(line))
    assert isinstance(record, AccessRecord)
    assert record.status == 503
    assert record.upstreams[0].address == "10.244.1.7:8080"
