"""Alertmanager with the repository's example configuration, notifying local stand-ins for
PagerDuty and chat instead of the real services."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from exporter.loopback.configs import (
    ALERTMANAGER_EXAMPLE,
    alertmanager_config,
    load_yaml,
    write_secret,
    write_yaml,
)
from exporter.loopback.daemons import Daemon, alertmanager
from exporter.loopback.receivers import Listener, Receivers, receiving


@contextlib.asynccontextmanager
async def running_alertmanager(
    workdir: Path,
    *,
    routing_key: str,
    timers: dict[str, str] | None = None,
    example: Path = ALERTMANAGER_EXAMPLE,
    on_page: Listener | None = None,
    on_chat: Listener | None = None,
) -> AsyncIterator[tuple[Daemon, Receivers]]:
    """Alertmanager from `example`, its PagerDuty routing key in a file of `workdir` (as the
    example expects it mounted), its route `timers` replaced."""
    key_file = write_secret(workdir / "pagerduty-routing-key", routing_key)
    async with receiving(on_page=on_page, on_chat=on_chat) as receivers:
        config = alertmanager_config(
            load_yaml(example),
            pagerduty_url=receivers.pagerduty_url,
            routing_key_file=key_file,
            chat_url=receivers.chat_url,
            timers=timers,
        )
        config_file = write_yaml(workdir / "alertmanager.yml", config)
        async with alertmanager(config_file, workdir) as daemon:
            yield daemon, receivers
