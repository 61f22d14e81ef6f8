"""The report to the council in Teams, over HTTP: the report card, the download link (once,
for its owner, expiring), and the overview card."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import aiohttp
import docx
import pytest

from tests.e2e.conftest import TeamsUser
from tests.seen import actions_of, button, cards_of, of_type, visible_text




async def fetch(bot_url: str, link: str, method: str = "GET") -> tuple[int, dict, bytes]:
    """The link as a browser opens it (at the test server: the card's host is the configured one)."""
    path = urlsplit(link).path
    async with aiohttp.ClientSession() as session:
        async with session.request(method, f"{bot_url}{path}") as response:
            return response.status, dict(response.headers), await response.read()


async def test_the_report_card_and_a_word_file_for_the_one_who_asked(user, bot_url):
    replies = await user.say("rapport T1 2022")
    shown = visible_text(replies)
    assert "Uppföljning av uppdrag T1 2022" in shown and "8 uppdrag T1 2022" in shown
    facts = {f["title"]: f["value"] for card in cards_of(replies) for fs in of_type(card, "FactSet")
             for f in fs["facts"]}
    assert facts == {"✅ Genomfört": "1", "🔵 Bedöms bli genomfört": "7", "🟠 Bedöms inte bli genomfört": "0",
                     "🔴 Ej genomfört": "0", "⚪ Ej rapporterat": "0"}
    assert [a["title"] for a in actions_of(cards_of(replies)[0])] == ["Word", "Markdown", "Text"]

    replies = await user.press(button(replies, "Word")["data"])
    link = button(replies, "Ladda ner (Word)")
    assert link["type"] == "Action.OpenUrl" and "gäller i 15 minuter" in visible_text(replies)

    status, headers, body = await fetch(bot_url, link["url"])  # a link checker's visit uses nothing up
    assert status == 200 and "Ladda ner" in body.decode() and headers["Cache-Control"] == "no-store"
    status, headers, body = await fetch(bot_url, link["url"], "POST")
    assert status == 200
    assert headers["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "uppdrag-T1-2022.docx" in headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(body)).paragraphs)
    assert "Tekniska nämnden (TN)" in text and "Utveckla ett nytt linjenät för stadstrafiken" in text

    for method in ("POST", "GET"):  # once only
        status, _, body = await fetch(bot_url, link["url"], method)
        assert status == 404 and b"linjen" not in body


async def test_a_text_file_for_one_committee_straight_from_the_question(user, bot_url):
    replies = await user.say("exportera KS-uppdragen för T1 2022 till text")
    assert "Uppföljning av uppdrag T1 2022, Kommunstyrelsen (KS)" in visible_text(replies)
    status, headers, body = await fetch(bot_url, button(replies, "Ladda ner (Text)")["url"], "POST")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    exported = body.decode("utf-8")
    assert exported.startswith("T1 2022 Uppdrag. Kommentar T1 2022\n")
    assert exported.count("\n.\n") == 4  # KS's four assignments, the joint one included
    assert "(MSN)" not in exported and "Purple Flag-certifiering (KS, TN)" in exported


async def test_an_expired_forged_or_mangled_link_gets_404_and_no_data(user, bot_url, clock):
    replies = await user.say("rapport T1 2022 som markdown")
    link = button(replies, "Ladda ner (Markdown)")["url"]
    token = urlsplit(link).path.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for path in (f"/exports/{forged}", "/exports/..%2F..%2Fetc%2Fpasswd", "/exports/" + "A" * 500):
        for method in ("GET", "POST"):
            status, _, body = await fetch(bot_url, f"http://x{path}", method)
            assert status == 404 and b"Uppdrag." not in body
    clock.advance(minutes=16)
    status, _, body = await fetch(bot_url, link, "POST")
    assert status == 404 and "Länken finns inte, har redan använts eller har gått ut" in body.decode()


async def test_in_a_channel_the_file_is_offered_in_the_personal_chat_instead(bot_url, connector):
    channel = TeamsUser(bot_url, connector, conversation_type="channel")
    replies = await channel.say("rapport T1 2022 till word")
    shown = visible_text(replies)
    assert "Filen får du i vår personliga chatt" in shown and "”rapport T1 2022”" in shown
    assert not [a for card in cards_of(replies) for a in actions_of(card) if a["type"] == "Action.OpenUrl"]
    replies = await channel.press({"action": "export", "period": "T1 2022", "committee": None, "format": "docx"})
    assert "Filen får du i vår personliga chatt" in visible_text(replies)
    assert not [a for card in cards_of(replies) for a in actions_of(card) if a["type"] == "Action.OpenUrl"]


@pytest.mark.parametrize("data", [
    {"action": "export", "period": "T9 2022", "format": "docx"},
    {"action": "export", "period": "T1 2022", "format": "exe"},
    {"action": "export", "period": "T1 2022", "format": "docx", "committee": ["KS"]},
])
async def test_a_crafted_export_button_gets_a_clear_answer(user, data):
    replies = await user.press(data)
    assert "Den knappen kunde jag inte läsa" in visible_text(replies)


async def test_the_overview_and_a_committee_from_it(user):
    replies = await user.say("översikt T1 2022")
    [card] = cards_of(replies)
    assert "Översikt T1 2022" in visible_text(replies)
    [table] = of_type(card, "Table")
    cells = [[" ".join(t["text"] for t in of_type(cell, "TextBlock")) or
              "".join(r["text"] for r in of_type(cell, "TextRun")) for cell in row["cells"]] for row in table["rows"]]
    assert cells[0] == ["Nämnd", "✅", "🔵", "Totalt"]
    assert cells[1:] == [["KS", "1", "3", "4"], ["SAN", "0", "1", "1"], ["MSN", "0", "2", "2"],
                         ["TN", "0", "3", "3"], ["Alla uppdrag", "1", "7", "8"]]
    bars = {cs["selectAction"]["title"]: [t["text"] for t in of_type(cs, "TextBlock")]
            for cs in of_type(card, "ColumnSet") if cs.get("selectAction")}
    assert bars == {"Visa KS": ["✅ 1", "🔵 3", "4"], "Visa SAN": ["🔵 1", "1"], "Visa MSN": ["🔵 2", "2"],
                    "Visa TN": ["🔵 3", "3"]}  # the chart carries the table's numbers
    tn = next(cell["selectAction"] for row in table["rows"] for cell in row["cells"]
              if cell.get("selectAction", {}).get("title") == "Visa TN")
    replies = await user.press(tn["data"])
    shown = visible_text(replies)
    assert "Tekniska nämnden" in shown and "Genomför trygghetsvandring" in shown and "linjenät" not in shown


async def test_how_is_tn_doing_overall(user):
    replies = await user.say("hur går det för TN totalt?")
    [card] = cards_of(replies)
    bars = [cs for cs in of_type(card, "ColumnSet") if cs.get("selectAction")]
    assert [b["selectAction"]["title"] for b in bars] == ["Visa TN"]
    assert "🔵 3" in visible_text(replies)
