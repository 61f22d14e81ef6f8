"""Bot state items with e-tags (optimistic concurrency), and claims of incoming activities
(leased, completed with the replies to deliver; see bot/handler.py).

Both work across processes sharing one PostgreSQL database: conflicting writers are told
apart by conditional UPDATEs and by ``INSERT ... ON CONFLICT``, never by reading first.

``ON CONFLICT`` rather than a savepoint around a plain INSERT: with pysqlite a savepoint
that is the first statement of a transaction commits when it is released, so a later
rollback would not undo it (the caller's "one transaction" would not be one on SQLite).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, tuple_, update
from sqlmodel import Session, select

from domain.clock import aware
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
    rows = session.execute(select(BotStateItem.key, BotStateItem.data, BotStateItem.etag)
                           .where(BotStateItem.key.in_(keys)))
    return {key: (data, etag) for key, data, etag in rows}


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


@dataclass(frozen=True)
class Claim:
    """What to do with an incoming activity.

    - ``handle``: new, or the claim of an instance that died mid-turn (its lease ran out);
    - ``busy``: another turn is handling it right now (a resend while the first is running);
    - ``replay``: handled, but its replies may not have reached the user: send ``replies``;
    - ``done``: handled and answered.
    """

    outcome: Literal["handle", "busy", "replay", "done"]
    replies: tuple[dict, ...] = ()


def claim_activity(*, session: Session, conversation_id: str, activity_id: str, lease: timedelta) -> Claim:
    """Claim an incoming activity for one turn (Teams resends one it got no answer to).

    A claim is held for ``lease``; a turn that completes stores the replies it will send
    (``complete_activity``) and marks them sent once they are (``mark_delivered``). On
    PostgreSQL a concurrent claim of the same activity waits for this transaction.
    """
    if insert_new(session, ProcessedActivity, unique=["activity_id", "conversation_id"],
                  conversation_id=conversation_id, activity_id=activity_id,
                  created_at=now(session), claimed_at=now(session)):
        return Claim("handle")
    row = session.exec(
        select(ProcessedActivity)
        .where(ProcessedActivity.activity_id == activity_id, ProcessedActivity.conversation_id == conversation_id)
        .with_for_update()
    ).one()
    if row.completed_at is None:
        if aware(row.claimed_at or row.created_at) > now(session) - lease:
            return Claim("busy")
        row.claimed_at = now(session)  # the instance that claimed it died mid-turn: take over
        session.add(row)
        return Claim("handle")
    if row.delivered_at is None and row.replies:
        return Claim("replay", tuple(row.replies))
    return Claim("done")


def complete_activity(*, session: Session, conversation_id: str, activity_id: str, replies: list[dict]) -> None:
    """The turn's state is saved: keep the replies it is about to send until they are sent."""
    session.execute(
        update(ProcessedActivity)
        .where(ProcessedActivity.activity_id == activity_id, ProcessedActivity.conversation_id == conversation_id)
        .values(completed_at=now(session), replies=replies or None, delivered_at=None if replies else now(session))
    )


def mark_delivered(*, session: Session, conversation_id: str, activity_id: str) -> None:
    mark_all_delivered(session=session, keys=[(conversation_id, activity_id)])


def mark_all_delivered(*, session: Session, keys: Iterable[tuple[str, str]]) -> None:
    """Mark the replies of these (conversation id, activity id) claims sent, in one statement."""
    keys = list(keys)
    if keys:
        session.execute(
            update(ProcessedActivity)
            .where(tuple_(ProcessedActivity.conversation_id, ProcessedActivity.activity_id).in_(keys))
            .values(delivered_at=now(session), replies=None)
        )


def prune_activities(*, session: Session, older_than: timedelta) -> int:
    """Forget claims older than ``older_than``; returns how many were deleted."""
    cutoff = now(session) - older_than
    result = session.execute(delete(ProcessedActivity).where(ProcessedActivity.created_at < cutoff))
    return result.rowcount
