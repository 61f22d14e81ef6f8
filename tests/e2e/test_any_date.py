"""The bot works whatever the date: status → update → notification on dates in each reporting
window and around the turn of the year, with the clock pinned (the machine's date is never read).

The demo data is T1 2022; the same report is also imported as T1 2026, so that the
assignments given for 2026 make each 2026 reporting window the default period while it is open.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from bot.cli import main
from storage.db import make_engine
from storage.importer import import_text
from tests.conftest import SEED_FILE
from tests.e2e.conftest import TeamsUser
from tests.factories import clock_at, database
from tests.seen import actions_of, cards_of, visible_text

# (Swedish local time, the period a question or an update is about, the notification sent that day)
DATES = [
    (datetime(2027, 1, 15, 12, 0), "T3 2026", "Nu är rapporteringen för T3 2026 (helår 2026) öppen"),
    (datetime(2026, 5, 10, 12, 0), "T1 2026", "Nu är rapporteringen för T1 2026 (tertial 1 2026) öppen"),
    (datetime(2026, 9, 10, 12, 0), "T2 2026", "Nu är rapporteringen för T2 2026 (delår 2026) öppen"),
    # No window is open between T2's deadline (22 September) and T3's opening (1 January).
    (datetime(2026, 12, 31, 23, 59), "T1 2026", None),
    # 23:01 UTC on 31 December: in Sweden it is already the day T3's reporting opens.
    (datetime(2027, 1, 1, 0, 1), "T3 2026", "Nu är rapporteringen för T3 2026 (helår 2026) öppen"),
]


@pytest.fixture(params=DATES, ids=[d[0].strftime("%Y-%m-%dT%H:%M") for d in DATES])
def day(request):
    return request.param


@pytest.fixture
def clock(day):
    return clock_at(day[0])


@pytest.fixture
def with_2026(bot_url, database_url, clock):
    """The seed report imported again as T1 2026 (after the bot loaded the demo data)."""
    heading, rest = SEED_FILE.read_text("utf-8").split("\n", 1)
    engine = make_engine(database_url)
    import_text(database(engine, clock), heading.replace("2022", "2026") + "\n" + rest, filename="T1-2026.txt")
    engine.dispose()


def button(replies: list[dict], title: str) -> dict:
    [data] = [a["data"] for card in cards_of(replies) for a in actions_of(card) if a.get("title", "").startswith(title)]
    return data


async def test_status_update_and_notification_on_any_date(with_2026, user: TeamsUser, connector, day,
                                                          database_url, monkeypatch, capsys):
    at, period, notification = day
    assert "Klart! Du får nu besked" in visible_text(await user.say("prenumerera på TN"))

    # A question without a period is about the period the rule picks for that day.
    shown = visible_text(await user.say("status för TN-uppdrag"))
    assert f"Uppdrag {period} (" in shown

    # An update without a period goes to the same period, stamped with the clock's time.
    replies = await user.say("uppdatera dagvatten")
    assert f"Period: {period} (" in visible_text(replies)
    replies = await user.press(button(replies, "🔵"))
    replies = await user.say(f"Läget {at:%Y-%m-%d}: upphandlingen pågår.")
    replies = await user.press(button(replies, "Spara"))
    shown = visible_text(replies)
    assert "Sparat!" in shown
    assert f"Period: {period} (" in shown
    assert f"Rapporterad av Anna Andersson {at:%Y-%m-%d %H:%M}" in shown

    # What the daily scheduler sends that day (here through `uppdragsbot notify --due`).
    before = len(connector.activities)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert await asyncio.to_thread(main, ["--env-file", "", "notify", "--due"], clock=clock_at(at)) == 0
    printed = capsys.readouterr().out
    sent = [visible_text([a]) for a in connector.activities[before:] if a["_conversation_id"] == user.conversation_id]
    assert [shown.splitlines()[0] for shown in sent] == ([notification] if notification else [])
    assert ("nothing is due today" in printed) == (notification is None)
    assert all("Utred nya lösningar på dagvattenhantering" in shown for shown in sent)

