"""Regenerate the CRD schema files beside this script from a prometheus-operator checkout.

    python tests/helm/data/crds/extract.py PATH/TO/prometheus-operator v0.93.0

For each CRD the chart renders, reads example/prometheus-operator-crd/<crd>.yaml at the
given tag (with `git show`, so the work tree may be on any commit) and writes
<crd>.json: where it came from (repository, tag, commit, path, the source file's sha256)
and the `openAPIV3Schema` of the served version, with `description` keywords removed
(they do not take part in validation and are most of the size). Nothing else is changed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
CRDS = {
    "monitoring.coreos.com_servicemonitors": "v1",
    "monitoring.coreos.com_prometheusrules": "v1",
    "monitoring.coreos.com_alertmanagerconfigs": "v1alpha1",
}
SCHEMA_MAPS = {"properties", "patternProperties", "definitions"}


class _Loader(yaml.SafeLoader):
    """The CRDs contain the scalar `=` (a matcher type), which YAML 1.1 tags as !!value."""


_Loader.add_constructor("tag:yaml.org,2002:value", _Loader.construct_yaml_str)


def strip_descriptions(node: Any) -> Any:
    """Drop `description` keywords; a property that happens to be named so is kept."""
    if isinstance(node, list):
        return [strip_descriptions(item) for item in node]
    if not isinstance(node, dict):
        return node
    stripped: dict[str, Any] = {}
    for key, value in node.items():
        if key == "description":
            continue
        if key in SCHEMA_MAPS and isinstance(value, dict):
            stripped[key] = {name: strip_descriptions(sub) for name, sub in value.items()}
        else:
            stripped[key] = strip_descriptions(value)
    return stripped


def main(checkout: str, tag: str) -> None:
    commit = subprocess.run(
        ["git", "-C", checkout, "rev-parse", f"{tag}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    for name, version in CRDS.items():
        path = f"example/prometheus-operator-crd/{name}.yaml"
        source = subprocess.run(
            ["git", "-C", checkout, "show", f"{commit}:{path}"], check=True, capture_output=True
        ).stdout
        crd = yaml.load(source, Loader=_Loader)
        (served,) = (v for v in crd["spec"]["versions"] if v["name"] == version)
        document = {
            "source": {
                "repository": "prometheus-operator/prometheus-operator",
                "tag": tag,
                "commit": commit,
                "path": path,
                "sha256": hashlib.sha256(source).hexdigest(),
                "group": crd["spec"]["group"],
                "kind": crd["spec"]["names"]["kind"],
                "version": version,
                "transform": "spec.versions[name=version].schema.openAPIV3Schema, "
                "description keywords removed",
            },
            "openAPIV3Schema": strip_descriptions(served["schema"]["openAPIV3Schema"]),
        }
        target = HERE / f"{name}.json"
        target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"{target.name}: {crd['spec']['names']['kind']} {version} from {tag}")


if __name__ == "__main__":
    main(*sys.argv[1:])
