"""Outside text in a markdown text message is shown as written (dialogs.copy.literal)."""

from __future__ import annotations

import pytest

from dialogs.copy import literal


@pytest.mark.parametrize(("written", "sent"), [
    ("[Kalle](https://evil.example)", r"\[Kalle\](https://evil.example)"),
    ("**fet** och _kursiv_ och ~~struken~~", r"\*\*fet\*\* och \_kursiv\_ och \~\~struken\~\~"),
    ("`kod` <b>html</b> &amp; a|b", r"\`kod\` \<b\>html\</b\> \&amp; a\|b"),
    ("# Rubrik", r"\# Rubrik"),
    ("- punkt", r"\- punkt"),
    ("1. första", r"1\. första"),
    ("back\\slash", r"back\\slash"),
    ("Rad ett\nRad två\u00a0 ", "Rad ett Rad två"),
])
def test_markdown_is_escaped(written, sent):
    assert literal(written) == sent


@pytest.mark.parametrize("plain", [
    "Anna Andersson",
    "Utveckla ett nytt linjenät för stadstrafiken (MSN)",
    "Tekniska nämnden (TN)",
    "Öka tryggheten i Östersund 2022-05-01.",
])
def test_ordinary_text_is_unchanged(plain):
    assert literal(plain) == plain


def test_nothing_is_empty():
    assert literal(None) == literal("") == ""
