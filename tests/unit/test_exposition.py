"""Exposition primitives and cached families."""

from __future__ import annotations

import math

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from exporter.metrics.exposition import format_labels, format_value, join_labels, sample
from exporter.metrics.family import FamilySpec, MetricFamily
from exporter.metrics.registry import ExpositionRegistry


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (0.0, "0"),
        (-3.0, "-3"),
        (0.25, "0.25"),
        (1e16, "1e+16"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
        (1763856000.5, "1763856000.5"),
    ],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("labels", "text"),
    [
        ((), ""),
        ((("a", "1"),), '{a="1"}'),
        (
            (("a", 'say "hi"'), ("b", "back\\slash"), ("c", "two\nlines")),
            '{a="say \\"hi\\"",b="back\\\\slash",c="two\\nlines"}',
        ),
    ],
)
def test_format_labels_escapes(labels: tuple[tuple[str, str], ...], text: str) -> None:
    assert format_labels(labels) == text


@pytest.mark.parametrize(
    ("base", "extra", "joined"),
    [('{a="1"}', 'b="2"', '{a="1",b="2"}'), ("", 'b="2"', '{b="2"}'), ('{a="1"}', "", '{a="1"}')],
)
def test_join_labels(base: str, extra: str, joined: str) -> None:
    assert join_labels(base, extra) == joined


def test_escaped_values_parse_back() -> None:
    labels = format_labels((("v", 'q"\\\n'),))
    text = "# TYPE m gauge\n" + sample("m", labels, 2)
    (family,) = text_string_to_metric_families(text)
    assert family.samples[0].labels == {"v": 'q"\\\n'}


@pytest.mark.parametrize(
    ("spec", "text_header", "om_header"),
    [
        (
            FamilySpec("x_up", "Up.", "gauge"),
            "# HELP x_up Up.\n# TYPE x_up gauge\n",
            "# HELP x_up Up.\n# TYPE x_up gauge\n",
        ),
        (
            FamilySpec("x_oom", "OOMs.", "counter"),
            "# HELP x_oom_total OOMs.\n# TYPE x_oom_total counter\n",
            "# HELP x_oom OOMs.\n# TYPE x_oom counter\n",
        ),
        (
            FamilySpec("x_revision", "Rev.", "info"),
            "# HELP x_revision_info Rev.\n# TYPE x_revision_info gauge\n",
            "# HELP x_revision Rev.\n# TYPE x_revision info\n",
        ),
    ],
)
def test_family_headers(spec: FamilySpec, text_header: str, om_header: str) -> None:
    assert spec.header(openmetrics=False).decode() == text_header
    assert spec.header(openmetrics=True).decode() == om_header


def test_family_caches_body_until_changed() -> None:
    family = MetricFamily(FamilySpec("m", "h", "gauge"))
    family.set("a", b'm{k="a"} 1\n')
    family.set("b", b'm{k="b"} 2\n')
    first = family.body()
    assert family.body() is first
    family.set("a", b'm{k="a"} 1\n')
    assert family.body() is first, "an identical update must not invalidate the cache"
    family.set("a", b"")
    assert family.body() == b'm{k="b"} 2\n'
    family.discard("b")
    assert family.body() == b""
    assert len(family) == 0


async def test_registry_renders_both_formats() -> None:
    registry = ExpositionRegistry(CollectorRegistry())
    family = MetricFamily(FamilySpec("x_oom", "OOMs.", "counter"))
    family.set("w", b'x_oom_total{w="a"} 3\n')
    registry.register([family])
    text = (await registry.render(openmetrics=False)).decode()
    assert text == '# HELP x_oom_total OOMs.\n# TYPE x_oom_total counter\nx_oom_total{w="a"} 3\n'
    om = (await registry.render(openmetrics=True)).decode()
    assert om.endswith('x_oom_total{w="a"} 3\n# EOF\n')
    assert om.count("# EOF") == 1


def test_registry_rejects_duplicate_family() -> None:
    registry = ExpositionRegistry(CollectorRegistry())
    registry.register([MetricFamily(FamilySpec("m", "h", "gauge"))])
    with pytest.raises(ValueError, match="registered twice"):
        registry.register([MetricFamily(FamilySpec("m", "h", "gauge"))])
