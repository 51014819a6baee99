"""What Alertmanager notifies, received on loopback: a stand-in for PagerDuty's Events API
v2 and a chat webhook. Both keep every request body with its arrival time, and tell an
optional listener (the demo prints each page as it arrives)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

PAGERDUTY_PATH = "/v2/enqueue"
CHAT_PATH = "/chat"


@dataclass(frozen=True)
class Received:
    at: float
    """Wall-clock time (time.time()) of arrival, comparable with Prometheus' time()."""
    body: dict[str, Any]

    def mentions(self, text: str) -> bool:
        return text in json.dumps(self.body)


Listener = Callable[[Received], None]


@dataclass
class Inbox:
    name: str
    listener: Listener | None = None
    received: list[Received] = field(default_factory=list)

    def receive(self, body: dict[str, Any]) -> None:
        item = Received(time.time(), body)
        self.received.append(item)
        if self.listener is not None:
            self.listener(item)

    def matching(self, predicate: Callable[[Received], bool]) -> list[Received]:
        return [item for item in self.received if predicate(item)]

    async def wait_for(
        self, predicate: Callable[[Received], bool], *, within: float, what: str
    ) -> Received:
        deadline = time.monotonic() + within
        while True:
            found = self.matching(predicate)
            if found:
                return found[0]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} never received {what} within {within:g}s; it received: "
                    f"{json.dumps([item.body for item in self.received], indent=1)[:4000]}"
                )
            await asyncio.sleep(0.05)


@dataclass
class Receivers:
    url: str
    pagerduty: Inbox
    chat: Inbox

    @property
    def pagerduty_url(self) -> str:
        return self.url + PAGERDUTY_PATH

    @property
    def chat_url(self) -> str:
        return self.url + CHAT_PATH


@asynccontextmanager
async def receiving(
    *, on_page: Listener | None = None, on_chat: Listener | None = None
) -> AsyncIterator[Receivers]:
    """Serve both endpoints on 127.0.0.1 (a free port) while the context is open."""
    pagerduty, chat = Inbox("PagerDuty", on_page), Inbox("chat", on_chat)

    async def enqueue(request: web.Request) -> web.Response:
        body = await request.json()
        pagerduty.receive(body)
        # What PagerDuty answers an accepted event.
        return web.json_response(
            {"status": "success", "message": "Event processed", "dedup_key": body.get("dedup_key")},
            status=202,
        )

    async def post(request: web.Request) -> web.Response:
        chat.receive(await request.json())
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post(PAGERDUTY_PATH, enqueue)
    app.router.add_post(CHAT_PATH, post)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        yield Receivers(f"http://{host}:{port}", pagerduty, chat)
    finally:
        await runner.cleanup()
