"""Every family the exporter declares is documented, and nothing undocumented is claimed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exporter.ingress.families import INGRESS_FAMILIES
from exporter.rollout.families import ALL_FAMILIES as ROLLOUT_FAMILIES

ALL_FAMILIES = ROLLOUT_FAMILIES + INGRESS_FAMILIES

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()


@pytest.mark.parametrize("spec", ALL_FAMILIES, ids=lambda s: s.name)
def test_family_is_documented_with_its_labels(spec: object) -> None:
    from exporter.metrics.family import FamilySpec

    assert isinstance(spec, FamilySpec)
    row = next((r for r in DOCS.splitlines() if f"`{spec.sample_name}`" in r), None)
    if spec.name == "rollout_workload_lifecycle_risk":
        assert f"{spec.name}{{namespace,workload_kind,workload,risk}}" in DOCS
        return
    assert row is not None, f"{spec.sample_name} has no row in docs/metrics.md"
    for label in spec.labels:
        if label in ("namespace", "workload_kind", "workload", "service"):
            continue
        assert f"`{label}`" in row, f"label {label} of {spec.sample_name} undocumented"


def test_docs_name_no_family_that_does_not_exist() -> None:
    declared = {spec.sample_name for spec in ALL_FAMILIES}
    documented = set(re.findall(r"`(rollout_(?!exporter_)[a-z_]+)`", DOCS))
    assert documented <= declared, documented - declared
