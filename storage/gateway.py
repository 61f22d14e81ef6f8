"""The one face of storage the rest of the bot uses: the engine, the clock and the thread hops.

Storage functions are synchronous and keyword-only, each taking ``session=`` (see
``storage.queries``). ``Database`` runs them in one transaction each:

    statuses = await db.run(queries.find_statuses, period=period, committees=("TN",))

or several in one transaction, with a small function of its own:

    def work(*, session): ...
    await db.run(work)

``run`` hops to a worker thread so that the event loop keeps serving turns; ``run_sync``
is the same for command-line code that has no event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.clock import Clock
from storage.db import make_engine, ping, session_scope

T = TypeVar("T")


class Database:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    @classmethod
    def connect(cls, url: str | None, clock: Clock) -> "Database":
        return cls(make_engine(url), clock)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction, stamped with the clock's time."""
        with session_scope(self.engine, self.clock) as session:
            yield session

    def run_sync(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """``work(session=…, **kwargs)`` in one transaction."""
        with self.session() as session:
            return work(session=session, **kwargs)

    async def run(self, work: Callable[..., T], /, **kwargs: Any) -> T:
        """``run_sync`` in a worker thread."""
        return await asyncio.to_thread(self.run_sync, work, **kwargs)

    async def ping(self) -> bool:
        return await asyncio.to_thread(ping, self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
