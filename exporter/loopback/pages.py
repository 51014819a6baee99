"""What the on-call engineer receives, rendered for a terminal: a PagerDuty Events API v2
event as its incident shows it, and a chat webhook's alerts as one line each.

Bodies come from Alertmanager over HTTP: every field is read defensively, a missing one
shows as "?" rather than failing the demo.
"""

from __future__ import annotations

import textwrap
import time
from typing import Any

WIDTH = 100
INDENT = " " * 12


def _clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def _wrap(text: str, *, first: str = "", rest: str = "") -> str:
    """`text` wrapped at WIDTH; names (ingress-502-rollout/web) and URLs stay whole, so a
    terminal can search and open them."""
    return textwrap.fill(
        " ".join(text.split()),
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
        break_long_words=False,
    )


def _field(name: str, text: str) -> str:
    return _wrap(text, first=f"  {name:<10}", rest=INDENT)


def format_page(body: dict[str, Any], at: float) -> str:
    """A PagerDuty event: a header with action, severity and time; the summary (the
    incident's title); then workload, revision, details, runbook and incident key."""
    payload: dict[str, Any] = body.get("payload") or {}
    details: dict[str, Any] = payload.get("custom_details") or {}
    action = str(body.get("event_action", "?")).upper()
    severity = payload.get("severity", "?")
    header = f"━━ PagerDuty {action} · {severity} · {_clock(at)} "
    lines = [
        header + "━" * max(0, WIDTH - len(header)),
        _wrap(str(payload.get("summary", "?"))),
        _field("alert", str(payload.get("class", "?"))),
        _field(
            "workload",
            f"{details.get('namespace', payload.get('group', '?'))} "
            f"{details.get('workload', payload.get('component', '?'))}",
        ),
        _field("revision", f"{details.get('revision', '?')} ({details.get('images', '?')})"),
    ]
    if details.get("firing"):
        lines.append(_field("details", str(details["firing"])))
    lines.extend(
        _field(str(link.get("text", "link")).lower(), str(link.get("href", "?")))
        for link in body.get("links") or []
        if isinstance(link, dict)
    )
    lines.append(_field("incident", f"dedup_key {body.get('dedup_key', '?')}"))
    return "\n".join(lines)


def format_chat(body: dict[str, Any], at: float) -> str:
    """A chat webhook notification: one line per alert, with status and severity."""
    alerts: list[Any] = body.get("alerts") or []
    lines = []
    for alert in alerts:
        if not isinstance(alert, dict):
            continue
        labels: dict[str, Any] = alert.get("labels") or {}
        annotations: dict[str, Any] = alert.get("annotations") or {}
        status = str(alert.get("status", "?")).upper()
        severity, name = labels.get("severity", "?"), labels.get("alertname", "?")
        head = f"chat {_clock(at)} {status} {severity} {name}: "
        summary = str(annotations.get("summary", "")).strip() or "(no summary)"
        lines.append(_wrap(summary, first=head, rest=INDENT))
    return "\n".join(lines)
