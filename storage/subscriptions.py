"""Which conversations follow which committees, and who gets a committee's notifications.

A conversation (personal chat, group chat or channel) subscribes to committees explicitly.
Reporters are subscribed to their committees by default: a reporter whose principal is the
Entra object id of the user in a known personal conversation with the bot gets that
conversation's notifications for the committees they report for (an admin, "*", is not
subscribed to anything by default). Only active conversations receive anything.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func
from sqlmodel import Session, select

from storage.db import insert_new, now
from storage.models import Conversation, Reporter, Subscription
from storage.reporters import ALL_COMMITTEES, canonical_committee

PERSONAL = "personal"


@dataclass(frozen=True)
class Recipient:
    """An active conversation to notify, with the committees it hears about (sorted)."""

    conversation_id: str
    reference: dict  # the stored Bot Framework ConversationReference
    committees: tuple[str, ...]


def subscribe(
    *, session: Session, conversation_id: str, committee: str, created_by: str | None = None
) -> bool:
    """Let the conversation follow ``committee``. False if it already did.

    Raises UnknownCommittee for a committee not in the committee table ("*" included).
    """
    if not conversation_id:
        raise ValueError("empty conversation id")
    return insert_new(session, Subscription, unique=["conversation_id", "committee"],
                      conversation_id=conversation_id, committee=canonical_committee(session, committee),
                      created_by=created_by, created_at=now(session))


def unsubscribe(*, session: Session, conversation_id: str, committee: str) -> bool:
    """Stop following ``committee``. False if the conversation did not follow it (or it is unknown).

    A reporter's default subscription is not a row and is not affected.
    """
    result = session.execute(
        delete(Subscription).where(
            Subscription.conversation_id == conversation_id,
            func.lower(Subscription.committee) == (committee or "").strip().lower(),
        )
    )
    return result.rowcount > 0


def subscriptions_of(*, session: Session, conversation_id: str) -> list[str]:
    """The committees the conversation subscribed to explicitly, sorted."""
    return sorted(
        session.exec(
            select(Subscription.committee).where(Subscription.conversation_id == conversation_id)
        ).all()
    )


def recipients(*, session: Session, committees: Sequence[str] | None = None) -> list[Recipient]:
    """Active conversations that follow any committee (any of ``committees`` if given).

    Explicit subscriptions plus reporters' default ones; each recipient's ``committees`` are
    those it follows (limited to ``committees`` if given). Sorted by conversation id.
    """
    wanted: set[str] | None = None
    if committees is not None:
        wanted = {c.strip().casefold() for c in committees if c and c.strip()}
        if not wanted:
            return []

    following: dict[str, set[str]] = defaultdict(set)
    references: dict[str, dict] = {}

    rows = session.exec(
        select(Conversation.conversation_id, Conversation.reference, Subscription.committee)
        .join(Subscription, Subscription.conversation_id == Conversation.conversation_id)
        .where(Conversation.active.is_(True))
    ).all()
    for conversation_id, reference, committee in rows:
        references[conversation_id] = reference
        following[conversation_id].add(committee)

    for conversation_id, reference, committee in _reporter_defaults(session):
        references[conversation_id] = reference
        following[conversation_id].add(committee)

    result = []
    for conversation_id in sorted(following):
        chosen = following[conversation_id]
        if wanted is not None:
            chosen = {c for c in chosen if c.casefold() in wanted}
        if chosen:
            result.append(Recipient(conversation_id, references[conversation_id], tuple(sorted(chosen))))
    return result


def personal_conversations(*, session: Session, principals: Iterable[str]) -> dict[str, list[str]]:
    """principal -> the active personal chats (conversation ids, sorted) whose user's Entra
    object id is that principal (compared lowercased; principals that are UPNs find none)."""
    wanted = {p.strip().lower() for p in principals if p and p.strip()}
    if not wanted:
        return {}
    return {user: sorted(c for c, _ in chats) for user, chats in _personal_chats(session).items() if user in wanted}


def _personal_chats(session: Session) -> dict[str, list[tuple[str, dict]]]:
    """Entra object id (lowercased) -> its active personal chats (conversation id, reference)."""
    personal = session.exec(
        select(Conversation.conversation_id, Conversation.reference).where(
            Conversation.active.is_(True),
            Conversation.conversation_type == PERSONAL,
        )
    ).all()
    by_user: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    for conversation_id, reference in personal:
        user = (reference or {}).get("user") or {}
        object_id = user.get("aadObjectId") or user.get("aad_object_id")
        if isinstance(object_id, str) and object_id.strip():
            by_user[object_id.strip().lower()].append((conversation_id, reference))
    return by_user


def _reporter_defaults(session: Session) -> list[tuple[str, dict, str]]:
    """(conversation id, reference, committee) for reporters in an active personal chat."""
    by_user = _personal_chats(session)
    if not by_user:
        return []
    granted = session.exec(
        select(Reporter.principal, Reporter.committee).where(
            Reporter.principal.in_(sorted(by_user)), Reporter.committee != ALL_COMMITTEES,
            Reporter.role == "reporter",
        )
    ).all()
    return [
        (conversation_id, reference, committee)
        for principal, committee in granted
        for conversation_id, reference in by_user[principal]
    ]
