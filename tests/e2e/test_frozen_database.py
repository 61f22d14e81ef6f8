"""A database that stops answering: turns answer politely within Teams' patience, /healthz says
503 at once, nothing a user was told failed is saved, and the bot recovers without a restart.

The server is frozen with SIGSTOP, so it is a PostgreSQL cluster of the test's own, started on
its own port in the test's tmp directory: never the shared server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.app import create_app
from bot.settings import Settings
from dialogs.copy import ERROR
from storage.db import make_engine
from tests.e2e.conftest import TeamsUser
from tests.factories import CLOCK, database
from tests.seen import visible_text

PG_BIN = Path("/usr/lib/postgresql") / (sorted(os.listdir("/usr/lib/postgresql"))[-1] if Path(
    "/usr/lib/postgresql").is_dir() else "none") / "bin"
TIMEOUT = 2.0  # DATABASE_TIMEOUT for these tests
TEAMS_PATIENCE = aiohttp.ClientTimeout(total=10)  # Teams resends after 15 s; answer well before


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*argv: str) -> None:
    """PostgreSQL refuses to run as root: its own tools run as the postgres user."""
    command = ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)
    subprocess.run(command, check=True, capture_output=True, timeout=120)


class Cluster:
    def __init__(self, root: Path) -> None:
        self.data = root / "data"
        self.port = _free_port()

    def start(self) -> str:
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.data / "log"),
                     "-o", f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1", "start")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def processes(self) -> list[int]:
        """The postmaster and every process it started."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                    children.append(int(entry))
        return [postmaster, *children]

    def signal(self, number: int) -> None:
        for pid in self.processes():
            try:
                os.kill(pid, number)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        self.signal(signal.SIGCONT)
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.fail(f"PostgreSQL's server tools are needed at {PG_BIN} (Debian: postgresql)")
    root = Path(tempfile.mkdtemp(prefix="uppdragsboten-pg-"))  # not under pytest's root-only tmp
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    running = Cluster(root)
    running.url = running.start()
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
async def frozen_bot(aiohttp_server, connector, cluster):
    settings = Settings(database_url=cluster.url, scheduler=False, database_timeout=TIMEOUT)
    server = await aiohttp_server(create_app(settings, clock=CLOCK))
    return str(server.make_url("")).rstrip("/")


async def _healthz(bot_url: str, path: str = "/healthz") -> int:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
        async with session.get(f"{bot_url}{path}") as resp:
            return resp.status


async def _say(user: TeamsUser, text: str) -> list[dict]:
    before = len(user.connector.activities)
    async with aiohttp.ClientSession(timeout=TEAMS_PATIENCE) as session:
        async with session.post(f"{user.bot_url}/api/messages", json=user.activity(text=text)) as resp:
            assert resp.status == 201
    return [a for a in user.connector.activities[before:] if a["_conversation_id"] == user.conversation_id]


def _reports(url: str) -> int:
    from sqlalchemy import func, select

    from storage.models import StatusReport

    engine = make_engine(url)
    try:
        return database(engine).run_sync(
            lambda *, session: session.exec(select(func.count()).select_from(StatusReport)).one())
    finally:
        engine.dispose()


async def test_a_frozen_database_gets_a_polite_answer_and_the_bot_recovers(frozen_bot, connector, cluster):
    user = TeamsUser(frozen_bot, connector)
    assert visible_text(await _say(user, "status för TN-uppdrag")).splitlines()[0] == "Tekniska nämnden (TN)"
    await _say(user, "uppdatera linjenätet")
    await _say(user, "genomfört")
    await _say(user, "Beslut i maj.")
    before = _reports(cluster.url)

    cluster.signal(signal.SIGSTOP)
    try:
        assert await _healthz(frozen_bot) == 503
        assert await _healthz(frozen_bot, "/readyz") == 503
        assert [r.get("text") for r in await _say(user, "ja")] == [ERROR]
        assert [r.get("text") for r in await _say(user, "status för KS-uppdrag")] == [ERROR]
    finally:
        cluster.signal(signal.SIGCONT)

    await asyncio.sleep(TIMEOUT)  # the threads that waited on the frozen server finish
    assert _reports(cluster.url) == before  # what the user was told failed was not saved
    assert await _healthz(frozen_bot) == 200
    assert await _healthz(frozen_bot, "/readyz") == 200
    assert visible_text(await _say(user, "status för KS-uppdrag")).splitlines()[0] == "Kommunstyrelsen (KS)"
