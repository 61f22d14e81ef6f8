"""Subscriptions to committees and who receives a committee's notifications."""

from __future__ import annotations

import pytest

from storage import conversations, reporters, subscriptions
from storage.db import session_scope
from storage.reporters import UnknownCommittee
from storage.subscriptions import Recipient
from tests.factories import CLOCK

ANNA_OID = "6F1C2D3E-0000-4000-8000-00000000AAAA"
BO_OID = "6f1c2d3e-0000-4000-8000-00000000bbbb"


def reference(conversation_id, conversation_type="personal", aad_object_id=None) -> dict:
    user = {"id": f"29:{conversation_id}", "name": "Someone"}
    if aad_object_id:
        user["aadObjectId"] = aad_object_id
    return {
        "user": user,
        "bot": {"id": "28:bot"},
        "conversation": {"id": conversation_id, "conversationType": conversation_type},
        "channelId": "msteams",
        "serviceUrl": "https://smba.example/emea/",
    }


def install(engine, conversation_id, conversation_type="personal", aad_object_id=None) -> None:
    with session_scope(engine, CLOCK) as session:
        conversations.save(
            session=session,
            conversation_id=conversation_id,
            service_url="https://smba.example/emea/",
            reference=reference(conversation_id, conversation_type, aad_object_id),
            tenant_id="tenant",
            conversation_type=conversation_type,
        )


def uninstall(engine, conversation_id) -> None:
    with session_scope(engine, CLOCK) as session:
        conversations.deactivate(session=session, conversation_id=conversation_id)


def subscribe(engine, conversation_id, committee, created_by=None) -> bool:
    with session_scope(engine, CLOCK) as session:
        return subscriptions.subscribe(
            session=session, conversation_id=conversation_id, committee=committee, created_by=created_by
        )


def unsubscribe(engine, conversation_id, committee) -> bool:
    with session_scope(engine, CLOCK) as session:
        return subscriptions.unsubscribe(session=session, conversation_id=conversation_id, committee=committee)


def subscribed(engine, conversation_id) -> list[str]:
    with session_scope(engine, CLOCK) as session:
        return subscriptions.subscriptions_of(session=session, conversation_id=conversation_id)


def recipients(engine, committees=None) -> list[tuple[str, tuple[str, ...]]]:
    with session_scope(engine, CLOCK) as session:
        found = subscriptions.recipients(session=session, committees=committees)
    return [(r.conversation_id, r.committees) for r in found]


def add_reporter(engine, principal, committee) -> None:
    with session_scope(engine, CLOCK) as session:
        reporters.add_reporter(session=session, principal=principal, committee=committee)


def test_subscribe_unsubscribe_and_duplicates(prepared_engine):
    assert subscribe(prepared_engine, "19:channel", "TN", created_by=ANNA_OID) is True
    assert subscribe(prepared_engine, "19:channel", "tn") is False  # the same committee, any case
    assert subscribe(prepared_engine, "19:channel", "ks") is True
    assert subscribed(prepared_engine, "19:channel") == ["KS", "TN"]  # the committee table's spelling
    assert subscribed(prepared_engine, "a:other") == []

    assert unsubscribe(prepared_engine, "19:channel", "Tn") is True
    assert unsubscribe(prepared_engine, "19:channel", "TN") is False
    assert unsubscribe(prepared_engine, "19:channel", "NOPE") is False
    assert subscribed(prepared_engine, "19:channel") == ["KS"]
    assert subscribe(prepared_engine, "19:channel", "TN") is True


def test_unknown_committee_is_refused(prepared_engine):
    with pytest.raises(UnknownCommittee) as raised:
        subscribe(prepared_engine, "19:channel", "XYZ")
    assert "TN" in raised.value.known
    with pytest.raises(UnknownCommittee):
        subscribe(prepared_engine, "19:channel", "*")  # "*" is for reporters, not subscriptions
    assert subscribed(prepared_engine, "19:channel") == []


def test_recipients_are_active_subscribed_conversations(prepared_engine):
    install(prepared_engine, "19:tn-channel", "channel")
    install(prepared_engine, "19:group", "groupChat")
    install(prepared_engine, "a:gone", "personal")
    install(prepared_engine, "a:nothing", "personal")
    subscribe(prepared_engine, "19:tn-channel", "TN")
    subscribe(prepared_engine, "19:group", "KS")
    subscribe(prepared_engine, "19:group", "TN")
    subscribe(prepared_engine, "a:gone", "TN")
    subscribe(prepared_engine, "a:never-installed", "TN")  # no conversation row: nowhere to send
    uninstall(prepared_engine, "a:gone")

    assert recipients(prepared_engine) == [
        ("19:group", ("KS", "TN")),
        ("19:tn-channel", ("TN",)),
    ]
    assert recipients(prepared_engine, ["ks"]) == [("19:group", ("KS",))]
    assert recipients(prepared_engine, ["MSN"]) == []
    assert recipients(prepared_engine, []) == []

    with session_scope(prepared_engine, CLOCK) as session:
        [group, _] = subscriptions.recipients(session=session)
    assert isinstance(group, Recipient)
    assert group.reference["conversation"]["id"] == "19:group"

    install(prepared_engine, "a:gone", "personal")  # re-installed: active again
    assert ("a:gone", ("TN",)) in recipients(prepared_engine)


def test_reporters_are_subscribed_by_default_in_their_personal_chat(prepared_engine):
    install(prepared_engine, "a:anna", "personal", aad_object_id=ANNA_OID)
    install(prepared_engine, "a:bo", "personal", aad_object_id=BO_OID.upper())
    install(prepared_engine, "a:admin", "personal", aad_object_id="admin-oid")
    install(prepared_engine, "a:carl", "personal", aad_object_id="carl-oid")  # not a reporter
    install(prepared_engine, "19:chat", "groupChat", aad_object_id=ANNA_OID)  # not her personal chat
    add_reporter(prepared_engine, ANNA_OID, "TN")
    add_reporter(prepared_engine, ANNA_OID, "MSN")
    add_reporter(prepared_engine, BO_OID, "KS")
    add_reporter(prepared_engine, "admin-oid", "*")
    add_reporter(prepared_engine, "anna.andersson@ostersund.se", "VON")  # a UPN is not in the reference
    subscribe(prepared_engine, "a:anna", "KS")  # plus an explicit one
    subscribe(prepared_engine, "a:bo", "KS")  # the same as the default: listed once

    assert recipients(prepared_engine) == [
        ("a:anna", ("KS", "MSN", "TN")),
        ("a:bo", ("KS",)),
    ]
    assert recipients(prepared_engine, ["TN"]) == [("a:anna", ("TN",))]
    assert recipients(prepared_engine, ["ks", "MSN"]) == [("a:anna", ("KS", "MSN")), ("a:bo", ("KS",))]
    # The default is not an explicit subscription.
    assert subscribed(prepared_engine, "a:anna") == ["KS"]

    uninstall(prepared_engine, "a:anna")
    assert recipients(prepared_engine) == [("a:bo", ("KS",))]
