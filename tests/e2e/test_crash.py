"""A bot process killed at the wrong moment loses nothing the user was shown and doubles nothing.

The bot runs as a real ``uppdragsbot serve`` process; the fake connector holds a request
unanswered to catch the bot at a given moment; the process is killed with SIGKILL, a new one
starts on the same database, and the channel resends the activity, as Teams does when it got
no answer.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

import aiohttp
import pytest

from domain.periods import Period
from storage import conversations, queries, subscriptions
from storage.bootstrap import prepare_database
from storage.db import make_engine
from tests.conftest import REPO
from tests.e2e.conftest import BOT_ID, TeamsUser
from tests.factories import database
from tests.seen import visible_text

LINJENAT = "Utveckla ett nytt linjenät för stadstrafiken"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class BotProcess:
    """``uppdragsbot serve`` on its own port, on a given database."""

    def __init__(self, database_url: str, log) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(self.port), "SCHEDULER": "false",
                    "TURN_LEASE_SECONDS": "1", "LOAD_DEMO_DATA": "true"}
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> "BotProcess":
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "--env-file", "", "serve"],
                                        cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the bot process exited"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the bot process did not start listening")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture
def processes(database_url, tmp_path) -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    with open(tmp_path / "bot.log", "wb") as log:
        def start() -> BotProcess:
            started.append(BotProcess(database_url, log).start())
            return started[-1]
        yield start
        for process in started:
            process.kill()


async def _wait_for_held(connector, conversation_id: str) -> None:
    for _ in range(200):
        if conversation_id in connector.held:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot never reached the connector")


async def _crash_while_held(user: TeamsUser, bot: BotProcess, activity: dict) -> None:
    """Post ``activity``; once the bot waits on the connector for it, kill the bot."""
    user.connector.hold.add(user.conversation_id)
    posted = asyncio.create_task(user.post(activity))
    await _wait_for_held(user.connector, user.conversation_id)
    bot.kill()
    with pytest.raises(aiohttp.ClientError):
        await posted
    user.connector.hold.discard(user.conversation_id)


def _comment(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        statuses = database(engine).run_sync(queries.find_statuses, period=Period(2022, 1))
        return next(s.comment for s in statuses if s.title.startswith(LINJENAT))
    finally:
        engine.dispose()


async def test_a_turn_killed_before_it_finished_is_handled_when_resent(processes, connector):
    first = processes()
    user = TeamsUser(first.url, connector)
    opening = user.activity(text="uppdatera linjenätet")
    await _crash_while_held(user, first, opening)  # killed while the turn looked up the member
    assert [a for a in connector.activities if a["_conversation_id"] == user.conversation_id] == []

    second = processes()
    user.bot_url = second.url
    await asyncio.sleep(1.2)  # the dead turn's lease (TURN_LEASE_SECONDS=1) runs out
    status, replies = await user.post(opening)  # Teams resends what it got no answer to
    assert status == 201
    assert "Vilken status har uppdraget?" in visible_text(replies)


async def test_replies_lost_in_a_crash_are_sent_again_and_ja_is_not_a_comment(processes, connector, database_url):
    first = processes()
    user = TeamsUser(first.url, connector)
    await user.say("uppdatera linjenätet")
    await user.say("genomfört")
    comment = user.activity(text="Beslut i nämnden i maj.")
    await _crash_while_held(user, first, comment)  # killed while sending the confirm card
    assert "Stämmer det här?" not in visible_text(
        [a for a in connector.activities if a["_conversation_id"] == user.conversation_id])

    second = processes()
    user.bot_url = second.url
    status, replies = await user.post(comment)  # the resend gets the confirm card the user missed
    assert status == 201
    shown = visible_text(replies)
    assert "Stämmer det här? Så här sparas uppdateringen:" in shown and "Beslut i nämnden i maj." in shown
    assert "Sparat!" in visible_text(await user.say("ja"))
    assert _comment(database_url) == "Beslut i nämnden i maj."
    status, again = await user.post(comment)  # a late resend once all is delivered: nothing twice
    assert (status, again) == (201, [])


SUBSCRIBERS = 120


def _subscribe_many(database_url: str, service_url: str) -> list[str]:
    """The demo data, and SUBSCRIBERS personal chats that follow TN."""
    engine = make_engine(database_url)
    db = database(engine)
    prepare_database(db, committees_file=None, demo_data=True)
    ids = [f"a:prenumerant-{n}" for n in range(SUBSCRIBERS)]

    def work(*, session) -> None:
        for conversation_id in ids:
            reference = {"bot": {"id": BOT_ID}, "conversation": {"id": conversation_id}, "channelId": "msteams",
                         "serviceUrl": service_url, "user": {"id": "29:x"}}
            conversations.save(session=session, conversation_id=conversation_id, service_url=service_url,
                               reference=reference, conversation_type="personal")
            subscriptions.subscribe(session=session, conversation_id=conversation_id, committee="TN")

    db.run_sync(work)
    engine.dispose()
    return ids


def _notify(database_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "NOTIFY_RATE": "20", "NOTIFY_LEASE_SECONDS": "2",
           "SCHEDULER": "false"}
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "--env-file", "", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


async def test_notify_killed_midway_reaches_everyone_on_the_rerun(database_url, connector):
    ids = _subscribe_many(database_url, connector.base_url)
    connector.send_delay = 0.2
    first = _notify(database_url, "notify", "--period", "T1 2022")
    while len(connector.activities) < 20:  # well under way
        assert first.poll() is None, first.stdout.read()
        await asyncio.sleep(0.05)
    first.kill()
    first.wait(timeout=10)
    reached_by_the_dead_run = {a["_conversation_id"] for a in connector.activities}
    assert 0 < len(reached_by_the_dead_run) < SUBSCRIBERS

    await asyncio.sleep(2.5)  # the dead run's claims lapse (NOTIFY_LEASE_SECONDS=2)
    rerun = _notify(database_url, "notify", "--period", "T1 2022")
    out, _ = await asyncio.to_thread(rerun.communicate, timeout=120)
    assert rerun.returncode == 0, out

    received = Counter(a["_conversation_id"] for a in connector.activities)
    assert set(received) == set(ids)  # everyone, including those the dead run never reached
    twice = {cid for cid, n in received.items() if n > 1}
    assert twice <= reached_by_the_dead_run  # only what was in flight at the crash
    log = _notify(database_url, "notifications", "--period", "T1 2022")
    shown, _ = await asyncio.to_thread(log.communicate, timeout=60)
    assert f"sent {SUBSCRIBERS}" in shown
    retaken = int(shown.split("taken over from a sender that died: ")[1].split()[0])
    assert len(twice) <= retaken <= 50  # at most the claims of one batch, and counted
