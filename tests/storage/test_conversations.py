"""Conversation references and the once-only welcome, on SQLite and PostgreSQL."""

from __future__ import annotations

from storage import conversations
from storage.db import session_scope


def save(engine, conversation_id="a:1", service_url="https://smba.example/emea/"):
    with session_scope(engine) as session:
        conversations.save(
            session=session,
            conversation_id=conversation_id,
            service_url=service_url,
            reference={"conversation": {"id": conversation_id}, "serviceUrl": service_url},
            tenant_id="tenant",
            conversation_type="personal",
        )


def claim(engine, conversation_id="a:1") -> bool:
    with session_scope(engine) as session:
        return conversations.claim_welcome(session=session, conversation_id=conversation_id)


def test_welcome_is_claimed_once_until_removed(prepared_engine):
    save(prepared_engine)
    assert claim(prepared_engine) is True
    save(prepared_engine)
    assert claim(prepared_engine) is False
    with session_scope(prepared_engine) as session:
        conversations.deactivate(session=session, conversation_id="a:1")
        assert conversations.find(session=session, conversation_id="a:1").active is False
    save(prepared_engine)
    assert claim(prepared_engine) is True


def test_saving_again_refreshes_the_service_url(prepared_engine):
    save(prepared_engine, service_url="https://old.example/")
    save(prepared_engine, service_url="https://new.example/")
    with session_scope(prepared_engine) as session:
        row = conversations.find(session=session, conversation_id="a:1")
        assert row.service_url == "https://new.example/"
        assert row.reference["serviceUrl"] == "https://new.example/"
