"""Production serving: ``uppdragsbot serve`` with WORKERS=2 on PostgreSQL, behind one port.

A conversation whose turns land on either worker (the kernel spreads connections) sees one
bot: the update dialog started on one worker continues on the other, since its state is in the
database. SIGTERM stops the workers gracefully.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO
from tests.e2e.conftest import TeamsUser
from tests.e2e.test_crash import _comment, _free_port
from tests.seen import visible_text


@pytest.fixture
def two_workers(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("several workers share state through PostgreSQL")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "PORT": str(port), "SCHEDULER": "false",
           "WORKERS": "2", "LOG_FORMAT": "json", "LOAD_DEMO_DATA": "true"}
    log_path = tmp_path / "serve.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot.cli", "--env-file", "", "serve"], cwd=REPO, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
            yield f"http://127.0.0.1:{port}", process, log_path
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the workers did not become ready")


def _turns(log_path) -> list[dict]:
    lines = []
    for raw in log_path.read_text("utf-8", errors="replace").splitlines():
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # gunicorn's own lines
        if line.get("logger") == "uppdragsboten.turn":
            lines.append(line)
    return lines


async def test_a_conversation_alternating_between_two_workers_is_one_bot(two_workers, connector, database_url):
    url, process, log_path = two_workers
    user = TeamsUser(url, connector)
    assert "Vilken status har uppdraget?" in visible_text(await user.say("uppdatera linjenätet"))
    assert "Skriv en kommentar" in visible_text(await user.say("genomfört"))
    assert "Stämmer det här?" in visible_text(await user.say("Klart i maj, nya linjer från augusti."))
    assert "Sparat!" in visible_text(await user.say("ja"))
    assert _comment(database_url) == "Klart i maj, nya linjer från augusti."
    for _ in range(30):  # until both workers have answered a turn of this conversation
        if len({t["process"] for t in _turns(log_path)}) == 2:
            break
        assert visible_text(await user.say("status för TN-uppdrag")).splitlines()[0] == "Tekniska nämnden (TN)"
    turns = _turns(log_path)
    assert len({t["process"] for t in turns}) == 2 and {t["conversation"] for t in turns} == {user.conversation_id}
    assert all(t["outcome"] == "answered" for t in turns)

    process.send_signal(signal.SIGTERM)  # graceful: the workers finish and close, the master exits 0
    assert process.wait(timeout=40) == 0
