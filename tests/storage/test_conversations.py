"""Conversation references and the once-only welcome, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from domain.clock import aware
from storage import conversations
from storage.db import session_scope
from tests.factories import AT, CLOCK, clock_at


def save(engine, conversation_id="a:1", service_url="https://smba.example/emea/", clock=CLOCK):
    with session_scope(engine, clock) as session:
        conversations.save(
            session=session,
            conversation_id=conversation_id,
            service_url=service_url,
            reference={"conversation": {"id": conversation_id}, "serviceUrl": service_url},
            tenant_id="tenant",
            conversation_type="personal",
        )


def claim(engine, conversation_id="a:1", clock=CLOCK) -> bool:
    with session_scope(engine, clock) as session:
        return conversations.claim_welcome(session=session, conversation_id=conversation_id)


def test_welcome_is_claimed_once_until_removed(prepared_engine):
    save(prepared_engine)
    assert claim(prepared_engine) is True
    save(prepared_engine)
    assert claim(prepared_engine) is False
    with session_scope(prepared_engine, CLOCK) as session:
        conversations.deactivate(session=session, conversation_id="a:1")
        assert conversations.find(session=session, conversation_id="a:1").active is False
    save(prepared_engine)
    assert claim(prepared_engine) is True


def test_saving_again_refreshes_the_service_url(prepared_engine):
    save(prepared_engine, service_url="https://old.example/")
    save(prepared_engine, service_url="https://new.example/")
    with session_scope(prepared_engine, CLOCK) as session:
        row = conversations.find(session=session, conversation_id="a:1")
        assert row.service_url == "https://new.example/"
        assert row.reference["serviceUrl"] == "https://new.example/"


def test_times_are_the_transactions_times(prepared_engine):
    clock = clock_at(AT)
    save(prepared_engine, service_url="https://old.example/", clock=clock)
    clock.advance(hours=1)
    save(prepared_engine, service_url="https://new.example/", clock=clock)
    clock.advance(minutes=5)
    assert claim(prepared_engine, clock=clock) is True
    with session_scope(prepared_engine, clock) as session:
        row = conversations.find(session=session, conversation_id="a:1")
        stamps = aware(row.created_at), aware(row.updated_at), aware(row.welcomed_at)
    assert stamps == (aware(AT), aware(AT + timedelta(hours=1)), aware(AT + timedelta(hours=1, minutes=5)))
