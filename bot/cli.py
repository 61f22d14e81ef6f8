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
