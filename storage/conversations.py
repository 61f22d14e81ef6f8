"""The conversations the bot is installed in: references for proactive messages, welcome once."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.db import now
from storage.models import Conversation


def save(
    *,
    session: Session,
    conversation_id: str,
    service_url: str,
    reference: dict,
    tenant_id: str | None = None,
    conversation_type: str | None = None,
) -> Conversation:
    """Insert or refresh a conversation's reference; a saved one becomes active again."""
    row = find(session=session, conversation_id=conversation_id)
    if row is None:
        row = Conversation(conversation_id=conversation_id, service_url=service_url,
                           created_at=now(session), updated_at=now(session))
        try:
            with session.begin_nested():
                session.add(row)
                _fill(row, service_url, reference, tenant_id, conversation_type, now(session))
                session.flush()
            return row
        except IntegrityError:  # another instance inserted it first
            row = find(session=session, conversation_id=conversation_id)
            assert row is not None
    _fill(row, service_url, reference, tenant_id, conversation_type, now(session))
    session.add(row)
    session.flush()
    return row


def refresh(
    *,
    session: Session,
    conversation_id: str,
    service_url: str,
    reference: dict,
    tenant_id: str | None = None,
    conversation_type: str | None = None,
) -> None:
    """``save``, but first a plain read: on most turns the stored reference is the same and
    nothing is written (or built)."""
    stored = session.execute(
        select(Conversation.active, Conversation.service_url, Conversation.reference, Conversation.tenant_id,
               Conversation.conversation_type).where(Conversation.conversation_id == conversation_id)).first()
    if stored is not None:
        active, stored_url, stored_reference, stored_tenant, stored_type = stored
        if (active and stored_url == service_url and stored_reference == reference
                and stored_tenant == (tenant_id or stored_tenant)
                and stored_type == (conversation_type or stored_type)):
            return
    save(session=session, conversation_id=conversation_id, service_url=service_url, reference=reference,
         tenant_id=tenant_id, conversation_type=conversation_type)


def _fill(row: Conversation, service_url: str, reference: dict, tenant_id, conversation_type, at) -> None:
    row.service_url = service_url
    row.reference = reference
    row.tenant_id = tenant_id or row.tenant_id
    row.conversation_type = conversation_type or row.conversation_type
    row.active = True
    row.updated_at = at


def find(*, session: Session, conversation_id: str) -> Conversation | None:
    return session.exec(
        select(Conversation).where(Conversation.conversation_id == conversation_id)
    ).first()


def claim_welcome(*, session: Session, conversation_id: str) -> bool:
    """True exactly once per installation, even with several instances.

    Teams announces one installation with both a conversationUpdate and an
    installationUpdate; whichever arrives first gets to greet.
    """
    result = session.execute(
        update(Conversation)
        .where(Conversation.conversation_id == conversation_id, Conversation.welcomed_at.is_(None))
        .values(welcomed_at=now(session))
    )
    return result.rowcount == 1


def deactivate(*, session: Session, conversation_id: str) -> None:
    """The bot was removed: stop sending there, and greet again if it is re-added."""
    session.execute(
        update(Conversation)
        .where(Conversation.conversation_id == conversation_id)
        .values(active=False, welcomed_at=None, updated_at=now(session))
    )
