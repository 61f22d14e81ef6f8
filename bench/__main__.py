"""The benchmark (`make bench`): one run, every figure side by side with its target.

    python -m bench [--assignments N] [--quick] [--skip-postgres]
                    [--only turns|queries|import|fanout|language] [--json FILE]

In the order they run:

1. turns    turns per second of `uppdragsbot serve` (local mode, a fresh SQLite database with
            the demo data, as `make run` prepares it) answering "status för TN-uppdrag", next to
            an echo bot that replies through the connector and one that only answers 200
            (bench/echo.py), at 1 and 10 concurrent conversations (bench/load.py).
2. archive  a generated archive of N assignments (BENCH_ASSIGNMENTS, default 100,000) over ten
            years, each year reported in T1, T2 and T3 (bench/archive.py).
3. SQLite, then PostgreSQL (a fresh database bench_<pid>, dropped at the end):
            `uppdragsbot migrate`, the archive imported as `uppdragsbot import` does it
            (bench/imports.py: seconds per 10,000 assignments), then `uppdragsbot serve` on it:
            p50/p95 per question kind over HTTP, the largest message the bot sent, and the
            serving process's peak RSS (VmHWM).
4. fanout   the notification fan-out of bench/notify_bench.py (connection reuse only).
5. language `understand()` per message over tests/language_table.py, next to `domain.text.fold()`
            over the same messages (bench/language.py; no database, a few seconds).

The bots run with SCHEDULER=false and no MicrosoftAppId (local mode); the archive's years end
in 2024 and the questions that need a period name one, so the machine's date does not matter.
Every process the run starts (bots, echo bots, the fake Bot Connector: each its own process)
is stopped at the end, also on Ctrl-C or an error; temporary files are removed. The table goes
to stdout, then the figures as JSON (or to --json FILE); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import procs
from bench.archive import END_YEAR, Manifest, generate, load_committees
from bench.load import Conversation, Latencies, card_of, next_page, session, text_of, throughput

TARGETS = {
    "turns_ratio_1": 0.2,  # bot / echo-with-reply turns per second, 1 conversation
    "turns_ratio_10": 0.1,  # the same at 10 conversations
    "p95_ms": 50.0,  # every question kind, 100,000 assignments x 3 periods
    "largest_kb": 80.0,  # no message over 80 KB (1 KB = 1,000 bytes, as tests/e2e checks)
    "import_s_per_10k": 5.0,
    "rss_mb": 200.0,
    "fanout_ratio": 0.95,  # delivered per second / the connector's limit; 0 duplicates, 0 lost
    "language_mean_us": 1000.0,  # understand() per message of the language table, mean
}
KINDS = ("committee", "committee+period", "status filter", "free text", "history", "paging")
# Questions without a period are about the newest reported period, a T3: these all find some.
STATUS_FILTERS = ("visa ej genomförda uppdrag", "visa genomförda uppdrag", "uppdrag som inte bedöms bli genomförda",
                  "vilka uppdrag saknar rapport", "visa ej rapporterade uppdrag")
TURN_TEXT = "status för TN-uppdrag"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- turns per second ------------------------------------------------------------------------


def turns_phase(args, workdir: Path, connector: procs.Service) -> dict:
    """The real bot against the two echo bots, at 1 and 10 conversations."""
    out: dict = {"text": TURN_TEXT, "duration_s": args.duration, "targets": {}}
    port = procs.free_port()
    targets = [
        ("bot", procs.uppdragsbot("serve"), f"http://127.0.0.1:{port}/healthz"),
        ("echo", procs.python("bench.echo"), None),
        ("bare echo", procs.python("bench.echo", "--no-reply"), None),
    ]
    for name, argv, health in targets:
        with contextlib.ExitStack() as stack:
            env = None
            if name == "bot":
                url = stack.enter_context(procs.sqlite_database(workdir, "demo"))
                env = procs.bot_env(url, PORT=str(port))
            target = stack.enter_context(procs.service(name.replace(" ", "-"), argv, workdir=workdir, env=env,
                                                       health=health))
            figures = {}
            replies_before, posts = asyncio.run(_connector_stats(connector.url))["messages"], 0
            for n in (1, 10):
                result = asyncio.run(throughput(target.url, connector.url, TURN_TEXT, conversations=n,
                                                duration=args.duration, label=name.replace(" ", "-")))
                log(f"  {name}, {n} conversation(s): {result.per_second:.1f} turns/s"
                    f" ({result.turns} turns, {result.errors} errors)")
                figures[str(n)] = {"turns_per_s": round(result.per_second, 2), "turns": result.turns,
                                   "errors": result.errors, "statuses": result.statuses}
                posts += result.posts
            if name != "bare echo":
                stats = asyncio.run(_connector_stats(connector.url))
                figures["replies_per_turn"] = round((stats["messages"] - replies_before) / max(posts, 1), 3)
                figures["largest_reply_bytes"] = stats["max_bytes"]
            out["targets"][name] = figures
    for n in ("1", "10"):
        bot = out["targets"]["bot"][n]["turns_per_s"]
        out[f"bot/echo_{n}"] = round(bot / max(out["targets"]["echo"][n]["turns_per_s"], 1e-9), 3)
        out[f"bot/bare_{n}"] = round(bot / max(out["targets"]["bare echo"][n]["turns_per_s"], 1e-9), 3)
    return out


async def _connector_stats(connector_url: str) -> dict:
    async with session() as http, http.get(f"{connector_url}/_stats") as response:
        return await response.json()


# --- questions -------------------------------------------------------------------------------


class Questions:
    """The questions of each kind, drawn with a fixed seed from the archive's committees,
    periods and the newest year's titles."""

    def __init__(self, manifest: Manifest, seed: int) -> None:
        self.rng = random.Random(seed)
        self.manifest = manifest
        self.committees = [c["abbreviation"] for c in load_committees()]

    def text(self, kind: str) -> str:
        r, m = self.rng, self.manifest
        if kind == "committee":
            return f"status för {r.choice(self.committees)}-uppdrag"
        if kind == "committee+period":
            return f"status för {r.choice(self.committees)}-uppdrag T{r.randint(1, 3)} {r.choice(m.years)}"
        if kind == "status filter":
            return r.choice(STATUS_FILTERS)
        if kind == "free text":
            return f"hur går det med {r.choice(m.title_words)}?"
        if kind == "history":
            return f"historik för {r.choice(m.title_phrases)}"
        raise ValueError(kind)


async def ask_kind(bot_url: str, connector_url: str, kind: str, questions: Questions, args) -> Latencies:
    """``args.queries`` timed questions of one kind (after ``args.warmups``) in one conversation."""
    result = Latencies()
    async with session() as http:
        chat = Conversation(http, bot_url, connector_url, f"query-{kind.replace(' ', '-').replace('+', '-')}")
        page_data: dict | None = None
        page_card_id: str | None = None  # the message holding the "Visa fler" button
        deadline = time.monotonic() + args.kind_budget
        for i in range(args.warmups + args.queries):
            if i > args.warmups and time.monotonic() > deadline:
                result.stopped_early = True
                break
            if kind == "paging" and page_data is None:
                page_data, page_card_id = await _first_page(chat, questions)
                if page_data is None:
                    result.errors += 1
                    result.sample_text = "no committee's list had a 'Visa fler' button"
                    break
            before = await chat.replies()
            if kind == "paging":
                status, seconds = await chat.press(page_data, reply_to=page_card_id)
            else:
                status, seconds = await chat.say(questions.text(kind))
            reply = await chat.last_reply() if await chat.replies() > before else None
            if kind == "paging":
                page_data, page_card_id = next_page(reply), (reply or {}).get("_id")
            if i < args.warmups:
                continue
            if not 200 <= status < 300 or reply is None:
                result.errors += 1
                continue
            result.seconds.append(seconds)
            card = card_of(reply)
            if card is None or "hittade inget" in json.dumps(card, ensure_ascii=False):
                result.texts += 1
                result.sample_text = result.sample_text or (text_of(reply) or _first_text(card))
        result.largest_bytes = await chat.largest_reply()
    return result


async def _first_page(chat: Conversation, questions: Questions) -> tuple[dict | None, str | None]:
    """A committee's list (not timed) with a "Visa fler" button: the button's data and the
    message's id, or (None, None)."""
    for _ in range(20):  # a small committee may have a single page
        await chat.say(questions.text("committee"))
        reply = await chat.last_reply()
        data = next_page(reply)
        if data is not None:
            return data, reply["_id"]
    return None, None


def _first_text(card: dict | None) -> str:
    for block in (card or {}).get("body", []):
        if isinstance(block, dict) and block.get("type") == "TextBlock":
            return str(block.get("text"))[:200]
    return ""


def queries_phase(bot: procs.Service, connector: procs.Service, manifest: Manifest, args) -> dict:
    questions = Questions(manifest, args.seed)
    out = {}
    for kind in KINDS:
        started = time.monotonic()
        result = asyncio.run(ask_kind(bot.url, connector.url, kind, questions, args))
        p50, p95 = result.percentile(50), result.percentile(95)
        out[kind] = {
            "n": len(result.seconds), "p50_ms": _ms(p50), "p95_ms": _ms(p95), "errors": result.errors,
            "not_found_or_text": result.texts, "sample_text": result.sample_text,
            "largest_reply_bytes": result.largest_bytes, "stopped_early": result.stopped_early,
            "seconds": round(time.monotonic() - started, 1),
        }
        log(f"  {kind}: n={len(result.seconds)} p50 {_fmt(_ms(p50))} ms, p95 {_fmt(_ms(p95))} ms,"
            f" largest {result.largest_bytes / 1000:.1f} KB, errors {result.errors}"
            f"{', not found/text ' + str(result.texts) if result.texts else ''}"
            f"{' (time budget reached)' if result.stopped_early else ''}")
    return out


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


# --- a database: migrate, import, serve, ask --------------------------------------------------


def backend_phase(name: str, database_url: str, archive: Path, manifest: Manifest, args, workdir: Path,
                  connector: procs.Service) -> dict:
    out: dict = {}
    env = procs.bot_env(database_url)
    started = time.monotonic()
    procs.run(procs.uppdragsbot("migrate"), workdir=workdir, env=env, what="uppdragsbot migrate")
    out["migrate_s"] = round(time.monotonic() - started, 2)
    log(f"  migrated in {out['migrate_s']} s; importing {len(manifest.files)} files")
    started = time.monotonic()
    done = subprocess.run(procs.python("bench.imports", str(archive)), cwd=workdir, env=env, text=True,
                          stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)  # progress on stderr
    if done.returncode != 0:
        raise procs.ServiceError(f"import failed with exit code {done.returncode}")
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    out["import"] = {
        "seconds": round(imported["seconds"], 2),
        "wall_s": round(time.monotonic() - started, 2),
        # One import is one report: seconds per 10,000 of its assignment blocks. The archive
        # holds every assignment three times (T1, T2, T3): per 10,000 assignments it is 3x.
        "s_per_10k": round(imported["seconds"] / sum(f["assignments"] for f in imported["files"]) * 10_000, 2),
        "s_per_10k_assignments_3_periods": round(imported["seconds"] / manifest.assignments * 10_000, 2),
        "slowest_file": max(imported["files"], key=lambda f: f["seconds"]),
    }
    log(f"  import: {out['import']['seconds']} s = {out['import']['s_per_10k']} s per report of 10,000 assignments")
    if args.only not in (None, "queries"):
        return out
    port = procs.free_port()
    started = time.monotonic()
    with procs.service(f"bot-{name}", procs.uppdragsbot("serve"), workdir=workdir,
                       env=procs.bot_env(database_url, PORT=str(port), LOAD_DEMO_DATA="false"),
                       health=f"http://127.0.0.1:{port}/healthz") as bot:
        out["serve_start_s"] = round(time.monotonic() - started, 2)
        out["queries"] = queries_phase(bot, connector, manifest, args)
        out["peak_rss_mb"] = round(bot.peak_rss_mb() or 0, 1)
    log(f"  peak RSS of serve: {out['peak_rss_mb']} MB")
    return out


# --- notification fan-out --------------------------------------------------------------------


def fanout_phase(args) -> dict:
    from bench import notify_bench
    from bench.fake_limited_connector import Limits, start_in_process

    nargs = notify_bench.parse(["--recipients", str(args.recipients), "--no-baseline"])
    fake = start_in_process(Limits(limit=nargs.limit, p429=nargs.p429, p500=nargs.p500, seed=nargs.seed))
    try:
        run = asyncio.run(notify_bench.fan_out(fake.url, nargs, reuse=True, count=nargs.recipients))
    finally:
        fake.stop()
    with contextlib.redirect_stdout(sys.stderr):
        notify_bench.report(run, nargs.limit)
    stats = run.stats
    span = (stats["last"] - stats["first_request"]) if stats["last"] and stats["first_request"] else run.wall
    rate = run.delivered / span if span else 0.0
    return {
        "recipients": nargs.recipients, "limit_per_s": nargs.limit, "rate_per_s": round(rate, 1),
        "rate/limit": round(rate / nargs.limit, 3), "duplicates": stats["duplicates"], "lost": run.lost,
        "retries": run.retries, "timed_out": run.timed_out, "wall_s": round(run.wall, 1),
    }


# --- understanding a message ------------------------------------------------------------------


def language_phase(args) -> dict:
    from bench import language

    return language.run(args.rounds)


# --- the table -------------------------------------------------------------------------------


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "MISSED")


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0] + (f" ... {lines[-1].strip()}" if len(lines) > 1 else "")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(row, widths))).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(figures: dict) -> str:
    out = []
    config = figures["config"]
    out.append(f"Uppdragsboten benchmark  {figures['started']}  commit {figures.get('commit', '?')}  "
               f"({config['cpus']} CPUs, Python {config['python']})")
    archive = figures.get("archive")
    if archive and "error" in archive:
        out.append(f"Archive: {archive['error']}")
    elif archive:
        out.append(f"Archive: {archive['assignments']:,} assignments x 3 periods, {archive['years'][0]}–"
                   f"{archive['years'][-1]}, {archive['files']} files, {archive['mb']:.1f} MB, "
                   f"{archive['distinct_words']:,} distinct words, generated in {archive['seconds']} s (seed {config['seed']})")
    backends = figures.get("backends", {})
    if backends:
        names = list(backends)
        rows = [["", *names, "target", ""]]

        def row(label, getter, target_text, ok_test, digits=1):
            values = [getter(backends[n]) if isinstance(backends[n], dict) and "error" not in backends[n] else None
                      for n in names]
            known = [v for v in values if v is not None]
            ok = all(ok_test(v) for v in known) if known and ok_test else None
            rows.append([label, *(_fmt(v, digits) for v in values), target_text, _verdict(ok)])

        row("import: s per report of 10,000", lambda b: b.get("import", {}).get("s_per_10k"),
            f"<= {TARGETS['import_s_per_10k']:g}", lambda v: v <= TARGETS["import_s_per_10k"], 2)
        row("  (per 10,000 x 3 periods)", lambda b: b.get("import", {}).get("s_per_10k_assignments_3_periods"),
            "", None, 2)
        row("import: total s", lambda b: b.get("import", {}).get("seconds"), "", None)
        for kind in KINDS:
            for p in ("p50", "p95"):
                target = f"<= {TARGETS['p95_ms']:g}" if p == "p95" else ""
                test = (lambda v: v <= TARGETS["p95_ms"]) if p == "p95" else None
                row(f"{kind}: {p} ms", lambda b, k=kind, p=p: b.get("queries", {}).get(k, {}).get(f"{p}_ms"),
                    target, test)
        row("largest reply KB", lambda b: max((q["largest_reply_bytes"] for q in b.get("queries", {}).values()),
                                              default=0) / 1000 if b.get("queries") else None,
            f"<= {TARGETS['largest_kb']:g}", lambda v: v <= TARGETS["largest_kb"])
        row("peak RSS of serve MB", lambda b: b.get("peak_rss_mb"), f"<= {TARGETS['rss_mb']:g}",
            lambda v: v <= TARGETS["rss_mb"])
        out += ["", f"Import and questions on the archive (p95 target is for 100,000 assignments):", _table(rows)]
        for name, b in backends.items():
            if "error" in b:
                out.append(f"  {name} failed: {_last_line(b['error'])}")
                continue
            for kind, q in b.get("queries", {}).items():
                notes = []
                if q["errors"]:
                    notes.append(f"{q['errors']} errors")
                if q["not_found_or_text"]:
                    notes.append(f"{q['not_found_or_text']} answers were 'nothing found' or text, e.g. "
                                 f"{q['sample_text']!r}")
                if q["stopped_early"]:
                    notes.append(f"time budget reached after {q['n']} questions")
                if notes:
                    out.append(f"  {name} {kind}: " + "; ".join(notes))
    turns = figures.get("turns")
    if turns and "error" not in turns:
        t = turns["targets"]
        rows = [["turns/s", "bot", "echo+reply", "bare echo", "bot/echo+reply", "target", "", "bot/bare echo"]]
        for n in ("1", "10"):
            target = TARGETS[f"turns_ratio_{n}"]
            ratio = turns[f"bot/echo_{n}"]
            rows.append([f"{n} conversation{'s' if n != '1' else ''}", _fmt(t["bot"][n]["turns_per_s"]),
                         _fmt(t["echo"][n]["turns_per_s"]), _fmt(t["bare echo"][n]["turns_per_s"]),
                         _fmt(ratio, 3), f">= {target:g}", _verdict(ratio >= target), _fmt(turns[f"bot/bare_{n}"], 3)])
        errors = sum(t[name][n]["errors"] for name in t for n in ("1", "10"))
        out += ["", f"Turns per second ({turns['text']!r}, demo data on SQLite, {turns['duration_s']:g} s each;"
                    f" largest bot message {t['bot']['largest_reply_bytes'] / 1000:.1f} KB,"
                    f" {t['bot']['replies_per_turn']:g} replies per turn"
                    f"{f'; {errors} failed turns' if errors else ''}):", _table(rows)]
    elif turns:
        out += ["", f"Turns per second failed: {_last_line(turns['error'])}"]
    fan = figures.get("fanout")
    if fan and "error" not in fan:
        ok = fan["rate/limit"] >= TARGETS["fanout_ratio"] and fan["duplicates"] == 0 and fan["lost"] == 0
        out += ["", f"Notification fan-out ({fan['recipients']:,} recipients, fake limit {fan['limit_per_s']}/s): "
                    f"rate/limit {fan['rate/limit']:.3f} (target >= {TARGETS['fanout_ratio']}), duplicates "
                    f"{fan['duplicates']}, lost {fan['lost']} (target 0 and 0)  {_verdict(ok)}"]
    elif fan:
        out += ["", f"Notification fan-out failed: {_last_line(fan['error'])}"]
    lang = figures.get("language")
    if lang and "error" not in lang:
        target = TARGETS["language_mean_us"]
        u, f = lang["understand"], lang["fold"]
        rows = [["µs per message", "mean", "p50", "p99", "first round", "target", ""],
                ["understand()", _fmt(u["mean_us"]), _fmt(u["p50_us"]), _fmt(u["p99_us"]),
                 _fmt(u["first_round_mean_us"]), f"mean < {target:g}", _verdict(u["mean_us"] < target)],
                ["fold() (baseline)", _fmt(f["mean_us"], 2), _fmt(f["p50_us"], 2), _fmt(f["p99_us"], 2),
                 _fmt(f["first_round_mean_us"], 2), "", ""]]
        slowest = lang["slowest"]
        out += ["", f"Understanding a message ({lang['messages']} messages of tests/language_table.py x "
                    f"{lang['rounds']} rounds, no database; understand/fold {lang['understand/fold']:g}x):",
                _table(rows),
                f"  slowest message: {slowest['message']!r} ({slowest['kind']}) {slowest['mean_us']:g} µs"]
    elif lang:
        out += ["", f"Understanding a message failed: {_last_line(lang['error'])}"]
    phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in figures["phases"].items())
    out += ["", f"Phases: {phases}"]
    return "\n".join(out)


# --- the run ---------------------------------------------------------------------------------


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(__doc__.splitlines()[1:]))
    parser.add_argument("--assignments", type=int, default=None,
                        help="assignments in the archive (default: BENCH_ASSIGNMENTS or 100,000; 2,000 with --quick)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small archive, short measurements")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--only", choices=["turns", "queries", "import", "fanout", "language"],
                        help="one phase (queries imports the archive first and shows that too)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here instead of to stdout")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL")
                        or os.environ.get("TEST_DATABASE_URL") or procs.DEFAULT_POSTGRES_URL,
                        help="a PostgreSQL server to create the bench database on (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--queries", type=int, default=None, help="timed questions per kind (default 50)")
    parser.add_argument("--warmups", type=int, default=3, help="untimed questions per kind first")
    parser.add_argument("--kind-budget", type=float, default=None,
                        help="seconds one question kind may take before it stops early (default 120)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per turns/s measurement (default 10)")
    parser.add_argument("--recipients", type=int, default=None, help="fan-out recipients (default 5,000)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="readings of every message of the language table (default 100)")
    args = parser.parse_args(argv)
    quick = args.quick
    env_n = os.environ.get("BENCH_ASSIGNMENTS")
    if args.assignments is None:
        args.assignments = 2_000 if quick else int(env_n) if env_n else 100_000
    args.queries = args.queries or (20 if quick else 50)
    args.kind_budget = args.kind_budget or (60.0 if quick else 120.0)
    args.duration = args.duration or (3.0 if quick else 10.0)
    args.recipients = args.recipients or (1_000 if quick else 5_000)
    args.rounds = args.rounds or (20 if quick else 100)
    return args


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=5).stdout.strip() or "?"
    except OSError:
        return "?"


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)  # stop children and clean up as on Ctrl-C
    wanted = {args.only} if args.only else {"turns", "import", "queries", "fanout", "language"}
    figures: dict = {
        "started": time.strftime("%Y-%m-%d %H:%M"), "commit": _commit(),
        "config": {"assignments": args.assignments, "seed": args.seed, "quick": args.quick,
                   "queries_per_kind": args.queries, "warmups": args.warmups, "cpus": os.cpu_count(),
                   "python": platform.python_version(), "newest_year": END_YEAR},
        "targets": TARGETS, "phases": {},
    }
    failed = interrupted = False

    def phase(name: str, run):
        nonlocal failed
        log(f"== {name}")
        started = time.monotonic()
        try:
            return run()
        except procs.ServiceError as exc:
            failed = True
            log(f"  {name} failed: {exc}")
            return {"error": str(exc)}
        except Exception as exc:  # noqa: BLE001 - report it and go on with the other phases
            failed = True
            log(f"  {name} failed: {type(exc).__name__}: {exc}")
            return {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            figures["phases"][name] = time.monotonic() - started

    try:
        if "language" in wanted:  # no processes, no database: before everything else
            figures["language"] = phase("language", lambda: language_phase(args))
        with contextlib.ExitStack() as stack:
            if wanted - {"language"}:  # the other phases: a work directory and the fake Bot Connector
                workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="uppdragsbot-bench-")))
                connector = stack.enter_context(procs.service("connector", procs.python("bench.connector"),
                                                              workdir=workdir))

            if "turns" in wanted:
                figures["turns"] = phase("turns", lambda: turns_phase(args, workdir, connector))
            if wanted & {"import", "queries"}:
                archive = workdir / "archive"
                manifest = phase("archive", lambda: generate(archive, args.assignments, seed=args.seed))
                if isinstance(manifest, dict):  # it failed: nothing to import
                    figures["archive"] = manifest
                    wanted -= {"import", "queries"}
            if wanted & {"import", "queries"}:
                figures["archive"] = {"assignments": manifest.assignments, "years": manifest.years,
                                      "files": len(manifest.files), "mb": manifest.total_bytes / 1e6,
                                      "distinct_words": manifest.distinct_words, "seconds": manifest.seconds}
                backends: dict = {}
                figures["backends"] = backends
                with procs.sqlite_database(workdir, "archive") as url:
                    backends["SQLite"] = phase("SQLite", lambda: backend_phase(
                        "sqlite", url, archive, manifest, args, workdir, connector))
                problem = None if args.skip_postgres else procs.postgres_problem(args.postgres_url)
                if args.skip_postgres or problem:
                    log(f"== PostgreSQL skipped: {problem or '--skip-postgres'}")
                else:
                    with procs.postgres_database(args.postgres_url) as url:
                        backends["PostgreSQL"] = phase("PostgreSQL", lambda: backend_phase(
                            "postgres", url, archive, manifest, args, workdir, connector))
            if "fanout" in wanted:
                figures["fanout"] = phase("fanout", lambda: fanout_phase(args))
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: everything started was stopped; the figures so far follow")
    figures["phases"] = {k: round(v, 1) for k, v in figures["phases"].items()}
    print(report(figures))
    text = json.dumps(figures, ensure_ascii=False, indent=1, default=str)
    if args.json:
        args.json.write_text(text + "\n", "utf-8")
        log(f"figures written to {args.json}")
    else:
        print(text)
    return 130 if interrupted else 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
