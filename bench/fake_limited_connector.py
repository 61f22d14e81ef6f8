"""A local Bot Connector that behaves like Teams under load: rate limit and random failures.

- ``POST /v3/conversations/{id}/activities[/{replyTo}]``: over ``limit`` requests in any
  ``window`` seconds -> 429 with ``Retry-After``; otherwise, at random (seeded), ``p429`` of
  requests get 429 with ``Retry-After`` and ``p500`` get 500; the rest are delivered and
  recorded per conversation id (the bench gives each recipient its own conversation, so a
  conversation seen twice is a duplicate).
- ``GET /_stats``: counters, distinct client ports (= TCP connections opened), first and last
  delivery time. ``POST /_reset`` clears everything (and re-seeds).

Runs in a separate process (``start_in_process``) so the client's CPU time can be measured
alone; ``serve`` runs it in the current thread's loop. Binds to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import random
import time
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Limits:
    limit: int = 200  # requests per window
    window: float = 1.0  # seconds
    p429: float = 0.05
    p500: float = 0.01
    retry_after: float = 1.0
    seed: int = 1


class FakeLimitedConnector:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.app = web.Application()
        self.app.router.add_post("/v3/conversations/{conversation_id}/activities", self._send)
        self.app.router.add_post("/v3/conversations/{conversation_id}/activities/{reply_to}", self._send)
        self.app.router.add_get("/_stats", self._stats)
        self.app.router.add_post("/_reset", self._reset)
        self.reset()

    def reset(self) -> None:
        self.rng = random.Random(self.limits.seed)
        self.window_log: collections.deque[float] = collections.deque()
        self.delivered: collections.Counter[str] = collections.Counter()
        self.ports: set[int] = set()
        self.requests = 0
        self.over_limit = 0
        self.injected_429 = 0
        self.injected_500 = 0
        self.first: float | None = None
        self.last: float | None = None
        self.first_request: float | None = None

    def _throttled(self, now: float) -> bool:
        log = self.window_log
        while log and log[0] <= now - self.limits.window:
            log.popleft()
        if len(log) >= self.limits.limit:
            return True
        log.append(now)
        return False

    async def _send(self, request: web.Request) -> web.Response:
        now = time.monotonic()
        self.requests += 1
        if self.first_request is None:
            self.first_request = now
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.ports.add(peer[1])
        activity = await request.json()
        retry_after = {"Retry-After": f"{self.limits.retry_after:g}"}
        if self._throttled(now):
            self.over_limit += 1
            return web.json_response(
                {"error": {"code": "TooManyRequests", "message": "rate limit"}}, status=429, headers=retry_after
            )
        roll = self.rng.random()
        if roll < self.limits.p429:
            self.injected_429 += 1
            return web.json_response(
                {"error": {"code": "TooManyRequests", "message": "injected"}}, status=429, headers=retry_after
            )
        if roll < self.limits.p429 + self.limits.p500:
            self.injected_500 += 1
            return web.json_response({"error": {"code": "ServiceError", "message": "injected"}}, status=500)
        conversation = request.match_info["conversation_id"]
        self.delivered[conversation] += 1
        if self.first is None:
            self.first = now
        self.last = now
        return web.json_response({"id": f"{conversation}:{activity.get('id') or self.delivered[conversation]}"})

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    def stats(self) -> dict:
        return {
            "requests": self.requests,
            "delivered": sum(self.delivered.values()),
            "unique": len(self.delivered),
            "duplicates": sum(n - 1 for n in self.delivered.values() if n > 1),
            "delivered_keys": sorted(self.delivered),
            "over_limit": self.over_limit,
            "injected_429": self.injected_429,
            "injected_500": self.injected_500,
            "connections": len(self.ports),
            "first_request": self.first_request,
            "first": self.first,
            "last": self.last,
        }

    async def _reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


async def serve(limits: Limits, port: int = 0) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(FakeLimitedConnector(limits).app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]


def _run(limits: Limits, ports: multiprocessing.Queue) -> None:
    async def main() -> None:
        _, port = await serve(limits)
        ports.put(port)
        await asyncio.Event().wait()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass


class FakeProcess:
    """The fake in its own process; ``url`` once started; ``stop()`` ends it."""

    def __init__(self, limits: Limits) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._ports = ctx.Queue()
        self._process = ctx.Process(target=_run, args=(limits, self._ports), daemon=True)
        self.url = ""

    def start(self, timeout: float = 20) -> str:
        self._process.start()
        self.url = f"http://127.0.0.1:{self._ports.get(timeout=timeout)}"
        return self.url

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=10)


def start_in_process(limits: Limits) -> FakeProcess:
    fake = FakeProcess(limits)
    fake.start()
    return fake
