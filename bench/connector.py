"""A fast local Bot Connector for the load and latency benchmarks, run as its own process.

    python -m bench.connector [--port 0]     # prints "listening on http://127.0.0.1:PORT"

It accepts every message at once with ``{"id": ...}`` (``POST`` and ``PUT``
``/v3/conversations/{id}/activities[/{activityId}]``; ``GET .../members/{id}`` answers a
member) and records, per conversation, how many messages arrived, the largest body in bytes
and the last body. ``GET /_stats`` gives the counts (``?conversation=`` for one conversation),
``GET /_last?conversation=`` the last message (``{"id": ..., "activity": ...}``, the id it was
given), ``POST /_reset`` clears everything.
The body is not parsed on the way in, so the connector costs the bot as little as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
from dataclasses import dataclass

from aiohttp import web


@dataclass
class Seen:
    messages: int = 0
    max_bytes: int = 0
    last: bytes = b""
    last_id: str = ""


class Connector:
    def __init__(self) -> None:
        self.conversations: dict[str, Seen] = {}
        self.ids = itertools.count(1)
        self.app = web.Application(client_max_size=16 * 1024 * 1024)
        for method in ("POST", "PUT"):
            self.app.router.add_route(method, "/v3/conversations/{conversation_id}/activities", self.send)
            self.app.router.add_route(method, "/v3/conversations/{conversation_id}/activities/{activity_id}", self.send)
        self.app.router.add_get("/v3/conversations/{conversation_id}/members/{member_id}", self.member)
        self.app.router.add_get("/_stats", self.stats)
        self.app.router.add_get("/_last", self.last)
        self.app.router.add_post("/_reset", self.reset)

    async def send(self, request: web.Request) -> web.Response:
        body = await request.read()
        seen = self.conversations.setdefault(request.match_info["conversation_id"], Seen())
        seen.messages += 1
        seen.max_bytes = max(seen.max_bytes, len(body))
        seen.last, seen.last_id = body, f"m-{next(self.ids)}"
        return web.json_response({"id": seen.last_id})

    async def member(self, request: web.Request) -> web.Response:
        member = request.match_info["member_id"]
        return web.json_response({"id": member, "name": "Bänk Testare", "userPrincipalName": f"{member}@kommun.se"})

    async def stats(self, request: web.Request) -> web.Response:
        wanted = request.query.get("conversation")
        chosen = [self.conversations.get(wanted, Seen())] if wanted is not None else self.conversations.values()
        return web.json_response({
            "messages": sum(s.messages for s in chosen),
            "max_bytes": max((s.max_bytes for s in chosen), default=0),
        })

    async def last(self, request: web.Request) -> web.Response:
        seen = self.conversations.get(request.query.get("conversation", ""))
        if seen is None or not seen.last:
            return web.json_response({"error": "no message in that conversation"}, status=404)
        wrapped = b'{"id": "%s", "activity": %s}' % (seen.last_id.encode(), seen.last)
        return web.Response(body=wrapped, content_type="application/json")

    async def reset(self, request: web.Request) -> web.Response:
        self.conversations.clear()
        return web.json_response({"ok": True})


async def serve(port: int) -> None:
    runner = web.AppRunner(Connector().app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"listening on http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", flush=True)  # noqa: SLF001
    await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.connector", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
