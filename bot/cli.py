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
from domain.approval import CommitteeReport, ReportState
from domain.clock import Clock, local
from domain.periods import Period, PeriodError
from domain.report_format import ReportFormatError
from domain.rules import PERIOD_KINDS
from domain.report_export import FORMATS, render
from domain.statuses import StatusCategory
from storage import approvals, calendar, exports, outbox, queries, reporters
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


ROLES_HELP = """roles, per committee:
  reporter  updates the committee's assignments and marks its report ready
  approver  approves the committee's ready report or sends it back
"*" as the committee: a reporter for "*" is an admin (may do everything for
every committee, and reopen an approved report); an approver for "*" is an
approver for every committee."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uppdragsbot", description="Uppdragsboten for Microsoft Teams")
    parser.add_argument("--env-file", default=".env", help="dotenv file to read (default: .env)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate the database and start the bot")
    sub.add_parser("migrate", help="upgrade the database schema and load the committee list")
    rep = sub.add_parser(
        "reporters", help="who may report for (update) or approve which committee's assignments",
        description=ROLES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    rep_sub = rep.add_subparsers(dest="action", required=True)
    for action, text in (("add", "give a person a role for a committee"),
                         ("remove", "take a person's role for a committee away")):
        cmd = rep_sub.add_parser(action, help=text, description=f"{text[0].upper()}{text[1:]}.\n\n{ROLES_HELP}",
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_argument("principal", help="Entra object id or UPN (anna.andersson@kommun.se)")
        cmd.add_argument("committee", help='committee abbreviation, e.g. TN, or "*": as reporter an admin, '
                                           'as approver an approver for every committee')
        if action == "add":
            cmd.add_argument("--name", help="display name")
        cmd.add_argument("--role", choices=reporters.ROLES, default=reporters.REPORTER,
                         help="reporter: updates the committee's assignments and marks its report ready; "
                              "approver: approves the report or sends it back (default: reporter)")
    lst = rep_sub.add_parser("list", help="list reporters, approvers and admins with their roles",
                             description=ROLES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    lst.add_argument("committee", nargs="?",
                     help='only this committee ("*": the admins and the approvers for every committee)')
    note = sub.add_parser("notify", help="send the period-start notification or the reminder now")
    which = note.add_mutually_exclusive_group(required=True)
    which.add_argument("--period", type=_period, help='e.g. "T2 2022"')
    which.add_argument("--due", action="store_true",
                       help="what the daily scheduler sends: everything due today (for cron)")
    note.add_argument("--kind", choices=[k.value for k in PERIOD_KINDS], default="opening")
    note.add_argument("--dry-run", action="store_true", help="only show who would get what")
    log = sub.add_parser("notifications", help="the delivery log of a period's notifications")
    log.add_argument("--period", type=_period, required=True)
    per = sub.add_parser("periods", help="the reporting calendar, and how far each committee has closed a period")
    per_sub = per.add_subparsers(dest="action", required=True)
    per_list = per_sub.add_parser("list", help="show when reporting opens and closes")
    per_list.add_argument("--year", type=int)
    per_set = per_sub.add_parser("set", help="change a period's dates")
    per_set.add_argument("period", type=_period)
    per_set.add_argument("--opens", type=_date, help="YYYY-MM-DD")
    per_set.add_argument("--deadline", type=_date, help="YYYY-MM-DD")
    per_status = per_sub.add_parser(
        "status", help="each committee's report for a period: open, ready or approved, and how much is reported")
    per_status.add_argument("--period", type=_period, required=True, help='e.g. "T2 2023"')
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
        try:
            committee = _committee_or_all(session, args.committee) if args.committee is not None else None
            if args.action == "list":
                return _list_reporters(reporters.list_reporters(session=session, committee=committee), committee)
            principal = args.principal.strip().lower()
            if not principal:
                raise ValueError("the principal is empty")
            if args.action == "add":
                changed = reporters.add_reporter(session=session, principal=principal, committee=committee,
                                                 display_name=args.name, role=args.role)
            else:
                changed = reporters.remove_reporter(session=session, principal=principal, committee=committee,
                                                    role=args.role)
        except ValueError as exc:  # an unknown committee, an empty principal
            print(f"error: {exc}", file=sys.stderr)
            return 2
    grant = _grant(args.role, committee)
    if args.action == "add":
        print(f"{principal} is now {grant}" if changed else f"{principal} is already {grant}")
    else:
        print(f"{principal} is no longer {grant}" if changed else f"{principal} was not {grant}")
    return 0


def _committee_or_all(session, committee: str) -> str:
    """"*", or the committee as the committee table spells it (UnknownCommittee otherwise)."""
    if committee.strip() == reporters.ALL_COMMITTEES:
        return reporters.ALL_COMMITTEES
    return reporters.canonical_committee(session, committee)


def _grant(role: str, committee: str) -> str:
    """"a reporter for TN", "an admin", "an approver for every committee"."""
    if committee != reporters.ALL_COMMITTEES:
        return f"{'an' if role == reporters.APPROVER else 'a'} {role} for {committee}"
    return "an admin (every committee)" if role == reporters.REPORTER else "an approver for every committee"


def _list_reporters(rows: list[reporters.ReporterRecord], committee: str | None) -> int:
    """One line each: committee, role ("admin" for a "*" reporter), principal (name)."""
    for row in rows:
        name = f" ({row.display_name})" if row.display_name else ""
        print(f"{row.committee}\t{'admin' if row.is_admin else row.role}\t{row.principal}{name}")
    if not rows:
        print(f"no reporters or approvers{' for ' + committee if committee else ''}")
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
    if args.action == "status":
        return _period_status(container, args.period)
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


def _period_status(container: Container, period: Period) -> int:
    """A line per committee with assignments in ``period``: its report's state (who moved it
    last, and when), how many of its assignments are reported and how many not."""
    with container.db.session() as session:
        counted = queries.committee_counts(session=session, period=period)
        states = approvals.reports(session=session, period=period,
                                   committees=[c.abbreviation for c, _ in counted])
    if not counted:
        print(f"error: no assignments in {period.label}", file=sys.stderr)
        return 1
    tally = {state: 0 for state in ReportState}
    for committee, counts in counted:
        report = states.get(committee.abbreviation, CommitteeReport(committee.abbreviation, period))
        tally[report.state] += 1
        unreported = counts.get(StatusCategory.NOT_REPORTED, 0)
        reported = sum(counts.values()) - unreported
        print(f"{committee.abbreviation}\t{_state(report)}\treported {reported}\tunreported {unreported}")
    print(f"{period.label}: {len(counted)} committees, "
          + ", ".join(f"{n} {state.name.lower()}" for state, n in tally.items()))
    return 0


def _state(report: CommitteeReport) -> str:
    """"Godkänd (Bo Berg 2023-09-12)"; an open report that was sent back or reopened gets the
    comment too: 'Öppen för rapportering (Bo Berg 2023-09-12: "Fyll i KS-delen")'."""
    if report.at is None:
        return report.state.label
    who = " ".join(filter(None, [report.by, local(report.at).date().isoformat()]))
    comment = f': "{report.comment}"' if report.state is ReportState.OPEN and report.comment else ""
    return f"{report.state.label} ({who}{comment})"


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
