"""Owner-reference lookups shared by the controllers."""

from __future__ import annotations

from exporter.sim.resources import JsonObj


def owned_by(owner: JsonObj, candidates: list[JsonObj]) -> list[JsonObj]:
    """Objects whose controller reference points at `owner` (matched by uid, as GC does)."""
    uid = owner["metadata"]["uid"]
    return [
        obj
        for obj in candidates
        if any(
            ref.get("controller") and ref["uid"] == uid
            for ref in obj["metadata"].get("ownerReferences", [])
        )
    ]


def labels_match(selector: dict[str, str], obj: JsonObj) -> bool:
    labels = obj["metadata"].get("labels") or {}
    return all(labels.get(key) == value for key, value in selector.items())
