"""Jittered exponential backoff, as client-go's reflector uses (0.8 s doubling to 30 s)."""

from __future__ import annotations

import random


class Backoff:
    """Delays `initial * 2**n`, capped, each stretched by up to 100% random jitter.

    Jitter keeps a fleet of exporters (or our eight reflectors) from reconnecting in
    lock-step after an apiserver restart.
    """

    def __init__(self, initial: float, cap: float, rng: random.Random | None = None) -> None:
        self._initial = initial
        self._cap = cap
        self._rng = rng or random.Random()
        self._attempt = 0

    def reset(self) -> None:
        self._attempt = 0

    def next_delay(self) -> float:
        base = min(self._cap, self._initial * 2.0**self._attempt)
        self._attempt = min(self._attempt + 1, 32)
        jitter: float = self._rng.random()
        return min(self._cap, base * (1.0 + jitter))
