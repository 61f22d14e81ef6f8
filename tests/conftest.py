"""Shared fixtures: a fresh database on SQLite and on PostgreSQL for each test.

PostgreSQL comes from TEST_DATABASE_URL (default: the local server on 127.0.0.1:5432,
database ``test``). Each test gets its own schema, dropped afterwards. Without a reachable
server the PostgreSQL variants skip with a message; REQUIRE_POSTGRES=1 (set by .ci/run)
turns that into a failure.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from storage.bootstrap import prepare_database
from storage.db import make_engine, normalise_url
from storage.gateway import Database
from tests.factories import clock_at, database

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED_FILE = REPO / "storage" / "demo" / "uppdrag-T1-2022.txt"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_pg_state: dict[str, str | None] = {}

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    # Under `faketime … make test` (which proves that nothing reads the machine's date), the
    # Makefile keeps the monotonic clock real; libfaketime 0.9.10 then fails time.sleep with
    # EINVAL (it shifts sleep's absolute monotonic deadline as if it were faked). A timed wait
    # sleeps just as long without that call.
    time.sleep = lambda seconds: threading.Event().wait(max(0.0, seconds)) and None


def _postgres_base_url() -> str:
    """The PostgreSQL URL, or skip/fail (once decided, remembered for the session)."""
    url = normalise_url(os.environ.get("TEST_DATABASE_URL") or DEFAULT_PG_URL)
    if "error" not in _pg_state:
        try:
            probe = create_engine(url, connect_args={"connect_timeout": 3})
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
            probe.dispose()
            _pg_state["error"] = None
        except Exception as exc:  # noqa: BLE001
            _pg_state["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
    error = _pg_state["error"]
    if error:
        message = f"PostgreSQL not reachable at {url}: {error}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (REQUIRE_POSTGRES=1)")
        pytest.skip(message + " — set TEST_DATABASE_URL or start PostgreSQL to run these tests")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    base = _postgres_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clock():
    """The test's own clock, at the tests' fixed time (move it with ``clock.set``)."""
    return clock_at()


@pytest.fixture
def db(engine, clock) -> Database:
    return Database(engine, clock)


@pytest.fixture
def prepared_engine(engine):
    """Migrated, with the default committee list, no assignments."""
    prepare_database(database(engine), committees_file=None, demo_data=False)
    return engine


@pytest.fixture
def prepared_db(prepared_engine, clock) -> Database:
    return Database(prepared_engine, clock)


@pytest.fixture
def seed_text() -> str:
    return SEED_FILE.read_text("utf-8")
