"""A rollout users notice: ingress-nginx keeps sending requests to pods that are gone.

`web` (3 replicas, Service `web` port 80 → 8080) sits behind the shared ingress-nginx
controller in namespace `ingress-nginx`, whose pod log receives the access and error lines
of 5 requests per second (`ingress_traffic`). The story, checkpoint by checkpoint:

- `steady`: the controller routes to `web` before any pod is ready: 503s with no upstream;
  then the pods turn ready and requests get 200s.
- `steady-for-a-while`: 30 s of traffic; one request fails *in the app* (upstream status
  502 with the app's own body, no error-log line): not the rollout's fault.
- `rollout-started`: web:1.0 → 1.1 with maxSurge 100%, maxUnavailable 0: three new pods
  start next to the three old ones.
- `old-pods-terminating`: the new pods are available, so all old pods are deleted at once.
  They have no preStop hook, so they stop listening right away, while the controller
  keeps routing to them until it syncs 2 s later: `connect() failed (111: Connection
  refused)` error lines, tries moving on to the next endpoint (`502, 200`), and 502s for
  the requests whose three tries all hit old pods. Their lines are written at the next
  step, when that second has passed.
- `rolled-out`: the old pods are gone and out of the controller's endpoints.
- `ip-reused`: `web` is scaled to 4 and the new pod gets the address of the old pod that
  failed most connects (the pods are pinned to one node, whose range hands out that
  address again): the same IP, another pod, serving 200s.
- `reused-ip-serving`: 10 s of traffic over the four pods.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from exporter.sim.resources import JsonObj
from exporter.sim.scenarios.apps import deploy, rolled_out, scale, set_image
from exporter.sim.scenarios.ingress_traffic import Backend, IngressTraffic
from exporter.sim.scenarios.phases import APP, NEXT, STABLE, quiet
from exporter.sim.scenarios.script import Checkpoint, Scenario, ScenarioContext, Script

NODE = "node-a"
ROUTED_AFTER = 11.0
"""Seconds after the Deployment is created until the Ingress rule routes traffic to it."""
APP_ERROR_AFTER = 12.0
"""Seconds into the steady spell when the app itself answers one request with a 502."""


def _pods(ctx: ScenarioContext) -> list[JsonObj]:
    return ctx.cluster.list("pods", ctx.namespace)


def _ingress_502_rollout(
    ctx: ScenarioContext,
    *,
    rate: float = 5.0,
    sync_delay: float = 2.0,
    tick: float = 2.0,
    routed_after: float = ROUTED_AFTER,
) -> Script:
    deploy(
        ctx.cluster,
        ctx.namespace,
        APP,
        STABLE,
        max_surge="100%",
        max_unavailable=0,
        node=NODE,
    )
    traffic = IngressTraffic(
        ctx.cluster,
        Backend(ctx.namespace, APP, 80, 8080),
        host=f"{APP}.{ctx.namespace}.example.com",
        start=ctx.cluster.clock.now() + timedelta(seconds=routed_after),
        rate=rate,
        sync_delay=sync_delay,
    )
    clock = ctx.cluster.clock
    for checkpoint in _story(ctx, traffic, tick):
        yield checkpoint
        traffic.serve_until(clock.now())


def _story(ctx: ScenarioContext, traffic: IngressTraffic, tick: float) -> Script:
    cluster, namespace = ctx.cluster, ctx.namespace
    yield from ctx.reconcile("steady", until=lambda: rolled_out(cluster, namespace, APP))
    traffic.app_error_at(cluster.clock.now() + timedelta(seconds=APP_ERROR_AFTER))
    yield from quiet(ctx, "steady-for-a-while", 30.0)

    old = {pod["metadata"]["name"]: pod["status"]["podIP"] for pod in _pods(ctx)}
    set_image(cluster, namespace, APP, NEXT)
    yield Checkpoint("rollout-started", 1.0)
    yield from ctx.reconcile(
        "old-pods-terminating",
        tick=tick,
        until=lambda: any(
            "deletionTimestamp" in pod["metadata"]
            for pod in _pods(ctx)
            if pod["metadata"]["name"] in old
        ),
    )
    yield from ctx.reconcile(
        "rolled-out",
        tick=tick,
        until=lambda: (
            rolled_out(cluster, namespace, APP)
            and not any(pod["metadata"]["name"] in old for pod in _pods(ctx))
            and not set(old.values()) & set(traffic.view)
        ),
    )

    reused = max(old.values(), key=lambda ip: (traffic.failed_connects[ip], ip))
    cluster.pod_network.reuse(reused, namespace=namespace)
    scale(cluster, namespace, APP, 4)

    def serving_again() -> bool:
        return reused in traffic.view and any(
            pod["status"].get("podIP") == reused and pod["metadata"]["name"] not in old
            for pod in _pods(ctx)
        )

    yield from ctx.reconcile("ip-reused", until=serving_again)
    yield from quiet(ctx, "reused-ip-serving", 10.0)


_DESCRIPTION = (
    "ingress-nginx routes to old pods after they are deleted (no preStop): refused "
    "connects and 502s in the controller's log; an app 502, 503s before the app is ready, "
    "and a pod address reused by a new pod."
)

ingress_502_rollout = Scenario("ingress_502_rollout", _DESCRIPTION, _ingress_502_rollout)


def ingress_502_rollout_with(
    *,
    rate: float = 5.0,
    sync_delay: float = 2.0,
    tick: float = 2.0,
    routed_after: float = ROUTED_AFTER,
) -> Scenario:
    """The same story with `rate` requests per second, the controller syncing its
    endpoints `sync_delay` seconds after a change, and steps of `tick` seconds while the
    old pods terminate (their log lines are written at each step): more 502s, spread over
    several steps, e.g. for a Prometheus scraping every second to see their counter rise
    rather than just appear. The Ingress routes to `web` `routed_after` seconds after it
    is created: once its first Pods are ready and synced, there are no 503s before."""
    return Scenario(
        "ingress_502_rollout",
        f"{_DESCRIPTION} ({rate:g} requests/s, endpoints synced after {sync_delay:g} s)",
        functools.partial(
            _ingress_502_rollout,
            rate=rate,
            sync_delay=sync_delay,
            tick=tick,
            routed_after=routed_after,
        ),
    )
