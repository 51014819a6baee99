"""`python -m exporter.sim`: a standalone simulated API server on loopback, for manual use.

    python -m exporter.sim --port 8001 --token demo --scenario rollout_stuck_readiness --speed 10

Point a client at http://127.0.0.1:8001 with `Authorization: Bearer demo`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from exporter.sim.clock import ScaledClock
from exporter.sim.cluster import Cluster
from exporter.sim.scenarios import SCENARIOS, create_fleet
from exporter.sim.server import SimulatedApiServer

log = logging.getLogger("exporter.sim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m exporter.sim", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        choices=["127.0.0.1", "::1", "localhost"],
        help="loopback address to bind (default 127.0.0.1)",
    )
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--token", required=True, help="bearer token clients must send")
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        default=[],
        help="scenario to play (repeatable; each gets its own namespace)",
    )
    parser.add_argument(
        "--speed", type=float, default=1.0, help="simulated seconds per real second (default 1)"
    )
    parser.add_argument(
        "--fleet", type=int, default=0, metavar="N", help="also create N steady Deployments"
    )
    parser.add_argument(
        "--fleet-pods",
        type=int,
        default=3,
        metavar="M",
        help="pods per fleet Deployment (default 3)",
    )
    parser.add_argument("--bookmark-interval", type=float, default=60.0)
    parser.add_argument("--history", type=int, default=1000, help="retained watch events")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    cluster = Cluster(
        clock=ScaledClock(args.speed, datetime.now(UTC).replace(microsecond=0)),
        history_size=args.history,
    )
    if args.fleet:
        create_fleet(cluster, deployments=args.fleet, pods_per_deployment=args.fleet_pods)
    server = SimulatedApiServer(
        cluster,
        token=args.token,
        host=args.host,
        port=args.port,
        bookmark_interval=args.bookmark_interval,
    )
    async with server:
        log.info("simulated API server at %s", server.url)
        plays = [
            asyncio.create_task(
                SCENARIOS[name].run(cluster, namespace=name.replace("_", "-"), speed=args.speed)
            )
            for name in args.scenario
        ]
        for play in asyncio.as_completed(plays):
            await play
        log.info("scenarios finished; still serving (Ctrl-C to stop)")
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
