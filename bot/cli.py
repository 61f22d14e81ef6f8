"""The ``uppdragsbot`` command: serve, migrate and import."""

from __future__ import annotations

import argparse
import logging
import sys

from storage.periods import Period, PeriodError


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2022-09-01") from exc


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uppdragsbot", description="Uppdragsboten for Microsoft Teams")
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate the database and start the bot")
    sub.add_parser("migrate", help="upgrade the database schema and load the committee list")
    rep = sub.add_parser("reporters", help="who may update which committee's assignments")
    rep_sub = rep.add_subparsers(dest="action", required=True)
    for action, text in (("add", "allow a person to report for a committee"),
                         ("remove", "take the right away")):
        cmd = rep_sub.add_parser(action, help=text)
        cmd.add_argument("principal", help="Entra object id or UPN (anna.andersson@kommun.se)")
        cmd.add_argument("committee", help='committee abbreviation, e.g. TN, or "*" for an admin')
        if action == "add":
            cmd.add_argument("--name", help="display name")
    lst = rep_sub.add_parser("list", help="list reporters")
    lst.add_argument("committee", nargs="?", help="only this committee")
    note = sub.add_parser("notify", help="send the period-start notification or the reminder now")
    note.add_argument("--period", type=_period, required=True, help='e.g. "T2 2022"')
    note.add_argument("--kind", choices=("opening", "reminder"), default="opening")
    note.add_argument("--dry-run", action="store_true", help="only show who would get what")
    log = sub.add_parser("notifications", help="the delivery log of a period's notifications")
    log.add_argument("--period", type=_period, required=True)
    per = sub.add_parser("periods", help="the reporting calendar")
    per_sub = per.add_subparsers(dest="action", required=True)
    per_list = per_sub.add_parser("list", help="show when reporting opens and closes")
    per_list.add_argument("--year", type=int)
    per_set = per_sub.add_parser("set", help="change a period's dates")
    per_set.add_argument("period", type=_period)
    per_set.add_argument("--opens", type=_date, help="YYYY-MM-DD")
    per_set.add_argument("--deadline", type=_date, help="YYYY-MM-DD")
    imp = sub.add_parser("import", help="import a published follow-up report")
    imp.add_argument("file")
    imp.add_argument("--period", type=_period, help='the period, e.g. "T1 2022" (when the heading has none)')
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from bot.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(env_file=args.env_file)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return _serve(settings)
    if args.command == "migrate":
        _prepare(settings, demo=False)
        print("database is up to date")
        return 0
    if args.command == "reporters":
        return _reporters(settings, args)
    if args.command == "notify":
        return _notify(settings, args)
    if args.command == "notifications":
        return _notifications(settings, args.period)
    if args.command == "periods":
        return _periods(settings, args)
    return _import(settings, args.file, args.period)


def _prepare(settings, *, demo: bool):
    from storage.bootstrap import prepare_database
    from storage.db import make_engine

    engine = make_engine(settings.database_url)
    prepare_database(engine, committees_file=settings.committees_file, demo_data=demo)
    return engine


def _reporters(settings, args) -> int:
    from storage import reporters
    from storage.db import session_scope

    engine = _prepare(settings, demo=False)
    with session_scope(engine) as session:
        if args.action == "list":
            rows = reporters.list_reporters(session=session, committee=args.committee)
            for row in rows:
                name = f" ({row.display_name})" if row.display_name else ""
                print(f"{row.committee}\t{row.principal}{name}")
            if not rows:
                print("no reporters")
            return 0
        try:
            if args.action == "add":
                changed = reporters.add_reporter(
                    session=session, principal=args.principal, committee=args.committee, display_name=args.name
                )
            else:
                changed = reporters.remove_reporter(
                    session=session, principal=args.principal, committee=args.committee
                )
        except reporters.UnknownCommittee as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    verb = {"add": ("added", "already a reporter"), "remove": ("removed", "was not a reporter")}[args.action]
    print(f"{args.principal} {verb[0] if changed else verb[1]} for {args.committee}")
    return 0


def _notify(settings, args) -> int:
    import asyncio

    from bot.adapter import create_adapter, create_authentication
    from bot.delivery import Deliverer
    from bot.notify import notify

    engine = _prepare(settings, demo=False)
    deliverer = None
    if not args.dry_run:
        adapter = create_adapter(settings, create_authentication(settings))
        deliverer = Deliverer(adapter, settings.app_id, rate_per_second=settings.notify_rate)
    summary = asyncio.run(notify(engine, deliverer, args.period, args.kind, dry_run=args.dry_run))
    if args.dry_run:
        for conversation_id, count in summary.planned:
            print(f"{conversation_id}\t{count} assignments")
        print(f"{len(summary.planned)} recipients would get the {args.kind} notification for {args.period}")
        return 0
    print(f"{args.kind} {args.period}: {summary.text()}")
    return 0 if summary.failed == 0 else 1


def _notifications(settings, period) -> int:
    from storage import outbox
    from storage.db import session_scope

    engine = _prepare(settings, demo=False)
    with session_scope(engine) as session:
        rows = outbox.report(session=session, period=period)
        counts = outbox.counts(session=session, period=period)
    for row in rows:
        sent = row.sent_at.isoformat(timespec="seconds") if row.sent_at else "-"
        error = f"\t{row.last_error}" if row.last_error else ""
        print(f"{row.kind}\t{row.status}\tattempts={row.attempts}\tsent={sent}\t{row.conversation_id}{error}")
    print(", ".join(f"{status} {n}" for status, n in counts.items()))
    return 0


def _periods(settings, args) -> int:
    from storage import calendar
    from storage.db import session_scope

    engine = _prepare(settings, demo=False)
    with session_scope(engine) as session:
        if args.action == "set":
            try:
                calendar.set_period_dates(session=session, period=args.period, opens_on=args.opens,
                                          deadline=args.deadline)
            except ValueError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            rows = [calendar.get_period_dates(session=session, period=args.period)]
        else:
            rows = calendar.list_periods(session=session, year=args.year)
    for row in rows:
        print(f"{row.period.label}\tends {row.ends_on}\topens {row.opens_on}\tdeadline {row.deadline}")
    return 0


def _serve(settings) -> int:
    from aiohttp import web

    from bot.app import create_app

    web.run_app(create_app(settings), host=settings.bind_host, port=settings.port)
    return 0


def _import(settings, path: str, period: Period | None) -> int:
    from storage.importer import import_file
    from storage.report_format import ReportFormatError

    engine = _prepare(settings, demo=False)
    try:
        result = import_file(engine, path, period=period)
    except ReportFormatError as exc:
        print(f"import failed, nothing was imported: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"import failed: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 1
    print(f"imported {path}: {result.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
