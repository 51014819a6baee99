"""Metadata pieces shared by every builder: owner references, names and hashes.

Names and hashes are derived deterministically from their inputs (never random), so the
same scenario yields the same pod names and golden files stay stable.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from exporter.sim.resources import JsonObj

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
"""k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no confusable characters."""


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: map each character onto the safe alphabet."""
    return "".join(SAFE_ALPHABET[ord(char) % len(SAFE_ALPHABET)] for char in text)


def _fnv1a32(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def template_hash(template: JsonObj) -> str:
    """A pod-template-hash in the controller's format (FNV-32a, safe-encoded decimal).

    The input is canonical JSON rather than Go's object dump, so values differ from a real
    cluster's; only stability and shape matter here.
    """
    clean = msgspec.json.decode(msgspec.json.encode(template))
    clean.get("metadata", {}).get("labels", {}).pop("pod-template-hash", None)
    return safe_encode(str(_fnv1a32(msgspec.json.encode(clean, order="sorted"))))


def suffix(seed: str, length: int = 5) -> str:
    """A generateName-style suffix, derived from `seed` instead of a random source."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(SAFE_ALPHABET[byte % len(SAFE_ALPHABET)] for byte in digest[:length])


def owner_reference(owner: JsonObj) -> JsonObj:
    """A controller reference to `owner`, which must already carry its uid."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def metadata(
    name: str,
    namespace: str,
    *,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    owner: JsonObj | None = None,
    generate_name: str | None = None,
) -> JsonObj:
    meta: dict[str, Any] = {"name": name}
    if generate_name is not None:
        meta["generateName"] = generate_name
    meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    if owner is not None:
        meta["ownerReferences"] = [owner_reference(owner)]
    return meta


def drop_zero(fields: dict[str, Any], *names: str) -> dict[str, Any]:
    """Remove `omitempty` integer fields that are zero, as Go's encoder does.

    Clients must cope: a Deployment with no ready pods has no `readyReplicas` at all.
    """
    return {key: value for key, value in fields.items() if not (key in names and value == 0)}
