"""Bot state items with e-tags (optimistic concurrency) and once-only activity handling.

Both work across processes sharing one PostgreSQL database: conflicting writers are told
apart by conditional UPDATEs and by ``INSERT ... ON CONFLICT``, never by reading first.

``ON CONFLICT`` rather than a savepoint around a plain INSERT: with pysqlite a savepoint
that is the first statement of a transaction commits when it is released, so a later
rollback would not undo it (the caller's "one transaction" would not be one on SQLite).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from storage.db import dialect_insert, insert_new, now
from storage.models import BotStateItem, ProcessedActivity

MAX_KEY_LENGTH = 500


class ETagConflict(Exception):
    """The item changed (or was deleted) since the caller read it; nothing was written."""

    def __init__(self, key: str) -> None:
        super().__init__(f"e-tag conflict for bot state {key!r}")
        self.key = key


def read_items(*, session: Session, keys: Iterable[str]) -> dict[str, tuple[dict, str]]:
    """``{key: (data, etag)}`` for the keys that exist."""
    keys = list(keys)
    if not keys:
        return {}
    rows = session.exec(select(BotStateItem).where(BotStateItem.key.in_(keys))).all()
    return {row.key: (row.data, row.etag) for row in rows}


def write_item(*, session: Session, key: str, data: dict, expected_etag: str | None) -> str:
    """Store ``data`` under ``key`` and return its new e-tag.

    ``expected_etag`` None or "*": write unconditionally (insert, or overwrite what is there).
    Any other value: write only if the stored e-tag still is that value, else raise
    ETagConflict (also when the item no longer exists).
    """
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError(f"bot state key must be 1-{MAX_KEY_LENGTH} characters: {key!r}")
    if expected_etag == "":
        raise ValueError("empty e-tag: use None or '*' to overwrite")
    etag = uuid.uuid4().hex
    values = {"data": data, "etag": etag, "updated_at": now(session)}
    if expected_etag in (None, "*"):
        statement = dialect_insert(session, BotStateItem).values(key=key, **values)
        session.execute(statement.on_conflict_do_update(index_elements=["key"], set_=values))
        return etag
    result = session.execute(
        update(BotStateItem)
        .where(BotStateItem.key == key, BotStateItem.etag == expected_etag)
        .values(**values)
    )
    if result.rowcount != 1:
        raise ETagConflict(key)
    return etag


def delete_items(*, session: Session, keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        session.execute(delete(BotStateItem).where(BotStateItem.key.in_(keys)))


def claim_activity(*, session: Session, conversation_id: str, activity_id: str) -> bool:
    """True the first time an activity is claimed, False for a duplicate (e.g. a Teams resend).

    On PostgreSQL a concurrent claim of the same activity waits for this transaction and
    then gets False (or True if this one rolled back). Commit the claim in its own short
    transaction before handling the activity: then a duplicate is never handled twice
    (at most once), and does not wait for the first one's whole turn.
    """
    return insert_new(session, ProcessedActivity, unique=["activity_id", "conversation_id"],
                      conversation_id=conversation_id, activity_id=activity_id, created_at=now(session))


def prune_activities(*, session: Session, older_than: timedelta) -> int:
    """Forget claims older than ``older_than``; returns how many were deleted."""
    cutoff = now(session) - older_than
    result = session.execute(delete(ProcessedActivity).where(ProcessedActivity.created_at < cutoff))
    return result.rowcount
