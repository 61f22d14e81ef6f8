"""The smallest possible bot, as a yardstick for the real one's turns per second.

    python -m bench.echo [--no-reply] [--port 0]   # prints "listening on http://127.0.0.1:PORT"

``POST /api/messages`` reads the activity and, like any bot must, posts a reply to the
activity's ``serviceUrl`` (one shared aiohttp ClientSession) before answering 200. With
``--no-reply`` it answers 200 at once: the cost of HTTP alone.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from urllib.parse import quote

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)


async def reply(request: web.Request) -> web.Response:
    activity = await request.json()
    conversation = activity["conversation"]
    url = (f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{quote(conversation['id'], safe='')}"
           f"/activities/{quote(activity.get('id') or '', safe='')}")
    answer = {
        "type": "message",
        "text": f"Du skrev: {activity.get('text') or ''}",
        "from": activity.get("recipient"),
        "recipient": activity.get("from"),
        "conversation": conversation,
        "replyToId": activity.get("id"),
    }
    async with request.app[SESSION].post(url, json=answer) as response:
        await response.read()
        if response.status >= 300:
            return web.json_response({"error": f"connector answered {response.status}"}, status=502)
    return web.Response(status=200)


async def no_reply(request: web.Request) -> web.Response:
    await request.json()
    return web.Response(status=200)


async def _session(app: web.Application):
    app[SESSION] = aiohttp.ClientSession()
    yield
    await app[SESSION].close()


def create_app(*, replies: bool) -> web.Application:
    app = web.Application()
    if replies:
        app.cleanup_ctx.append(_session)
    app.router.add_post("/api/messages", reply if replies else no_reply)
    return app


async def serve(port: int, replies: bool) -> None:
    runner = web.AppRunner(create_app(replies=replies), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"listening on http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}", flush=True)  # noqa: SLF001
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.echo", description=__doc__.splitlines()[0])
    parser.add_argument("--no-reply", action="store_true", help="answer 200 without posting a reply")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.port, not args.no_reply))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
