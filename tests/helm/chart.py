"""Render the chart with Helm's own engine and check what comes out against real schemas.

Rendering uses helm-python-sdk, Helm's Go SDK behind a C ABI (no helm binary). Every
object is validated: core kinds with kubernetes-validate in strict mode (unknown fields
are errors), prometheus-operator kinds with jsonschema against the CRDs' openAPIV3Schema
kept in data/crds/ (each file names the release it was taken from), made strict the same
way: an object schema that neither lists additionalProperties nor preserves unknown fields
rejects fields it does not declare, where the API server would silently prune them.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import helm_python as helm
import jsonschema
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "helm" / "rollout-exporter"
DATA = Path(__file__).resolve().parent / "data"
FIXTURES = DATA / "fixtures"
SYNC_SCRIPT = REPO / "scripts" / "sync-chart"

RELEASE = "rex"
NAMESPACE = "monitoring"
# The chart's oldest supported Kubernetes (Chart.yaml kubeVersion) and the newest schema
# kubernetes-validate ships.
KUBE_VERSIONS = ("1.29", kubernetes_validate.latest_version())

CRD_FILES = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com_servicemonitors",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "monitoring.coreos.com_prometheusrules",
    ("monitoring.coreos.com/v1alpha1", "AlertmanagerConfig"): (
        "monitoring.coreos.com_alertmanagerconfigs"
    ),
}

_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_NAME = re.compile(r"([a-z0-9.-]{1,253}/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
# Kinds whose name becomes a DNS label (a Service name is a host name part).
_DNS_LABEL_KINDS = {"Service", "Namespace"}


@dataclass
class Rendered:
    """One `helm template` result: the manifests by template, and the objects in them."""

    manifests: dict[str, str]
    objects: list[dict[str, Any]] = field(default_factory=list)

    @property
    def notes(self) -> str:
        return next(text for path, text in self.manifests.items() if path.endswith("NOTES.txt"))

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def one(self, kind: str) -> dict[str, Any]:
        (found,) = self.of_kind(kind)
        return found

    def container(self) -> dict[str, Any]:
        (container,) = self.one("Deployment")["spec"]["template"]["spec"]["containers"]
        return container


@functools.cache
def load_chart(path: Path) -> helm.Chart:
    """Charts are immutable handles; one per directory for the whole run."""
    return helm.Chart.load(path)


def render(
    chart: Path = CHART,
    values: dict[str, Any] | None = None,
    *,
    release: str = RELEASE,
    namespace: str = NAMESPACE,
) -> Rendered:
    manifests = load_chart(chart).render(values or {}, name=release, namespace=namespace)
    objects = [
        obj
        for path, text in sorted(manifests.items())
        if not path.endswith("NOTES.txt")
        for obj in yaml.safe_load_all(text)
        if obj
    ]
    return Rendered(manifests, objects)


def value_sets(chart: Path = CHART) -> dict[str, dict[str, Any]]:
    """The chart's ci/*-values.yaml scenarios by name (default, namespaced, ...)."""
    return {
        path.name.removesuffix("-values.yaml"): yaml.safe_load(path.read_text()) or {}
        for path in sorted((chart / "ci").glob("*-values.yaml"))
    }


def sync_chart(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SYNC_SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


# --- validation -------------------------------------------------------------------------


def _strict(schema: Any) -> Any:
    """Reject undeclared fields wherever the CRD does not explicitly allow them.

    Also adapts Go regular expressions to Python's syntax where they differ.
    """
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and "(?i)" in pattern:
        # Go's regexp allows (?i) mid-pattern; Python only at the start. Every such
        # pattern in these CRDs is case-insensitive as a whole, so hoist the flag.
        strict["pattern"] = "(?i)" + pattern.replace("(?i)", "")
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


@functools.cache
def crd_schema(name: str) -> dict[str, Any]:
    document = json.loads((DATA / "crds" / f"{name}.json").read_text())
    schema: dict[str, Any] = _strict(document["openAPIV3Schema"])
    # The metadata of a custom resource is ObjectMeta; checked by check_metadata.
    schema["properties"]["metadata"] = {"type": "object"}
    return schema


@functools.cache
def crd_validator(name: str) -> jsonschema.Draft7Validator:
    schema = crd_schema(name)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def check_metadata(obj: dict[str, Any]) -> list[str]:
    """What the API server checks of names and labels that no JSON schema expresses."""
    problems = []
    meta = obj["metadata"]
    name = meta.get("name", "")
    pattern, limit = (_DNS_LABEL, 63) if obj["kind"] in _DNS_LABEL_KINDS else (_DNS_SUBDOMAIN, 253)
    if not pattern.fullmatch(name) or len(name) > limit:
        problems.append(f"name {name!r} is not a valid {obj['kind']} name")
    namespace = meta.get("namespace")
    if namespace is not None and not (_DNS_LABEL.fullmatch(namespace) and len(namespace) <= 63):
        problems.append(f"namespace {namespace!r} is not a namespace name")
    for where in ("labels", "annotations"):
        for key, value in (meta.get(where) or {}).items():
            if not _LABEL_NAME.fullmatch(key):
                problems.append(f"{where} key {key!r} is not a valid key")
            if not isinstance(value, str):
                problems.append(f"{where} {key!r} has a non-string value {value!r}")
            elif where == "labels" and (len(value) > 63 or not _LABEL_VALUE.fullmatch(value)):
                problems.append(f"label {key}={value!r} is not a valid label value")
    return problems


def validation_errors(obj: dict[str, Any]) -> Iterator[str]:
    """Every schema problem of one rendered object, as readable lines."""
    where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
    for problem in check_metadata(obj):
        yield f"{where}: {problem}"
    crd = CRD_FILES.get((obj["apiVersion"], obj["kind"]))
    if crd is not None:
        for error in crd_validator(crd).iter_errors(obj):
            path = ".".join(map(str, error.absolute_path))
            yield f"{where}: {path}: {error.message}"
        return
    for version in KUBE_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(map(str, error.path))
            yield f"{where} (Kubernetes {version}): {path}: {error.message}"
        except kubernetes_validate.SchemaNotFoundError as error:
            yield f"{where}: no schema: {error.message}"
