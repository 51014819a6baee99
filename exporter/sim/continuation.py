"""Continue tokens in kube-apiserver's own encoding.

A token is base64url (no padding) of `{"v":"meta.k8s.io/v1","rv":N,"start":"<key>\\u0000"}`:
the snapshot resourceVersion plus the key to resume after. Clients must treat it as
opaque; we mirror the real encoding so a client that peeks learns nothing false.
`rv == -1` is the server's "continue at the latest version" token, handed out with
an inconsistent-continue 410.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import msgspec

_VERSION = "meta.k8s.io/v1"


class ContinueTokenError(ValueError):
    """A token the server cannot decode; answered with 400 BadRequest."""


class _Token(msgspec.Struct):
    v: str = ""
    rv: int = 0
    start: str = ""


@dataclass(frozen=True)
class Continuation:
    rv: int
    """Snapshot resourceVersion, or -1 for "latest"."""
    start: str
    """The first key that belongs to the next page."""


def encode(rv: int, last_key: str) -> str:
    """Token for the page after `last_key` (etcd resumes at last_key + NUL)."""
    raw = msgspec.json.encode(_Token(v=_VERSION, rv=rv, start=last_key + "\x00"))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(token: str) -> Continuation:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        parsed = msgspec.json.decode(raw, type=_Token)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise ContinueTokenError(f"continue key is not valid: {exc}") from None
    if parsed.v != _VERSION:
        raise ContinueTokenError(f"got unrecognized encoded version {parsed.v}")
    if parsed.rv == 0:
        raise ContinueTokenError(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)"
        )
    if not parsed.start:
        raise ContinueTokenError("continue key is empty")
    return Continuation(parsed.rv, parsed.start)
