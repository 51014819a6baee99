"""A deliberately plain HTTP client for specifying the simulator's wire behaviour.

It reads watch streams as raw bytes and splits lines itself, so tests see exactly what
went over the socket: partial lines, clean ends and broken ones.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
from multidict import CIMultiDictProxy

Ending = Literal["eof", "stopped", "broken"]


@dataclass
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    body: Any


@dataclass
class Watched:
    status: int
    headers: CIMultiDictProxy[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    ending: Ending = "eof"
    leftover: bytes = b""
    """Bytes after the last newline: a half-written event when the line was cut."""

    @property
    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    @property
    def names(self) -> list[str]:
        return [event["object"]["metadata"].get("name", "") for event in self.events]


class Api:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def get(self, path: str, **params: str) -> Reply:
        async with asyncio.timeout(10):
            async with self.session.get(path, params=params) as response:
                text = await response.text()
                is_json = response.content_type == "application/json"
                return Reply(
                    response.status, response.headers, json.loads(text) if is_json else text
                )

    async def watch(
        self,
        path: str,
        *,
        stop_after: int | None = None,
        give_up_after: float = 5.0,
        query: dict[str, str] | None = None,
        **params: str,
    ) -> Watched:
        """Read a watch until it ends, breaks, or `stop_after` events have arrived.

        Exceeding `give_up_after` seconds fails the test instead of hanging it.
        """
        params = {"watch": "true", **(query or {}), **params}
        async with asyncio.timeout(give_up_after):
            async with self.session.get(path, params=params) as response:
                watched = Watched(response.status, response.headers)
                if response.status != 200:
                    watched.events.append(await response.json())
                    return watched
                buffer = b""
                try:
                    while stop_after is None or len(watched.events) < stop_after:
                        chunk = await response.content.readany()
                        if not chunk:
                            break
                        buffer += chunk
                        *lines, buffer = buffer.split(b"\n")
                        watched.events.extend(json.loads(line) for line in lines if line)
                except aiohttp.ClientPayloadError:
                    watched.ending = "broken"
                else:
                    if stop_after is not None and len(watched.events) >= stop_after:
                        watched.ending = "stopped"
                        del watched.events[stop_after:]
                watched.leftover = buffer
                return watched
