"""Period-start notifications and reminders, end to end: install, subscribe, notify."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import Counter

import pytest

from bot.cli import main
from domain.approval import Move, Role
from domain.periods import Period
from storage import approvals, conversations
from storage.db import make_engine, session_scope
from tests.e2e.conftest import TENANT, TeamsUser
from tests.factories import CLOCK, only_postgres
from tests.seen import actions_of, cards_of, visible_text

DAGVATTEN = "Utred nya lösningar på dagvattenhantering"


async def install(user: TeamsUser) -> None:
    status, replies = await user.post(user.activity(type="installationUpdate", action="add"))
    assert status in (200, 201) and len(cards_of(replies)) == 1  # the welcome


def cli(monkeypatch, database_url, *args) -> int:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return main(["--env-file", "", *args], clock=CLOCK)


@pytest.fixture
async def people(bot_url, connector):
    """Anna (TN), Bertil (KS) and a channel (MSN) subscribe; Carl only installs; Dora left."""
    anna = TeamsUser(bot_url, connector)
    bertil = TeamsUser(bot_url, connector, name="Bertil Berg")
    channel = TeamsUser(bot_url, connector, name="Cecilia", conversation_type="channel")
    carl = TeamsUser(bot_url, connector, name="Carl Ek")
    dora = TeamsUser(bot_url, connector, name="Dora Dahl")
    for person, committee in ((anna, "TN"), (bertil, "KS"), (channel, "MSN"), (dora, "TN")):
        await install(person)
        assert "Klart!" in visible_text(await person.say(f"prenumerera på {committee}"))
    await install(carl)
    await dora.post(dora.activity(type="installationUpdate", action="remove"))
    return {"anna": anna, "bertil": bertil, "channel": channel, "carl": carl, "dora": dora}


def notifications_to(connector, user: TeamsUser) -> list[dict]:
    return [a for a in connector.activities
            if a["_conversation_id"] == user.conversation_id and "Sista dag att rapportera" in visible_text([a])]


async def test_subscriptions_in_chat(user):
    assert "prenumererar inte" in visible_text(await user.say("mina prenumerationer"))
    assert "Tekniska nämnden (TN)" in visible_text(await user.say("prenumerera på tekniska nämnden"))
    assert "redan" in visible_text(await user.say("prenumerera på TN"))
    assert "Tekniska nämnden (TN)" in visible_text(await user.say("mina prenumerationer"))
    assert "avslutad" in visible_text(await user.say("avsluta prenumeration på TN"))
    assert "Vilken nämnd" in visible_text(await user.say("prenumerera"))


async def test_opening_notification_reaches_each_active_subscriber_once(people, connector, database_url,
                                                                        monkeypatch, capsys):
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022") == 0
    assert "3 queued, 3 sent" in capsys.readouterr().out
    anna, bertil, channel = people["anna"], people["bertil"], people["channel"]
    [to_anna] = notifications_to(connector, anna)
    shown = visible_text([to_anna])
    assert "Nu är rapporteringen för T1 2022" in shown and "Sista dag att rapportera: 2022-05-22" in shown
    assert DAGVATTEN in shown and "Purple Flag" in shown and "trygghetsvandring" in shown
    updates = [a for a in actions_of(cards_of([to_anna])[0]) if a["data"]["action"] == "update_status"]
    assert len(updates) == 3
    assert len(notifications_to(connector, bertil)) == 1 and len(notifications_to(connector, channel)) == 1
    assert notifications_to(connector, people["carl"]) == [] and notifications_to(connector, people["dora"]) == []
    # Running it again sends nothing new.
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022") == 0
    assert "0 queued, 0 sent" in capsys.readouterr().out
    assert len(notifications_to(connector, anna)) == 1
    # The delivery log.
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notifications", "--period", "T1 2022") == 0
    assert "sent 3" in capsys.readouterr().out


async def test_notifications_pass_the_tenant_filter_of_their_own_tenant(people, connector, database_url, monkeypatch,
                                                                        capsys):
    """The SDK's conversation reference leaves the tenant out; the stored one is put back."""
    monkeypatch.setenv("ALLOWED_TENANT_IDS", TENANT)
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022") == 0
    assert "3 queued, 3 sent" in capsys.readouterr().out
    assert len(notifications_to(connector, people["anna"])) == 1


async def test_the_update_button_in_a_notification_opens_the_dialog(people, connector, database_url, monkeypatch):
    await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022")
    anna = people["anna"]
    [card] = cards_of(notifications_to(connector, anna))
    update = next(a["data"] for a in actions_of(card) if a["data"]["action"] == "update_status")
    assert "Vilken status har uppdraget?" in visible_text(await anna.press(update))


async def test_403_deactivates_and_429_is_retried(people, connector, database_url, monkeypatch, capsys):
    connector.faults[people["bertil"].conversation_id] = [(403, {})]
    connector.faults[people["anna"].conversation_id] = [(429, {"Retry-After": "0.2"})]
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022") == 0
    assert "2 sent, 0 to retry, 0 failed, 1 conversations gone" in capsys.readouterr().out
    assert len(notifications_to(connector, people["anna"])) == 1  # delivered after the retry
    assert (people["anna"].conversation_id, 429) in connector.refused
    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        assert conversations.find(session=session, conversation_id=people["bertil"].conversation_id).active is False
    engine.dispose()
    await asyncio.to_thread(cli, monkeypatch, database_url, "notifications", "--period", "T1 2022")
    out = capsys.readouterr().out
    assert "failed" in out and people["bertil"].conversation_id in out


async def test_reminder_lists_only_what_is_unreported(people, connector, database_url, monkeypatch, capsys):
    # In T1 2022 every assignment has a report: no reminder to anyone.
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022",
                                   "--kind", "reminder") == 0
    assert "0 queued" in capsys.readouterr().out
    # In T2 2022 nothing is reported yet.
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T2 2022",
                                   "--kind", "reminder") == 0
    [reminder] = [a for a in connector.activities if a["_conversation_id"] == people["anna"].conversation_id
                  and "Påminnelse" in visible_text([a])]
    assert "Påminnelse: 3 uppdrag saknar rapport för T2 2022" in visible_text([reminder])


KS_ONLY = ("stadsrumsanalys", "fredstida kriser", "Utveckla arbetet med effektiv samordning")
TN_UNREPORTED = (DAGVATTEN, "Purple Flag", "Genomför trygghetsvandring")


@pytest.mark.parametrize("moves", [(Move.READY,), (Move.READY, Move.APPROVE)], ids=["ready", "approved"])
async def test_the_reminder_chases_only_committees_whose_report_is_open(people, bot_url, connector, database_url,
                                                                        monkeypatch, capsys, moves):
    """KS's report for T2 2022 is ready (or approved): nobody is reminded about KS any more."""
    anna, bertil = people["anna"], people["bertil"]  # TN, KS
    both = TeamsUser(bot_url, connector, name="Erik Ek")
    await install(both)
    for committee in ("TN", "KS"):
        assert "Klart!" in visible_text(await both.say(f"prenumerera på {committee}"))
    # Before: Erik would hear about KS's 4 and TN's 3 (one of them joint): 6; Bertil about 4.
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T2 2022",
                                   "--kind", "reminder", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"{both.conversation_id}\t6 assignments" in out and f"{bertil.conversation_id}\t4 assignments" in out

    engine = make_engine(database_url)
    with session_scope(engine, CLOCK) as session:
        for move in moves:
            assert approvals.move(session=session, committee="KS", period=Period(2022, 2), move=move,
                                  roles={Role.ADMIN}, actor_id=None, actor="Anna").refused is None
    engine.dispose()
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T2 2022",
                                   "--kind", "reminder") == 0
    assert "3 queued, 3 sent" in capsys.readouterr().out  # Anna, Erik and the MSN channel

    def reminders(user: TeamsUser) -> list[dict]:
        return [a for a in connector.activities
                if a["_conversation_id"] == user.conversation_id and "Påminnelse" in visible_text([a])]

    assert reminders(bertil) == []
    for user in (anna, both):
        [reminder] = reminders(user)
        shown = visible_text([reminder])
        assert "Påminnelse: 3 uppdrag saknar rapport för T2 2022" in shown
        assert "Nämnder: TN" in shown.splitlines()
        assert all(title in shown for title in TN_UNREPORTED)
        assert not [title for title in KS_ONLY if title in shown]
        updates = [a for a in actions_of(cards_of([reminder])[0]) if a["data"]["action"] == "update_status"]
        assert len(updates) == 3
    [to_channel] = reminders(people["channel"])
    assert "Påminnelse: 2 uppdrag saknar rapport för T2 2022" in visible_text([to_channel])

    # The period-start notification is not affected: Bertil still hears KS's assignments.
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T2 2022") == 0
    [opening] = notifications_to(connector, bertil)
    shown = visible_text([opening])
    assert "Nu är rapporteringen för T2 2022" in shown and all(title in shown for title in KS_ONLY)
    [opening] = [a for a in notifications_to(connector, both) if "Nu är rapporteringen" in visible_text([a])]
    assert "Nämnder: KS, TN" in visible_text([opening]).splitlines()


async def test_dry_run_sends_nothing(people, connector, database_url, monkeypatch, capsys):
    before = len(connector.activities)
    assert await asyncio.to_thread(cli, monkeypatch, database_url, "notify", "--period", "T1 2022",
                                   "--dry-run") == 0
    assert "3 recipients would get" in capsys.readouterr().out
    assert len(connector.activities) == before


@only_postgres  # several instances share a database only on PostgreSQL
async def test_two_processes_notifying_at_once_send_each_once(people, connector, database_url):
    env = {**os.environ, "DATABASE_URL": database_url, "SCHEDULER": "false"}
    command = [sys.executable, "-m", "bot.cli", "--env-file", "", "notify", "--period", "T2 2022"]
    runs = await asyncio.gather(*(asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120) for _ in range(2)))
    assert all(run.returncode == 0 for run in runs), [run.stderr[-2000:] for run in runs]
    received = Counter(a["_conversation_id"] for a in connector.activities if "Sista dag" in visible_text([a]))
    assert sorted(received.values()) == [1, 1, 1]
