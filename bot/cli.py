"""The ``uppdragsbot`` command: serve, check, migrate, import, export, reporters, notifications,
periods, manifest.

Every command builds the one ``Container`` (bot/container.py) and works through it. Adding a
command: its parser in ``build_parser``, one function taking (container, args), a row in
``COMMANDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from aiohttp import web

from bot import checks
from bot.app import create_app
from bot.container import Container
from bot.logs import configure_logging
from bot.server import serve_workers
from bot.notify import notify, run_due
from bot.settings import Settings, SettingsError
from manifest.build import write_package
from domain.clock import Clock
from domain.periods import Period, PeriodError
from domain.report_format import ReportFormatError
from domain.rules import NotificationKind
from domain.report_export import FORMATS, render
from storage import calendar, exports, outbox, queries, reporters
from storage.importer import import_file


def _period(text: str) -> Period:
    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _date(text: str) -> date:
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
    which = note.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", type=_period, help='e.g. "T2 2022"')
    which.add_argument("--due", action="store_true",
                       help="what the daily scheduler sends: everything due today (for cron)")
    note.add_argument("--kind", choices=[k.value for k in NotificationKind], default="opening")
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
    sub.add_parser("check", help="check the configuration and the database before traffic arrives (exit 1 on errors)")
    man = sub.add_parser("manifest", help="build the Teams app package (manifest.json and icons, validated)")
    man.add_argument("--out", default="appPackage.zip", help="the zip to write (default: appPackage.zip)")
    exp = sub.add_parser("export", help="write a period's follow-up report: the published text, Markdown or Word")
    exp.add_argument("--period", type=_period, required=True, help='e.g. "T1 2022"')
    exp.add_argument("--committee", help="only this committee's assignments, e.g. TN")
    exp.add_argument("--format", choices=FORMATS, default="text")
    exp.add_argument("-o", "--out", help="the file to write (default: standard output; docx needs a file)")
    imp = sub.add_parser("import", help="import a published follow-up report")
    imp.add_argument("file")
    imp.add_argument("--period", type=_period, help='the period, e.g. "T1 2022" (when the heading has none)')
    return parser


def main(argv: list[str] | None = None, *, clock: Clock | None = None) -> int:
    """The command line; ``clock`` defaults to the machine's (tests pass a fixed one)."""
    args = build_parser().parse_args(argv)
    settings = load_settings(args.env_file)
    if settings is None:
        return 2
    if args.command == "serve":
        return _serve(settings, clock)
    if args.command == "manifest":  # configuration only: no database
        return _manifest(settings, args)
    if args.command == "check":  # looks, changes nothing: no migration
        return 0 if _checked(settings, clock, schema=True, token=True) else 1
    container = Container.build(settings, clock=clock)
    try:
        container.prepare_database(demo=False)
        return COMMANDS[args.command](container, args)
    finally:
        container.close()


def load_settings(env_file: str | None) -> Settings | None:
    """Logging set up and the settings read; None, with the reason on stderr, when they are wrong."""
    configure_logging("text")
    try:
        settings = Settings.from_env(env_file=env_file)
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return None
    if settings.log_format != "text":
        configure_logging(settings.log_format)
    return settings


# The manifest's placeholders as the bot's configuration names them.
MANIFEST_SETTINGS = {"BOT_ID": "MicrosoftAppId", "BOT_DOMAIN": "BOT_DOMAIN", "TEAMS_APP_ID": "TEAMS_APP_ID",
                     "APP_NAME_SUFFIX": "APP_NAME_SUFFIX"}


def _manifest(settings: Settings, args) -> int:
    """The app package from the configuration, validated against the v1.25 schema before it is
    written; on any problem the setting is named and nothing is written."""
    values = {"BOT_ID": settings.app_id, "BOT_DOMAIN": settings.bot_domain, "TEAMS_APP_ID": settings.teams_app_id,
              "APP_NAME_SUFFIX": settings.app_name_suffix}
    code, path = write_package(values, Path(args.out), MANIFEST_SETTINGS)
    if path is not None:
        print(f"wrote {path} (bot {settings.app_id}, https://{settings.bot_domain}/)")
    return code


def _migrate(container: Container, args) -> int:
    print("database is up to date")
    return 0


def _reporters(container: Container, args) -> int:
    with container.db.session() as session:
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


async def _then_close(container: Container, work):
    """``work``, then the connections it opened closed on the same event loop."""
    try:
        return await work
    finally:
        await container.close_connections()


def _notify(container: Container, args) -> int:
    if args.due:
        if args.dry_run:
            print("error: --due sends what is due today; use --period with --dry-run", file=sys.stderr)
            return 2
        summaries = asyncio.run(_then_close(container, run_due(
            container.db, container.deliverer, reminder_days=container.settings.reminder_days,
            lease=container.settings.notify_lease)))
        for period, kind, summary in summaries:
            print(f"{kind.value} {period}: {summary.text()}")
        if not summaries:
            print("nothing is due today")
        return 0 if all(s.failed == 0 for _, _, s in summaries) else 1
    deliverer = None if args.dry_run else container.deliverer
    summary = asyncio.run(_then_close(container, notify(
        container.db, deliverer, args.period, args.kind, dry_run=args.dry_run, lease=container.settings.notify_lease)))
    if args.dry_run:
        for conversation_id, count in summary.planned:
            print(f"{conversation_id}\t{count} assignments")
        print(f"{len(summary.planned)} recipients would get the {args.kind} notification for {args.period}")
        return 0
    print(f"{args.kind} {args.period}: {summary.text()}")
    return 0 if summary.failed == 0 else 1


def _notifications(container: Container, args) -> int:
    period = args.period
    with container.db.session() as session:
        rows = outbox.report(session=session, period=period)
        counts = outbox.counts(session=session, period=period)
        retaken = outbox.retaken(session=session, period=period)
    for row in rows:
        sent = row.sent_at.isoformat(timespec="seconds") if row.sent_at else "-"
        error = f"\t{row.last_error}" if row.last_error else ""
        print(f"{row.kind}\t{row.status}\tattempts={row.attempts}\tsent={sent}\t{row.conversation_id}{error}")
    print(", ".join(f"{status} {n}" for status, n in counts.items()))
    print(f"taken over from a sender that died: {retaken} (each may have arrived twice)")
    return 0


def _periods(container: Container, args) -> int:
    with container.db.session() as session:
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


def _checked(settings: Settings, clock: Clock | None, *, schema: bool, token: bool = False) -> bool:
    """``bot.checks`` on the configuration and the database, every problem printed; whether
    there was no error. ``schema``: a database behind the code is an error (``serve``
    migrates it itself). ``token``: the bot's own token is fetched too (``check`` does; a
    server starting while Entra ID has a bad minute should not refuse to start)."""
    problems = checks.configuration(settings)
    if token and not any(p.error for p in problems):
        problems += checks.bot_token(settings)
    container = Container.build(settings, clock=clock)
    try:
        problems += checks.database(settings, container.db, schema=schema)
    finally:
        container.close()
    for problem in problems:
        print(problem, file=sys.stderr)
    errors = sum(p.error for p in problems)
    mode = "local mode (no MicrosoftAppId)" if settings.local_mode else f"{settings.app_type} {settings.app_id}"
    print(f"{mode}: {errors} error(s), {len(problems) - errors} warning(s)",
          file=sys.stderr if errors else sys.stdout)
    return errors == 0


def _serve(settings: Settings, clock: Clock | None) -> int:
    if not _checked(settings, clock, schema=False):
        return 2  # nothing bound: the problems are printed above
    if settings.workers > 1:
        container = Container.build(settings, clock=clock)
        try:
            container.prepare_database()  # once, before the workers start
        finally:
            container.close()
        serve_workers(settings, clock)
        return 0
    web.run_app(create_app(settings, clock=clock), host=settings.bind_host, port=settings.port)
    return 0


def _export(container: Container, args) -> int:
    if args.format == "docx" and not args.out:
        print("error: a Word file needs -o FILE", file=sys.stderr)
        return 2
    with container.db.session() as session:
        known = {c.abbreviation.casefold(): c.abbreviation for c in queries.list_committees(session=session)}
        committee = known.get(args.committee.strip().casefold()) if args.committee else None
        if args.committee and committee is None:
            print(f"error: unknown committee {args.committee!r}; known: {', '.join(known.values())}", file=sys.stderr)
            return 2
        report = exports.exported_report(session=session, period=args.period, committee=committee,
                                         municipality=container.settings.municipality)
    if not report.statuses:
        print(f"error: no assignments in {args.period.label}"
              f"{' for ' + committee if committee else ''}; nothing was written", file=sys.stderr)
        return 1
    data = render(report, args.format)
    if not args.out:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    out = Path(args.out)
    try:
        partial = out.with_name(f".{out.name}.partial")
        partial.write_bytes(data)
        partial.replace(out)  # whole or not at all
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"wrote {out}: {report.title}, {len(report.statuses)} assignments", file=sys.stderr)
    return 0


def _import(container: Container, args) -> int:
    try:
        # The municipality's name is a page header of a PDF report, even on a one-page one.
        result = import_file(container.db, args.file, period=args.period, noise=(container.settings.municipality,))
    except (ReportFormatError, OSError) as exc:
        reason = exc if isinstance(exc, ReportFormatError) else f"cannot read {args.file}: {exc.strerror}"
        print(f"import failed, nothing was imported: {reason}", file=sys.stderr)
        return 1
    print(f"imported {args.file}: {result.summary()}")
    return 0


COMMANDS = {
    "migrate": _migrate,
    "reporters": _reporters,
    "notify": _notify,
    "notifications": _notifications,
    "periods": _periods,
    "import": _import,
    "export": _export,
}

if __name__ == "__main__":
    sys.exit(main())
