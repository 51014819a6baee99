"""The `rollout-exporter` command: `run` against a cluster, `demo` against the simulator."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import Any

from exporter import __version__
from exporter.errors import AlertingUnavailable, ListenError
from exporter.kube.credentials import CredentialsError
from exporter.log_setup import configure_logging
from exporter.settings import Settings, SettingsError, add_arguments, settings_from_args


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rollout-exporter",
        description="Rollout health of Kubernetes workloads as Prometheus metrics.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="list-watch a cluster and serve /metrics", allow_abbrev=False
    )
    add_arguments(run)
    demo = commands.add_parser(
        "demo",
        help="start the simulated API server with its scenarios and an exporter against it",
        allow_abbrev=False,
    )
    add_arguments(demo)
    replay = commands.add_parser(
        "replay",
        help="attribute an access log file (or - for stdin) once against the cluster and "
        "print the ingress metrics",
        allow_abbrev=False,
    )
    replay.add_argument("file", metavar="FILE", help="access log file, or - for stdin")
    add_arguments(replay)
    demo.add_argument(
        "--demo.speed",
        dest="demo_speed",
        type=float,
        default=1.0,
        metavar="FACTOR",
        help="scenario time compression (2 = twice as fast) [default: 1]",
    )
    demo.add_argument(
        "--demo.alerting",
        dest="demo_alerting",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also run Prometheus with the shipped rules and Alertmanager with the example "
        "configuration, printing the pages they send [default: if prometheus and "
        "alertmanager are installed and --demo.speed is 1]",
    )
    return parser


def _run_until_signalled(main: Coroutine[Any, Any, None]) -> None:
    """Run `main`, cancelling it cleanly on SIGINT/SIGTERM (what Kubernetes sends)."""

    async def runner() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await main

    asyncio.run(runner())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings: Settings = settings_from_args(args)
    except SettingsError as error:
        print(f"rollout-exporter: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    try:
        if args.command == "run":
            from exporter.app import serve

            _run_until_signalled(serve(settings))
        elif args.command == "replay":
            from exporter.app import replay_file

            sys.stdout.buffer.write(asyncio.run(replay_file(settings, args.file)))
        else:
            from exporter.demo import run_demo

            _run_until_signalled(
                run_demo(settings, speed=args.demo_speed, alerting=args.demo_alerting)
            )
    except (CredentialsError, ListenError) as error:
        print(f"rollout-exporter: {error}", file=sys.stderr)
        return 1
    except AlertingUnavailable as error:
        print(f"rollout-exporter: --demo.alerting: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
