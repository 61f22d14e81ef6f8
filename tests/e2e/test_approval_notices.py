"""Messages about closing a period, end to end: queued in the move's transaction, delivered to
the approvers' and reporters' personal chats, and the approvers' morning digest."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlmodel import Session

from bot.container import Container
from bot.notify import drain, queue_digest
from bot.scheduler import create_scheduler
from dialogs import notifications
from dialogs.actions import ReviewReport, ShowStatus, parse
from domain.approval import CommitteeReport, Move, Role
from domain.periods import Period
from storage import approvals, reporters
from storage.db import make_engine, session_scope
from tests.e2e.conftest import TeamsUser
from tests.e2e.test_notify import DAGVATTEN, install
from tests.seen import actions_of, cards_of, of_type, visible_text

T1, T2 = Period(2022, 1), Period(2022, 2)
DAY = date(2026, 11, 27)  # the tests' clock


@pytest.fixture
async def team(bot_url, connector, database_url, clock):
    """Ada approves TN, Vera KS; Adam is an admin; Rut reports for TN, Rolf for KS. Gus
    reports for and approves TN but removed the bot; Ines approves TN but never installed it."""
    people = {key: TeamsUser(bot_url, connector, name=name) for key, name in (
        ("ada", "Ada Alm"), ("vera", "Vera Vik"), ("adam", "Adam Admin"), ("rut", "Rut Rask"),
        ("rolf", "Rolf Ros"), ("gus", "Gus Gran"), ("ines", "Ines Is"))}
    people["ada"].aad_object_id = people["ada"].aad_object_id.upper()  # Teams' casing is not ours
    for key in ("ada", "vera", "adam", "rut", "rolf", "gus"):
        await install(people[key])
    gus = people["gus"]
    await gus.post(gus.activity(type="installationUpdate", action="remove"))
    roles = [("ada", "TN", reporters.APPROVER), ("vera", "KS", reporters.APPROVER), ("adam", "*", reporters.REPORTER),
             ("rut", "TN", reporters.REPORTER), ("rolf", "KS", reporters.REPORTER), ("gus", "TN", reporters.REPORTER),
             ("gus", "TN", reporters.APPROVER), ("ines", "TN", reporters.APPROVER)]
    with transaction(database_url, clock) as session:
        for key, committee, role in roles:
            assert reporters.add_reporter(session=session, principal=people[key].aad_object_id, committee=committee,
                                          display_name=people[key].name, role=role)
    return people


@contextmanager
def transaction(database_url, clock) -> Iterator[Session]:
    """One transaction on the bot's database, as the chat has it when it makes a move."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine, clock) as session:
            yield session
    finally:
        engine.dispose()


def move(database_url, clock, committee: str, step: Move, *, period: Period = T1, actor: str = "Rut Rask",
         comment: str | None = None, queue=None) -> tuple[CommitteeReport, int]:
    """Make the move and (``queue``) queue its message in the same transaction."""
    with transaction(database_url, clock) as session:
        moved = approvals.move(session=session, committee=committee, period=period, move=step, roles={Role.ADMIN},
                               actor_id=None, actor=actor, comment=comment)
        assert moved.refused is None, moved
        queued = queue(session=session, report=moved.report) if queue else 0
    return moved.report, queued


def queue_again(database_url, clock, queue, report: CommitteeReport) -> int:
    with transaction(database_url, clock) as session:
        return queue(session=session, report=report)


async def deliver(settings, clock):
    """Deliver what is queued, as the bot does after a turn (bot.notify.drain)."""
    container = Container.build(settings, clock=clock)
    try:
        return await drain(container.db, container.deliverer)
    finally:
        await container.aclose()


def received(connector, user: TeamsUser, heading: str) -> list[dict]:
    return [a for a in connector.activities
            if a["_conversation_id"] == user.conversation_id and heading in visible_text([a])]


def buttons(message: dict) -> list:
    """What each button of the message does, parsed as the bot parses a press."""
    return [parse(a["data"]) for a in actions_of(cards_of([message])[0])]


READY = "är klar för godkännande"
RETURNED = "skickades tillbaka"
DIGEST = "väntar på ditt godkännande"


async def test_a_report_marked_ready_reaches_the_committees_approvers_once(team, connector, settings, clock,
                                                                          database_url):
    report, queued = move(database_url, clock, "TN", Move.READY, queue=notifications.queue_ready)
    assert queued == 2  # Ada (TN's approver) and Adam (an admin)
    summary = await deliver(settings, clock)
    assert (summary.sent, summary.failed) == (2, 0)

    for key in ("ada", "adam"):
        [message] = received(connector, team[key], READY)
        shown = visible_text([message]).splitlines()
        assert "TN:s rapport för T1 2022 är klar för godkännande" in shown
        assert "Markerad som klar av Rut Rask 2026-11-27 11:00" in shown
        assert "Nämnd: Tekniska nämnden (TN)" in shown
        assert "3 uppdrag T1 2022 (tertial 1 2022)" in shown
        assert "🔵 Bedöms bli genomfört 3" in shown
        assert buttons(message) == [ReviewReport("TN", T1)]
        assert [a["title"] for a in actions_of(cards_of([message])[0])] == ["Granska och godkänn"]
    for key in ("vera", "rut", "rolf", "gus"):  # KS's approver, the reporters, a chat that is gone
        assert [a for a in connector.activities if a["_conversation_id"] == team[key].conversation_id
                and READY in visible_text([a])] == []

    # The same move queued again sends nothing new.
    assert queue_again(database_url, clock, notifications.queue_ready, report) == 0
    assert (await deliver(settings, clock)).sent == 0
    assert len(received(connector, team["ada"], READY)) == 1

    # Sent back and marked ready again, in the same instant: a new move, a new message.
    move(database_url, clock, "TN", Move.SEND_BACK, actor="Ada Alm", comment="Komplettera.")
    _, queued = move(database_url, clock, "TN", Move.READY, queue=notifications.queue_ready)
    assert queued == 2
    assert (await deliver(settings, clock)).sent == 2
    assert len(received(connector, team["ada"], READY)) == 2


async def test_the_ready_card_says_what_is_unreported(team, connector, settings, clock, database_url):
    _, queued = move(database_url, clock, "MSN", Move.READY, period=T2, queue=notifications.queue_ready)
    assert queued == 1  # only Adam, the admin, may approve MSN's report
    await deliver(settings, clock)
    [message] = received(connector, team["adam"], READY)
    shown = visible_text([message]).splitlines()
    assert "MSN:s rapport för T2 2022 är klar för godkännande" in shown
    assert "⚪ Ej rapporterat 2" in shown and "Observera: 2 uppdrag saknar rapport." in shown
    assert buttons(message) == [ReviewReport("MSN", T2)]


async def test_a_report_sent_back_tells_its_reporters_the_comment(team, connector, settings, clock, database_url):
    comment = "Komplettera **dagvatten**-uppdraget, se [länken](https://example.com).\n<b>Tack!</b>"
    move(database_url, clock, "TN", Move.READY)
    report, queued = move(database_url, clock, "TN", Move.SEND_BACK, actor="Bo Berg", comment=comment,
                          queue=notifications.queue_returned)
    assert queued == 1  # Rut; not Adam (an admin), not KS's Rolf, not Gus (gone)
    assert (await deliver(settings, clock)).sent == 1

    rut = team["rut"]
    [message] = received(connector, rut, RETURNED)
    shown = visible_text([message]).splitlines()
    assert "TN:s rapport för T1 2022 skickades tillbaka av Bo Berg" in shown
    # The comment as written, line by line, in text that renders no markdown.
    assert "Komplettera **dagvatten**-uppdraget, se [länken](https://example.com)." in shown
    assert "<b>Tack!</b>" in shown
    card = cards_of([message])[0]
    assert not [b for b in of_type(card, "TextBlock") if "dagvatten" in b["text"] or "Bo Berg" in b["text"]]
    [show] = buttons(message)
    assert isinstance(show, ShowStatus) and show.query.committees == ("TN",) and show.query.period == T1
    assert [a["title"] for a in actions_of(card)] == ["Visa TN:s uppdrag"]
    for key in ("ada", "vera", "adam", "rolf", "gus"):
        assert [a for a in connector.activities if a["_conversation_id"] == team[key].conversation_id
                and RETURNED in visible_text([a])] == []

    # The button shows TN's assignments.
    [data] = [a["data"] for a in actions_of(card)]
    assert DAGVATTEN in visible_text(await rut.press(data, card=message))

    assert queue_again(database_url, clock, notifications.queue_returned, report) == 0
    assert (await deliver(settings, clock)).sent == 0


async def test_the_digest_lists_only_what_each_approver_may_approve(team, connector, settings, clock,
                                                                    database_url):
    for committee, period in (("TN", T1), ("KS", T1), ("MSN", T2)):  # 11:00, 11:05, 11:10
        move(database_url, clock, committee, Move.READY, period=period)
        clock.advance(minutes=5)
    container = Container.build(settings, clock=clock)
    try:
        assert await queue_digest(container.db, DAY) == 3  # Ada, Vera, Adam
        assert (await drain(container.db, container.deliverer)).sent == 3
        assert await queue_digest(container.db, DAY) == 0  # once a day, however often it runs
        assert (await drain(container.db, container.deliverer)).sent == 0
    finally:
        await container.aclose()

    [to_ada] = received(connector, team["ada"], DIGEST)
    assert "1 rapport väntar på ditt godkännande" in visible_text([to_ada])
    assert "TN:s rapport för T1 2022" in visible_text([to_ada]).splitlines()
    assert "KS:s" not in visible_text([to_ada]) and "MSN:s" not in visible_text([to_ada])
    assert buttons(to_ada) == [ReviewReport("TN", T1)]
    [to_vera] = received(connector, team["vera"], DIGEST)
    assert buttons(to_vera) == [ReviewReport("KS", T1)]
    assert "TN:s" not in visible_text([to_vera])
    [to_adam] = received(connector, team["adam"], DIGEST)
    shown = visible_text([to_adam]).splitlines()
    assert "3 rapporter väntar på ditt godkännande" in shown and "Sammanställning 2026-11-27" in shown
    assert "Klar av Rut Rask 2026-11-27 11:00" in shown
    assert buttons(to_adam) == [ReviewReport("TN", T1), ReviewReport("KS", T1), ReviewReport("MSN", T2)]
    assert all(len(s["actions"]) == 1 for s in of_type(cards_of([to_adam])[0], "ActionSet"))
    for key in ("rut", "rolf", "gus"):
        assert received(connector, team[key], DIGEST) == []

    # TN approved: the next morning Ada has nothing to approve and gets nothing.
    move(database_url, clock, "TN", Move.APPROVE, actor="Ada Alm")
    container = Container.build(settings, clock=clock)
    try:
        assert await queue_digest(container.db, DAY + timedelta(days=1)) == 2  # Vera, Adam
        await drain(container.db, container.deliverer)
    finally:
        await container.aclose()
    assert len(received(connector, team["ada"], DIGEST)) == 1
    assert len(received(connector, team["vera"], DIGEST)) == 2
    latest = received(connector, team["adam"], DIGEST)[-1]
    assert buttons(latest) == [ReviewReport("KS", T1), ReviewReport("MSN", T2)]


async def test_no_digest_when_nothing_is_ready(team, connector, settings, clock):
    container = Container.build(settings, clock=clock)
    try:
        assert await queue_digest(container.db, DAY) == 0
    finally:
        await container.aclose()


async def test_the_morning_job_sends_the_digest(team, connector, settings, clock, database_url):
    move(database_url, clock, "KS", Move.READY)
    container = Container.build(settings, clock=clock)
    try:
        daily = create_scheduler(container).get_job("notifications").func
        await daily()
        await daily()  # a second run, or another instance: nothing twice
    finally:
        await container.aclose()
    [digest] = received(connector, team["vera"], DIGEST)
    assert buttons(digest) == [ReviewReport("KS", T1)]
    assert len(received(connector, team["adam"], DIGEST)) == 1
    assert received(connector, team["ada"], DIGEST) == []
