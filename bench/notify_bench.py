"""Fan-out benchmark: N recipients through ``Deliverer`` against a rate-limited fake connector.

    python -m bench.notify_bench [--recipients 5000] [--limit 200] [--rate 194] ...

The fake (bench/fake_limited_connector.py, its own process on 127.0.0.1) allows ``--limit``
requests per second (429 + Retry-After: 1 beyond) and injects ``--p429`` 429s and ``--p500``
500s. The bench runs the fan-out on fresh fake state with connection reuse
(``PooledBotFrameworkAuthentication``), then with the stock connector client as a baseline
(``--baseline-recipients``, default 1000: it is several times slower), and prints for each: delivered/s and requests/s against the limit, duplicates and lost (must be
0), retries, TCP connections opened, CPU per message and wall time, then the ratios.
Exits non-zero when a run loses or duplicates a message.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import logging
import sys
import time
import urllib.request
from dataclasses import dataclass

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bench.fake_limited_connector import Limits, start_in_process
from bot.adapter import create_adapter, create_authentication
from bot.delivery import Deliverer, Outgoing
from bot.replies import ReplySender
from bot.settings import Settings

TENANT = "72f988bf-0000-4000-8000-00000000c0de"


def recipients(service_url: str, n: int) -> list[Outgoing]:
    items = []
    for key in range(1, n + 1):
        reference = {
            "channelId": "msteams",
            "serviceUrl": service_url,
            "conversation": {"id": f"a:conv-{key}", "conversationType": "personal", "tenantId": TENANT},
            "bot": {"id": "28:uppdragsboten", "name": "Uppdragsboten"},
            "user": {"id": f"29:user-{key}", "aadObjectId": f"00000000-0000-0000-0000-{key:012d}"},
        }
        card = {
            "type": "AdaptiveCard",
            "version": "1.5",
            "body": [
                {"type": "TextBlock", "text": "Rapporteringen för T2 2022 har öppnat", "weight": "Bolder"},
                {"type": "TextBlock", "text": "Sista dag: 2022-08-31", "wrap": True},
            ],
            "actions": [{"type": "Action.Submit", "title": "Uppdatera status", "data": {"key": key}}],
        }
        activity = {
            "type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
        }
        items.append(Outgoing(key, reference, activity))
    return items


def _fake(url: str, path: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@dataclass
class Run:
    name: str
    wall: float
    cpu: float
    outcomes: collections.Counter
    retries: int
    stats: dict
    lost: int
    timed_out: bool

    @property
    def delivered(self) -> int:
        return self.stats["delivered"]


async def fan_out(url: str, args, *, reuse: bool, count: int) -> Run:
    _fake(url, "/_reset", "POST")
    settings = Settings()
    replies = ReplySender() if reuse else None
    if reuse:  # the bot's own adapter: pooled connector clients, sends on one aiohttp session
        adapter = create_adapter(settings, create_authentication(settings), replies)
    else:
        adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))
    deliverer = Deliverer(
        adapter,
        "",
        rate_per_second=args.rate,
        max_attempts=args.max_attempts,
        base_delay=args.base_delay,
        burst=args.burst,
        reuse_connections=reuse,
    )
    items = recipients(url, count)
    gate = asyncio.Semaphore(args.concurrency)

    async def one(item: Outgoing):
        async with gate:
            return await deliverer.deliver(item)

    cpu0, t0 = time.process_time(), time.monotonic()
    tasks = [asyncio.ensure_future(one(item)) for item in items]
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if deliverer.pool is not None:
        deliverer.pool.close()
    if replies is not None:
        await replies.close()
    results = [task.result() for task in done]
    stats = await asyncio.to_thread(_fake, url, "/_stats")
    delivered_keys = set(stats.pop("delivered_keys"))
    lost = sum(1 for item in items if item.reference["conversation"]["id"] not in delivered_keys)
    return Run(
        name="connection reuse" if reuse else "stock client",
        wall=wall,
        cpu=cpu,
        outcomes=collections.Counter(r.status for r in results),
        retries=sum(r.attempts - 1 for r in results),
        stats=stats,
        lost=lost,
        timed_out=bool(pending),
    )


def report(run: Run, limit: int) -> None:
    s = run.stats
    span = (s["last"] - s["first_request"]) if s["last"] and s["first_request"] else run.wall
    n = max(run.delivered, 1)
    print(f"--- {run.name}")
    print(
        f"  delivered {run.delivered} in {run.wall:.2f} s wall"
        f"{'  (TIMED OUT: unfinished deliveries cancelled)' if run.timed_out else ''}"
    )
    print(
        f"  achieved rate {run.delivered / span:.1f}/s = {run.delivered / span / limit:.3f} of the limit"
        f" (requests {s['requests'] / span:.1f}/s = {s['requests'] / span / limit:.3f} of the limit)"
    )
    print(f"  duplicates {s['duplicates']}   lost {run.lost}   outcomes {dict(run.outcomes)}")
    print(
        f"  retries {run.retries} (fake: {s['requests'] - s['delivered']} rejected = "
        f"{s['injected_429']} injected 429 + {s['injected_500']} injected 500 + {s['over_limit']} over the limit)"
    )
    print(f"  TCP connections opened {s['connections']}   CPU {run.cpu / n * 1000:.2f} ms per message")


async def main_async(args) -> int:
    limits = Limits(limit=args.limit, p429=args.p429, p500=args.p500, seed=args.seed)
    fake = start_in_process(limits)
    try:
        print(
            f"{args.recipients} recipients, fake limit {args.limit}/s (+{args.p429:.0%} 429, {args.p500:.0%} 500),"
            f" Deliverer rate {args.rate:g}/s, concurrency {args.concurrency}, fake at {fake.url}"
        )
        runs = [await fan_out(fake.url, args, reuse=True, count=args.recipients)]
        report(runs[0], args.limit)
        if not args.no_baseline:
            print(f"baseline: {args.baseline_recipients} recipients with the stock connector client")
            runs.append(await fan_out(fake.url, args, reuse=False, count=args.baseline_recipients))
            report(runs[1], args.limit)
            new, base = runs
            print("--- connection reuse vs stock client")
            print(
                f"  CPU per message {new.cpu / max(new.delivered, 1) * 1000:.2f} ms vs "
                f"{base.cpu / max(base.delivered, 1) * 1000:.2f} ms: "
                f"{(base.cpu / max(base.delivered, 1)) / max(new.cpu / max(new.delivered, 1), 1e-9):.2f}x less CPU"
            )
            print(
                f"  TCP connections {new.stats['connections']} vs {base.stats['connections']};"
                f" delivered/s {new.delivered / new.wall:.1f} vs {base.delivered / base.wall:.1f}"
                f" (speed ratio {(new.delivered / new.wall) / max(base.delivered / base.wall, 1e-9):.2f})"
            )
    finally:
        fake.stop()
    bad = [r for r in runs if r.lost or r.stats["duplicates"] or r.timed_out]
    return 1 if bad else 0


def parse(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.notify_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument(
        "--baseline-recipients", type=int, default=1000,
        help="recipients for the stock-client baseline run (it is several times slower)",
    )
    parser.add_argument("--limit", type=int, default=200, help="the fake's requests per second")
    parser.add_argument("--rate", type=float, default=None, help="Deliverer rate (default 95%% of --limit)")
    parser.add_argument("--burst", type=int, default=None, help="Deliverer burst (default: its own)")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--p429", type=float, default=0.05)
    parser.add_argument("--p500", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-attempts", type=int, default=5)
    parser.add_argument("--base-delay", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=45.0, help="seconds per run before giving up")
    parser.add_argument("--no-baseline", action="store_true", help="skip the stock-client run")
    args = parser.parse_args(argv)
    if args.rate is None:
        args.rate = args.limit * 0.95
    return args


def main(argv=None) -> int:
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(main_async(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
