"""Reporters and admins: who may update which committee's assignments."""

from __future__ import annotations

import pytest

from domain.clock import aware
from storage import reporters
from storage.db import session_scope
from storage.reporters import UnknownCommittee
from tests.factories import CLOCK

ANNA_OID = "6F1C2D3E-0000-4000-8000-00000000AAAA"
ANNA_UPN = "Anna.Andersson@Ostersund.se"


def add(engine, principal, committee, display_name=None) -> bool:
    with session_scope(engine, CLOCK) as session:
        return reporters.add_reporter(
            session=session, principal=principal, committee=committee, display_name=display_name
        )


def may_update(engine, principals, committees) -> bool:
    with session_scope(engine, CLOCK) as session:
        return reporters.may_update(session=session, principals=principals, committees=committees)


def listed(engine, committee=None) -> list[tuple[str, str]]:
    with session_scope(engine, CLOCK) as session:
        records = reporters.list_reporters(session=session, committee=committee)
    return [(r.principal, r.committee) for r in records]


def test_add_list_remove(prepared_engine):
    assert add(prepared_engine, ANNA_UPN, "TN", display_name="Anna Andersson") is True
    assert add(prepared_engine, "bo@ostersund.se", "ks") is True
    assert add(prepared_engine, "admin@ostersund.se", "*") is True

    with session_scope(prepared_engine, CLOCK) as session:
        everyone = reporters.list_reporters(session=session)
    assert [(r.principal, r.committee, r.display_name, r.is_admin) for r in everyone] == [
        ("admin@ostersund.se", "*", None, True),
        ("bo@ostersund.se", "KS", None, False),
        ("anna.andersson@ostersund.se", "TN", "Anna Andersson", False),
    ]
    assert {aware(r.created_at) for r in everyone} == {CLOCK.now()}  # the transaction's time
    assert listed(prepared_engine, committee="tn") == [("anna.andersson@ostersund.se", "TN")]
    assert listed(prepared_engine, committee="*") == [("admin@ostersund.se", "*")]
    assert listed(prepared_engine, committee="NOPE") == []

    with session_scope(prepared_engine, CLOCK) as session:
        assert reporters.remove_reporter(session=session, principal=ANNA_UPN.upper(), committee="tn")
        assert not reporters.remove_reporter(session=session, principal=ANNA_UPN, committee="TN")
        assert not reporters.remove_reporter(session=session, principal="bo@ostersund.se", committee="TN")
    assert listed(prepared_engine, committee="TN") == []
    assert len(listed(prepared_engine)) == 2


def test_duplicates_are_reported_not_added(prepared_engine):
    assert add(prepared_engine, ANNA_UPN, "TN") is True
    assert add(prepared_engine, ANNA_UPN.lower(), "tn") is False
    assert add(prepared_engine, ANNA_UPN, "KS") is True
    assert listed(prepared_engine) == [
        ("anna.andersson@ostersund.se", "KS"),
        ("anna.andersson@ostersund.se", "TN"),
    ]


def test_unknown_committee_names_the_known_ones(prepared_engine):
    with pytest.raises(UnknownCommittee) as raised:
        add(prepared_engine, ANNA_UPN, "XYZ")
    assert "TN" in raised.value.known and "KS" in raised.value.known
    assert "TN" in str(raised.value)
    assert listed(prepared_engine) == []


def test_empty_principal_is_refused(prepared_engine):
    with pytest.raises(ValueError):
        add(prepared_engine, "  ", "TN")


def test_may_update_a_committee_of_the_assignment(prepared_engine):
    add(prepared_engine, ANNA_OID, "TN")
    # Teams gives both the object id and the UPN; either may be the registered one.
    assert may_update(prepared_engine, [ANNA_OID.lower(), ANNA_UPN], ["MSN", "TN"]) is True
    assert may_update(prepared_engine, [ANNA_UPN, ANNA_OID], ["tn"]) is True
    assert may_update(prepared_engine, [ANNA_OID], ["KS"]) is False
    assert may_update(prepared_engine, [ANNA_OID], []) is False
    assert may_update(prepared_engine, ["someone@ostersund.se"], ["TN"]) is False
    assert may_update(prepared_engine, ["", None], ["TN"]) is False


def test_admin_may_update_everything(prepared_engine):
    add(prepared_engine, ANNA_UPN, "*")
    assert may_update(prepared_engine, ["x", ANNA_UPN.upper()], ["VN"]) is True
    assert may_update(prepared_engine, [ANNA_UPN], []) is True
    assert may_update(prepared_engine, ["bo@ostersund.se"], ["VN"]) is False


def test_committees_of(prepared_engine):
    add(prepared_engine, ANNA_OID, "TN")
    add(prepared_engine, ANNA_UPN, "KS")
    add(prepared_engine, "bo@ostersund.se", "MSN")
    with session_scope(prepared_engine, CLOCK) as session:
        assert reporters.committees_of(session=session, principals=[ANNA_OID, ANNA_UPN]) == ["KS", "TN"]
        assert reporters.committees_of(session=session, principals=["nobody"]) == []
    add(prepared_engine, ANNA_UPN, "*")
    with session_scope(prepared_engine, CLOCK) as session:
        assert reporters.committees_of(session=session, principals=[ANNA_UPN]) == [
            "BUN", "KFN", "KS", "MSN", "SAN", "TN", "VN", "VON"
        ]
