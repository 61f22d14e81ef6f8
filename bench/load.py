"""A load generator: Teams-shaped message activities posted to a bot's /api/messages.

    python -m bench.load http://127.0.0.1:3978 [--text "status för TN-uppdrag"]
        [--conversations 1 10] [--duration 10]

Activities look like the end-to-end tests' (tests/e2e/conftest.py): type message, channelId
msteams, a serviceUrl pointing at a local fake Bot Connector (bench/connector.py, started here
when --connector is not given), a conversation, from with aadObjectId, recipient, text. Each
conversation sends its turns one after another; a turn ends when the HTTP response arrives.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

TENANT = "72f988bf-0000-4000-8000-00000000c0de"
BOT_ID = "28:uppdragsboten"
TIMEOUT = aiohttp.ClientTimeout(total=300)


class Conversation:
    """One Teams user in one personal chat with the bot."""

    _ids = itertools.count(1)

    def __init__(self, session: aiohttp.ClientSession, bot_url: str, service_url: str, name: str) -> None:
        self.session = session
        self.bot_url = bot_url.rstrip("/")
        self.service_url = service_url
        self.user = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        self.id = f"a:bench-{name}"

    def activity(self, **fields) -> dict:
        activity = {
            "type": "message",
            "id": f"bench-{next(self._ids)}-{uuid.uuid4().hex[:8]}",
            "timestamp": "2026-01-15T10:00:00.000Z",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": {"id": f"29:{self.user}", "name": "Bänk Testare", "aadObjectId": self.user},
            "conversation": {"id": self.id, "conversationType": "personal", "tenantId": TENANT},
            "recipient": {"id": BOT_ID, "name": "Uppdragsboten"},
            "locale": "sv-SE",
            "channelData": {"tenant": {"id": TENANT}},
        }
        activity.update(fields)
        return activity

    async def post(self, activity: dict) -> tuple[int, float]:
        """Post one activity: the HTTP status and the seconds until the response arrived."""
        start = time.perf_counter()
        async with self.session.post(f"{self.bot_url}/api/messages", json=activity) as response:
            await response.read()
            return response.status, time.perf_counter() - start

    async def say(self, text: str) -> tuple[int, float]:
        return await self.post(self.activity(text=text, textFormat="plain"))

    async def press(self, data: dict, reply_to: str | None = None) -> tuple[int, float]:
        """An Action.Submit button: empty text and the button's data as value (as Teams sends it)."""
        extra = {"replyToId": reply_to} if reply_to else {}
        return await self.post(self.activity(text="", value=data, **extra))

    async def last_reply(self) -> dict | None:
        """The last message the bot sent to this conversation, from the fake connector, with
        the id the connector gave it as ``_id`` (what Teams sends back as replyToId)."""
        async with self.session.get(f"{self.service_url}/_last", params={"conversation": self.id}) as response:
            if response.status != 200:
                return None
            data = await response.json()
            return {**data["activity"], "_id": data["id"]}

    async def largest_reply(self) -> int:
        async with self.session.get(f"{self.service_url}/_stats", params={"conversation": self.id}) as response:
            return (await response.json())["max_bytes"]

    async def replies(self) -> int:
        async with self.session.get(f"{self.service_url}/_stats", params={"conversation": self.id}) as response:
            return (await response.json())["messages"]


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=TIMEOUT, connector=aiohttp.TCPConnector(limit=0))


@dataclass
class Throughput:
    conversations: int
    turns: int
    seconds: float
    errors: int
    posts: int  # warm-ups included
    statuses: dict = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return self.turns / self.seconds if self.seconds else 0.0


async def throughput(bot_url: str, service_url: str, text: str, *, conversations: int,
                     duration: float, warmup: int = 3, label: str = "load") -> Throughput:
    """Turns per second with ``conversations`` conversations, each sending ``text`` turn after
    turn for ``duration`` seconds (after ``warmup`` turns each, not counted)."""
    async with session() as http:
        chats = [Conversation(http, bot_url, service_url, f"{label}-{conversations}-{i}") for i in range(conversations)]
        await asyncio.gather(*(chat.say(text) for chat in chats for _ in range(warmup)))
        statuses: dict[int, int] = {}
        start = time.perf_counter()
        deadline = start + duration

        async def run(chat: Conversation) -> None:
            while time.perf_counter() < deadline:
                try:
                    status, _ = await chat.say(text)
                except aiohttp.ClientError:
                    status = 0
                statuses[status] = statuses.get(status, 0) + 1

        await asyncio.gather(*(run(chat) for chat in chats))
        seconds = time.perf_counter() - start
    ok = sum(n for status, n in statuses.items() if 200 <= status < 300)
    posts = sum(statuses.values())
    return Throughput(conversations, ok, seconds, posts - ok, posts + warmup * conversations, statuses)


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0  # HTTP status not 2xx, or no reply arrived
    texts: int = 0  # replies that were text, not a card (an apology, "nothing found" ...)
    sample_text: str | None = None
    largest_bytes: int = 0
    stopped_early: bool = False

    def percentile(self, p: float) -> float | None:
        if not self.seconds:
            return None
        if len(self.seconds) == 1:
            return self.seconds[0]
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[int(p) - 1]


def card_of(message: dict | None) -> dict | None:
    for attachment in (message or {}).get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return attachment.get("content")
    return None


def next_page(message: dict | None) -> dict | None:
    """The data of the card's "Visa fler" button (dialogs/actions.py ShowStatus), or None."""
    pending = [card_of(message)]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            data = node.get("data")
            if node.get("type") == "Action.Submit" and isinstance(data, dict) and data.get("action") == "show_status":
                return data
            pending += node.values()
        elif isinstance(node, list):
            pending += node
    return None


def text_of(message: dict | None) -> str:
    return ((message or {}).get("text") or "")[:200]


if __name__ == "__main__":  # the command line (see the module docstring)
    from bench import procs

    async def _main(args) -> None:
        for n in args.conversations:
            result = await throughput(args.url, args.connector, args.text, conversations=n, duration=args.duration)
            print(f"{n} conversation(s): {result.per_second:.1f} turns/s ({result.turns} turns in "
                  f"{result.seconds:.1f} s, {result.errors} errors {result.statuses})")

    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("url", help="the bot's base URL, e.g. http://127.0.0.1:3978")
    parser.add_argument("--text", default="status för TN-uppdrag")
    parser.add_argument("--conversations", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connector", help="a running fake connector's URL (default: start bench/connector.py)")
    arguments = parser.parse_args()
    if arguments.connector:
        asyncio.run(_main(arguments))
    else:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp, \
                procs.service("connector", procs.python("bench.connector"), workdir=Path(tmp)) as fake:
            arguments.connector = fake.url
            asyncio.run(_main(arguments))
    sys.exit(0)
