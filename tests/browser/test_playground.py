"""The bot in a Teams-like client: Microsoft 365 Agents Playground in headless Chromium.

One short scenario through the real UI — ask for a committee's status, press "Uppdatera
status" on an assignment, answer the dialog's cards, see it saved. The thorough checks are the
HTTP end-to-end tests in tests/e2e; this one proves the cards work in a real card renderer.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.browser

DAGVATTEN = "Utred nya lösningar på dagvattenhantering"
PURPLE = "Öka tryggheten i stadskärnan genom att arbeta för att nå en Purple Flag-certifiering"
TRYGGHETSVANDRING = "Genomför trygghetsvandring på de områden/platser i kommunen"
COMMENT = "Vandringen genomfördes i maj tillsammans med polisen och fastighetsägarna."


def test_status_and_update_in_the_playground(page, screenshots, tmp_path, monkeypatch):
    from playwright.sync_api import expect

    cards = page.locator(".ac-adaptiveCard")
    # The Playground installs the bot in a personal chat on opening: the bot greets once.
    expect(cards.filter(has_text="Hej! Jag är Uppdragsboten")).to_have_count(1)

    # The user writes in the compose box, as in Teams.
    page.locator('[contenteditable="true"][role="textbox"]').click()
    page.keyboard.type("status för TN-uppdrag")
    page.get_by_role("button", name="Send Message").click()

    # The committee card lists the three TN assignments, each with its update button.
    tn_card = cards.filter(has_text=DAGVATTEN).filter(has_text=PURPLE).filter(has_text=TRYGGHETSVANDRING).first
    expect(tn_card).to_contain_text("Tekniska nämnden")
    expect(tn_card.get_by_role("button", name="Uppdatera status")).to_have_count(3)
    page.screenshot(path=screenshots / "screenshot-status.png")

    item = (tn_card.locator(".ac-container").filter(has_text=TRYGGHETSVANDRING)
            .filter(has=page.get_by_role("button", name="Uppdatera status")).last)
    item.get_by_role("button", name="Uppdatera status").click()

    status_card = cards.filter(has_text="Vilken status har uppdraget?").last
    expect(status_card).to_contain_text(TRYGGHETSVANDRING)
    status_card.get_by_role("button", name=re.compile(r"(^|\s)Genomfört$")).click()

    comment_card = cards.filter(has_text="Skriv en kommentar").last
    comment_card.get_by_role("textbox", name="Kommentar", exact=True).fill(COMMENT)
    page.screenshot(path=screenshots / "screenshot-comment.png")
    comment_card.get_by_role("button", name="Nästa", exact=True).click()

    confirm_card = cards.filter(has_text="Stämmer det här?").last
    expect(confirm_card).to_contain_text(COMMENT)
    confirm_card.get_by_role("button", name="Spara", exact=True).click()

    expect(page.get_by_text("Sparat! Så här ser uppdraget ut nu:").last).to_be_visible()
    saved_card = cards.filter(has_text=TRYGGHETSVANDRING).filter(has_text="Rapporterad av").last
    expect(saved_card).to_contain_text(COMMENT)
    expect(saved_card).to_contain_text("Genomfört")
    # The card the update started from is refreshed in place (updateActivity), for everyone.
    expect(tn_card).to_contain_text("Uppdaterad av")
    expect(item).to_contain_text(COMMENT[:40])
    page.screenshot(path=screenshots / "screenshot-update.png")

    # Subscribe, then the period-start notification arrives in the same chat (proactively).
    page.locator('[contenteditable="true"][role="textbox"]').click()
    page.keyboard.type("prenumerera på TN")
    page.get_by_role("button", name="Send Message").click()
    expect(page.get_by_text(re.compile("Klart! Du får nu besked")).last).to_be_visible()
    from bot.cli import main
    from tests.factories import CLOCK

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's own loop runs in this thread
        assert pool.submit(main, ["--env-file", "", "notify", "--period", "T1 2022"], clock=CLOCK).result(timeout=60) == 0
    notice = cards.filter(has_text="Nu är rapporteringen för T1 2022").last
    expect(notice).to_contain_text("Sista dag att rapportera")
    expect(notice.get_by_role("button", name="Uppdatera status")).to_have_count(3)
    page.screenshot(path=screenshots / "screenshot-notification.png")

    # The overview: a bar per committee and a table with the same numbers; a row opens its committee.
    page.locator('[contenteditable="true"][role="textbox"]').click()
    page.keyboard.type("översikt T1 2022")
    page.get_by_role("button", name="Send Message").click()
    overview = cards.filter(has_text="Översikt T1 2022").last
    expect(overview).to_contain_text("Alla uppdrag")
    expect(overview.locator("[role='table'], table, .ac-table").first).to_be_visible()
    overview.scroll_into_view_if_needed()
    overview.screenshot(path=screenshots / "screenshot-overview.png")
    overview.get_by_text("SAN", exact=True).first.click()
    san_card = cards.filter(has_text="Social- och arbetsmarknadsnämnden").last
    expect(san_card).to_contain_text("överservering")
