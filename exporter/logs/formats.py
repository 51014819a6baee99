"""The access-log formats by name, in the order detection tries them.

A format is a name and a `parse(line, timestamp)` that returns a record or the reason it
did not; `json` says its lines are JSON objects, so detection only offers `{` lines to it.
Text formats are plain functions; JSON formats are objects holding a decoder built from
their key mapping, one per stream parser. Each also has a factory for the counting entry
point a stream calls per line once it has settled on the format: ingress-nginx's is its own
hot path, the others wrap `parse`.
"""

from __future__ import annotations

from dataclasses import dataclass

from exporter.logs import envoy, nginx, nginx_json, traefik
from exporter.logs.entry import Parse, StreamParserFactory, counting_parser
from exporter.logs.json_keys import ENVOY_JSON_KEYS, NGINX_JSON_KEYS, JsonKeys


@dataclass(frozen=True, slots=True)
class LineFormat:
    """One supported access-log format.

    `parse` returns the skip reason and is what detection tries; `stream_parser` builds the
    counting per-line entry a stream uses once it has settled on the format.
    """

    name: str
    parse: Parse
    json: bool
    stream_parser: StreamParserFactory


FORMAT_NAMES = (
    nginx.NAME,
    traefik.CLF_NAME,
    envoy.TEXT_NAME,
    nginx_json.NAME,
    traefik.JSON_NAME,
    envoy.JSON_NAME,
)
"""Every format a stream can be set to, besides `auto`."""


def build_formats(
    *,
    nginx_json_keys: JsonKeys = NGINX_JSON_KEYS,
    envoy_json_keys: JsonKeys = ENVOY_JSON_KEYS,
) -> tuple[LineFormat, ...]:
    """Fresh parsers for one stream, ingress-nginx first: it is the common case."""
    text: tuple[tuple[str, Parse], ...] = (
        (traefik.CLF_NAME, traefik.parse_clf),
        (envoy.TEXT_NAME, envoy.parse_text),
    )
    json: tuple[tuple[str, Parse], ...] = (
        (nginx_json.NAME, nginx_json.NginxJsonFormat(nginx_json_keys).parse),
        (traefik.JSON_NAME, traefik.TraefikJsonFormat().parse),
        (envoy.JSON_NAME, envoy.EnvoyJsonFormat(envoy_json_keys).parse),
    )
    return (
        LineFormat(nginx.NAME, nginx.parse, json=False, stream_parser=nginx.stream_parser),
        *(LineFormat(name, parse, False, counting_parser(parse)) for name, parse in text),
        *(LineFormat(name, parse, True, counting_parser(parse)) for name, parse in json),
    )
