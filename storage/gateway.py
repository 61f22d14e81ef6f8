"""The one face of storage the rest of the bot uses: the engine, the clock and the thread hops.

Storage functions are synchronous and keyword-only, each taking ``session=`` (see
``storage.queries``). ``Database`` runs them in one transaction each:

    statuses = await db.run(queries.find_statuses, period=period, committees=("TN",))

or several in one transaction, with a small function of its own:

    def work(*, session): ...
    await db.run(work)

``run`` hops to a worker thread so that the event loop keeps serving turns; ``run_sync``
is the same for command-line code that has no event loop.

Every wait is bounded (``timeout``, DATABASE_TIMEOUT): the engine bounds connecting, the pool,
locks and statements, and ``run`` gives up after ``timeout`` with ``DatabaseTimeout`` even when
the database does not answer at all (a frozen server). A transaction that is still running
then is rolled back when it gets to its end: what a caller was told failed is never saved.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.clock import Clock
from storage.db import DEFAULT_TIMEOUT, make_engine, ping, schema_revisions, session_scope

T = TypeVar("T")
log = logging.getLogger(__name__)
PING_TIMEOUT = 1.0  # seconds: a health check answers at once, up or not


class DatabaseTimeout(TimeoutError):
    """The database did not answer in time; nothing of the transaction was committed."""


class Database:
    def __init__(self, engine: Engine, clock: Clock, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.engine = engine
        self.clock = clock
        self.timeout = timeout

    @classmethod
    def connect(cls, url: str | None, clock: Clock, *, timeout: float = DEFAULT_TIMEOUT) -> "Database":
        return cls(make_engine(url, timeout=timeout), clock, timeout=timeout)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction, stamped with the clock's time."""
        with session_scope(self.engine, self.clock) as session:
            yield session

    def run_sync(self, work: Callable[..., T], /, *, _deadline: float | None = None, **kwargs: Any) -> T:
        """``work(session=…, **kwargs)`` in one transaction (rolled back if past ``_deadline``)."""
        with self.session() as session:
            result = work(session=session, **kwargs)
            if _deadline is not None and time.monotonic() > _deadline:
                raise DatabaseTimeout(f"{getattr(work, '__name__', work)} took longer than {self.timeout} s")
            return result

    async def run(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """``run_sync`` in a worker thread, for at most ``timeout`` seconds."""
        deadline = time.monotonic() + self.timeout
        try:
            return await asyncio.wait_for(
                asyncio.to_thread(self.run_sync, work, _deadline=deadline, **kwargs), self.timeout)
        except TimeoutError as exc:
            raise DatabaseTimeout(f"the database did not answer within {self.timeout} s") from exc

    async def ping(self) -> bool:
        """Whether the database answers, within PING_TIMEOUT."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(ping, self.engine), min(PING_TIMEOUT, self.timeout))
        except TimeoutError:
            return False

    async def revisions(self) -> tuple[str | None, str] | None:
        """(the schema's migration revision, the newest this code has), within PING_TIMEOUT;
        None when the database does not answer."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(schema_revisions, self.engine),
                                          min(PING_TIMEOUT, self.timeout))
        except Exception:  # noqa: BLE001 - a timeout or any driver error: not answering
            log.warning("database revision check failed", exc_info=True)
            return None

    def dispose(self) -> None:
        self.engine.dispose()
