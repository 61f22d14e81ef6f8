"""Engine creation and migrations.

SQLite (a file next to the bot) is the embedded default; PostgreSQL through
``DATABASE_URL=postgresql+psycopg://...`` is the production database.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Table, bindparam, cast, event, func, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from domain.clock import Clock, aware
from storage import search_index

DEFAULT_DATABASE_URL = "sqlite:///uppdragsbot.db"
NOW = "uppdragsboten.now"
DEFAULT_TIMEOUT = 5.0  # seconds any one wait on the database may take (DATABASE_TIMEOUT)
log = logging.getLogger(__name__)


def normalise_url(url: str) -> str:
    """Accept the common ``postgres://`` and ``postgresql://`` forms and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> Engine:
    """An engine whose every wait is bounded by ``timeout`` seconds: connecting, a connection
    from the pool, a lock, a statement (PostgreSQL), the write lock (SQLite)."""
    url = normalise_url(url or DEFAULT_DATABASE_URL)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": timeout})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
            # Let SQLAlchemy, not the sqlite3 module, start transactions, so that
            # savepoints (session.begin_nested) really roll back (SQLAlchemy's pysqlite recipe).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection) -> None:
            # IMMEDIATE: take the write lock up front (waiting up to the timeout), so a
            # transaction that reads and then writes never fails with "database is locked".
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Server-side bounds on every statement and lock wait, beside whatever options the URL has.
    parsed = make_url(url)
    millis = max(1, int(timeout * 1000))
    options = " ".join(filter(None, [parsed.query.get("options"),
                                     f"-c statement_timeout={millis} -c lock_timeout={millis}"]))
    connect_args = {"options": options}
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = max(1, round(timeout))
    return create_engine(parsed.difference_update_query(["options"]), pool_pre_ping=True,
                         pool_timeout=timeout, connect_args=connect_args)


def dialect_insert(session: Session, model):
    """The dialect's INSERT, which has ``on_conflict_do_update`` / ``on_conflict_do_nothing``.

    Whether it inserted is told by RETURNING: ``rowcount`` is not reported for INSERTs.
    """
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def insert_rows(session: Session, table: Table, rows: Sequence[dict], *,
                conflict: Callable | None = None, returning: Sequence = ()) -> list:
    """INSERT many ``rows`` (dicts with the same keys) in one statement; the RETURNING rows.

    ``conflict`` adds an ON CONFLICT clause to the dialect's INSERT (``dialect_insert``).
    PostgreSQL gets each column as one array parameter (``unnest``): a short statement whatever
    the number of rows, where a VALUES list of rows × columns parameters costs the driver and
    the server more than the insert itself. SQLite takes the rows as they are.
    """
    if not rows:
        return []
    statement = dialect_insert(session, table)
    parameters: Sequence[dict] | dict = rows
    if session.get_bind().dialect.name == "postgresql":
        names = list(rows[0])
        parameters = {f"many_{name}": [row[name] for row in rows] for name in names}
        statement = statement.from_select(names, select(*(
            func.unnest(cast(bindparam(f"many_{name}"), postgresql.ARRAY(table.c[name].type))).label(name)
            for name in names)))
    if conflict is not None:
        statement = conflict(statement)
    if returning:
        return session.connection().execute(statement.returning(*returning), parameters).all()
    session.connection().execute(statement, parameters)
    return []


def insert_new(session: Session, model, *, unique: list[str], **values) -> bool:
    """INSERT ``values`` unless a row with the same ``unique`` columns exists; True if inserted.

    Concurrent writers are told apart by ``ON CONFLICT DO NOTHING``, never by reading first.
    """
    statement = (
        dialect_insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=unique)
        .returning(*(getattr(model, column) for column in unique))  # no row when it was there
    )
    return session.execute(statement).first() is not None


def alembic_config(engine: Engine) -> Config:
    config = _alembic_scripts()
    config.attributes["engine"] = engine
    return config


def _alembic_scripts() -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the database schema to the newest migration."""
    command.upgrade(alembic_config(engine), "head")


@contextmanager
def session_scope(engine: Engine, clock: Clock) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error.

    The transaction has one time, read from ``clock`` when it starts: every row it stamps
    (created_at, updated_at, sent_at, ...) gets ``now(session)``.
    """
    with Session(engine, expire_on_commit=False, info={NOW: aware(clock.now())}) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def now(session: Session) -> datetime:
    """The time of ``session``'s transaction, from the clock it was opened with."""
    return session.info[NOW]


STATISTICS_TABLES = ("assignment", "assignment_committee", "current_status", "period_committee",
                     "status_report", search_index.TABLE)


def refresh_statistics(engine: Engine) -> None:
    """After a bulk import: refresh the query planner's statistics of the tables questions
    read, so that it plans for their new sizes at once (PostgreSQL's autovacuum gets there
    eventually; SQLite never on its own). On PostgreSQL ``current_status`` is vacuumed too (an
    import rewrites a row of it per report, and lists read it by index only once the rows it
    replaced are gone) and the full-text index's pending entries are merged."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE " + ", ".join(t for t in STATISTICS_TABLES if t != "current_status"))
        else:
            for table in STATISTICS_TABLES:
                conn.exec_driver_sql(f"ANALYZE {table}")
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) current_status")
            search_index.merge_pending(conn)


def schema_revisions(engine: Engine) -> tuple[str | None, str]:
    """(the database's migration revision, the newest this code has): equal when current.

    Read from alembic's table directly: quietly (a readiness probe asks every few seconds) and
    without alembic's migration context."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None, head_revision()
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar(), head_revision()


@functools.cache
def head_revision() -> str:
    """The newest migration (read once: the files do not change while the bot runs)."""
    return ScriptDirectory.from_config(_alembic_scripts()).get_current_head()


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        log.warning("database ping failed", exc_info=True)
        return False
