"""dialogs/cards.py: every card validates against the Adaptive Card 1.5 schema, stays small,
shows what a user needs, and renders outside text only as TextRuns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dialogs.actions import Origin, ShowStatus, parse
from dialogs.cards import (
    MAX_CARD_BYTES,
    ready_confirm_card,
    review_card,
    PAGE_SIZE,
    DownloadLink,
    ask_action,
    assignment_card,
    card_size,
    help_card,
    notification_card,
    overview_card,
    report_card,
    status_list_card,
    suggestions_card,
    welcome_card,
)
from dialogs.language.understand import MAX_LENGTH, StatusQuery
from domain.approval import CommitteeReport, ReportState
from domain.committees import Committee, load_committees
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.report_format import parse_report
from domain.rules import NotificationKind
from domain.statuses import StatusCategory
from tests.cardcheck import assert_valid, schema_errors, structural_errors
from tests.seen import lines, of_type, walk

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "storage" / "demo" / "uppdrag-T1-2022.txt"

T1 = Period(2022, 1)
COMMITTEES = {c.abbreviation: c for c in load_committees()}
EXAMPLES = ["status för TN-uppdrag", "visa ej genomförda uppdrag", "ks uppdrag t1 2022", "hjälp"]
EVIL = "[klicka här](https://evil.example) **fet** <at>Alla</at>"
EVIL_PIECES = ("evil.example", "**fet**", "<at>", "](")


# --------------------------------------------------------------------------- data


@cache
def seed() -> tuple[AssignmentStatus, ...]:
    """The demo report's assignments as the storage layer would return them (ids 1..n)."""
    report = parse_report(SEED.read_text("utf-8"), committees=list(COMMITTEES.values()), filename=str(SEED))
    return tuple(
        AssignmentStatus(
            assignment_id=number,
            title=item.title,
            committees=tuple(COMMITTEES[a] for a in item.committees),
            lead_committee=COMMITTEES[item.lead_committee] if item.lead_committee else None,
            year=report.period.year,
            period=report.period,
            category=item.category,
            sentence=item.status_sentence,
            comment=item.comment or None,
        )
        for number, item in enumerate(report.items, start=1)
    )


def seed_tn() -> list[AssignmentStatus]:
    return [a for a in seed() if COMMITTEES["TN"] in a.committees]


def make(
    assignment_id: int = 100,
    *,
    title: str = "Utveckla ett nytt linjenät för stadstrafiken",
    committees: str = "MSN",
    lead: str | None = None,
    period: Period = T1,
    category: StatusCategory = StatusCategory.ON_TRACK,
    sentence: str | None = "Uppdraget bedöms bli genomfört under året.",
    comment: str | None = "Arbete pågår.",
    author: str | None = None,
    reported_at: datetime | None = None,
) -> AssignmentStatus:
    return AssignmentStatus(
        assignment_id=assignment_id,
        title=title,
        committees=tuple(COMMITTEES[c] for c in committees.split(", ")),
        lead_committee=COMMITTEES[lead] if lead else None,
        year=period.year,
        period=period,
        category=category,
        sentence=sentence,
        comment=comment,
        author=author,
        reported_at=reported_at,
    )


def list_card(items, **overrides) -> dict:
    args: dict[str, Any] = dict(
        title="Alla nämnder",
        period=T1,
        total=len(items),
        counts=Counter(i.category for i in items),
        page=1,
        more=None,
    )
    args.update(overrides)
    return status_list_card(items, **args)


def tn_card() -> dict:
    return list_card(seed_tn(), title=COMMITTEES["TN"].display)


def long_text(n: int, *, spaces: bool = True) -> str:
    """``n`` characters of Swedish-looking text with multi-byte letters."""
    word = "åäöÅÄÖ förändring " if spaces else "åäöÅÄÖförändring"
    return (word * (n // len(word) + 1))[:n]


# ---------------------------------------------------------------------- inspecting




def submits(card: dict) -> list[dict]:
    return of_type(card, "Action.Submit")


def strings_outside_text_runs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if node.get("type") == "TextRun" and key == "text":
                continue
            yield from strings_outside_text_runs(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_outside_text_runs(value)
    elif isinstance(node, str):
        yield node


# ---------------------------------------------------------------------- validation


# ------------------------------------------------------------- every card validates


def _cards() -> dict[str, Callable[[], dict]]:
    kfn = make(7, title="Ta fram en plan för friluftslivet", committees="KFN, KS, TN", lead="KFN",
               category=StatusCategory.AT_RISK, sentence="Uppdraget bedöms inte bli genomfört under året.",
               comment="Planen är försenad.\n\nUpphandlingen av konsult har överklagats.",
               author="Anna Andersson", reported_at=datetime(2022, 5, 12, 14, 2))
    unreported = make(8, category=StatusCategory.NOT_REPORTED, sentence=None, comment=None)
    history = [make(7, period=Period(2021, 3), category=StatusCategory.NOT_DONE),
               make(7, period=Period(2021, 2), category=StatusCategory.ON_TRACK)]
    many = [make(i, category=StatusCategory.DONE) for i in range(1, PAGE_SIZE + 1)]
    cards = {
        "list: TN seed": tn_card,
        "list: whole seed": lambda: list_card(list(seed())),
        "list: first of three pages": lambda: list_card(
            many, total=23, counts={StatusCategory.DONE: 20, StatusCategory.AT_RISK: 3},
            more=ShowStatus(StatusQuery(period=T1), page=2)),
        "list: last page": lambda: list_card(many[:3], total=23, page=3, counts={StatusCategory.DONE: 23}),
        "list: filter, lead, not reported": lambda: list_card(
            [kfn, unreported], title="Sökresultat", filter_text="ej genomförda"),
        "list: no matches": lambda: list_card([], title="Sökresultat", filter_text="xyz"),
        "detail: with history and author": lambda: assignment_card(kfn, history=history),
        "detail: not reported": lambda: assignment_card(unreported),
        "detail: long comment": lambda: assignment_card(make(comment=long_text(4_000))),
        "help": lambda: help_card(EXAMPLES),
        "help without examples": lambda: help_card([]),
        "welcome": lambda: welcome_card(EXAMPLES),
        "suggestions": lambda: suggestions_card("Jag hittade inga uppdrag för ”purpel flagg”.", EXAMPLES),
        "suggestions without examples": lambda: suggestions_card("Jag förstod inte.", []),
        "report: choose a format": lambda: report_card(
            title="Uppföljning av uppdrag T1 2022, Tekniska nämnden (TN)", period=T1,
            counts={StatusCategory.ON_TRACK: 3}, committee="TN"),
        "report: a link": lambda: report_card(
            title="Uppföljning av uppdrag T1 2022", period=T1, counts={StatusCategory.DONE: 1}, committee=None,
            link=DownloadLink("https://uppdrag.kommun.se/exports/abc", "docx", 15)),
        "report: in a channel": lambda: report_card(
            title="Uppföljning av uppdrag T1 2022", period=T1, counts={}, committee=None,
            note="Filen får du i vår personliga chatt."),
        "closing: ready, with what is missing": lambda: ready_confirm_card(
            Committee("TN", "Tekniska nämnden"), T1, [unreported] * 12),
        "closing: review a ready report": lambda: review_card(
            Committee("TN", "Tekniska nämnden"), READY_TN, list(seed()), {StatusCategory.ON_TRACK: 7}),
        "closing: review an approved report": lambda: review_card(
            Committee("TN", "Tekniska nämnden"), replace(READY_TN, state=ReportState.APPROVED), [kfn], {}),
        "closing: a committee's list with its state": lambda: status_list_card(
            [kfn], title="Tekniska nämnden (TN)", period=T1, total=1, counts={StatusCategory.AT_RISK: 1}, page=1,
            more=None, closing=replace(READY_TN, state=ReportState.OPEN, comment="Komplettera dagvattnet.")),
        "closing: a locked assignment": lambda: assignment_card(
            kfn, closing="🔒 Låst för T1 2022: godkänd av Bo Berg den 2022-05-20."),
        "overview: the seed": lambda: overview_card(T1, SEED_ROWS, {StatusCategory.DONE: 1, StatusCategory.ON_TRACK: 7}),
        "overview: fifteen committees": lambda: overview_card(T1, fifteen_committees(),
                                                              dict.fromkeys(StatusCategory, 40)),
    }
    for item in seed():
        cards[f"detail: seed {item.assignment_id}"] = lambda item=item: assignment_card(item)
    return cards


READY_TN = CommitteeReport("TN", T1, ReportState.READY, "Anna Andersson", datetime(2022, 5, 20, 9, 0, tzinfo=timezone.utc))
SEED_ROWS = [(Committee("KS", "Kommunstyrelsen"), {StatusCategory.DONE: 1, StatusCategory.ON_TRACK: 3}),
             (Committee("TN", "Tekniska nämnden"), {StatusCategory.ON_TRACK: 3})]


def fifteen_committees() -> list:
    """A large municipality: fifteen committees, every status, three- and four-digit counts."""
    return [(Committee(f"N{i:02d}", f"Nämnd {i}"), {c: 1000 + 7 * i + j for j, c in enumerate(StatusCategory)})
            for i in range(15)]


CARDS = _cards()


def test_the_overview_of_fifteen_committees_stays_well_under_the_message_limit() -> None:
    card = overview_card(T1, fifteen_committees(), dict.fromkeys(StatusCategory, 40))
    assert card_size(card) < 80_000
    rows = [r for r in walk(card) if r.get("type") == "TableRow"]
    assert len(rows) == 1 + 15 + 1  # header, the committees, all assignments
    # Every committee row's numbers appear in its bar too (the chart and the table agree).
    for row, (committee, counts) in zip(rows[1:-1], fifteen_committees()):
        numbers = [b["text"] for cell in row["cells"][1:] for b in walk(cell) if b.get("type") == "TextBlock"]
        assert numbers == [f"{n:,}".replace(",", "\u00a0") for n in [*counts.values(), sum(counts.values())]]


@pytest.mark.parametrize("name", CARDS)
def test_every_card_validates_against_the_schema_and_our_checks(name: str) -> None:
    assert_valid(CARDS[name]())


def test_ask_action_is_a_valid_action_that_sends_the_text() -> None:
    action = ask_action("status för TN-uppdrag")
    assert action == {
        "type": "Action.Submit",
        "title": "status för TN-uppdrag",
        "data": {"action": "ask", "text": "status för TN-uppdrag",
                 "msteams": {"type": "imBack", "value": "status för TN-uppdrag"}},
    }
    assert_valid({"type": "AdaptiveCard", "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                  "version": "1.5", "body": [{"type": "TextBlock", "text": "x", "wrap": True}],
                  "actions": [action]})


# ------------------------------------------------------- the checks really catch errors


def _broken(element: dict) -> dict:
    card = help_card(EXAMPLES)
    card["body"].append(element)
    return card


@pytest.mark.parametrize(
    "element",
    [
        {"type": "TextBlock", "wrap": True},  # no text
        {"type": "Marquee", "text": "hej"},  # unknown element
        {"type": "RichTextBlock", "inlines": [{"type": "TextBlock", "text": "x"}]},  # not an inline
        {"type": "TextBlock", "text": "hej", "colour": "good"},  # unknown property
        {"type": "Container", "items": [{"type": "Action.Submit", "title": "x"}]},  # action as element
    ],
)
def test_the_schema_rejects_broken_cards(element: dict) -> None:
    assert schema_errors(help_card(EXAMPLES)) == []
    assert schema_errors(_broken(element)) != []


def test_our_checks_catch_what_the_schema_lets_through() -> None:
    loose = [
        _broken({"type": "TextBlock", "text": "hej", "wrap": True, "color": "notgoodatall"}),
        _broken({"type": "ActionSet", "actions": [{"type": "Action.Submit", "data": {"action": "ask"}}]}),
        {k: v for k, v in help_card(EXAMPLES).items() if k != "version"},
    ]
    for card in loose:
        assert schema_errors(card) == []
        assert structural_errors(card) != []


# ------------------------------------------------------------------------------ size


def test_card_size_counts_utf8_bytes() -> None:
    assert card_size({"a": "å"}) == len('{"a": "å"}'.encode("utf-8")) == 11


@pytest.mark.parametrize("spaces", [True, False])
def test_a_full_page_of_huge_assignments_stays_under_the_limit(spaces: bool) -> None:
    items = [make(i, title=long_text(4_000, spaces=spaces), comment=long_text(4_000, spaces=spaces),
                  sentence=long_text(4_000, spaces=spaces)) for i in range(PAGE_SIZE)]
    query = StatusQuery(committees=tuple(COMMITTEES), period=T1, text=long_text(MAX_LENGTH, spaces=spaces))
    card = list_card(items, title=long_text(4_000), filter_text=long_text(4_000), total=500,
                     more=ShowStatus(query, page=2), origin=Origin(query, 1))
    assert_valid(card)
    assert card_size(card) < MAX_CARD_BYTES


def test_list_card_stays_small_even_with_four_byte_characters() -> None:
    emoji = "🙂" * 4_000
    items = [make(i, title=emoji, comment=emoji, sentence=emoji) for i in range(PAGE_SIZE)]
    query = StatusQuery(committees=tuple(COMMITTEES), period=T1, text="🙂" * MAX_LENGTH)  # the longest search
    card = list_card(items, title=emoji, filter_text=emoji, total=500, more=ShowStatus(query, page=2),
                     origin=Origin(query, 1))
    assert card_size(card) < MAX_CARD_BYTES


def test_assignment_card_with_a_4000_character_comment_stays_under_the_limit() -> None:
    comment = long_text(4_000)
    card = assignment_card(make(title=long_text(400), comment=comment, author="Anna Andersson",
                                reported_at=datetime(2022, 5, 12, 14, 2)))
    assert_valid(card)
    assert comment in lines(card)


def test_assignment_card_stays_small_whatever_the_database_holds() -> None:
    emoji = "🙂" * 30_000
    many_paragraphs = "\n\n".join(["🙂 rad"] * 20_000)
    history = [make(period=Period(year, term), sentence=emoji) for year in range(2000, 2022) for term in (1, 2, 3)]
    for comment in (emoji, many_paragraphs):
        card = assignment_card(make(title=emoji, comment=comment, sentence=emoji, author=emoji), history=history)
        assert_valid(card)
        assert any(line.startswith("Kommentaren är för lång") for line in lines(card))


# ---------------------------------------------------------- what a user sees: the list


def test_tn_list_shows_the_committee_period_counts_and_its_three_assignments() -> None:
    card = tn_card()
    shown = lines(card)
    assert shown[0] == "Tekniska nämnden (TN)"
    assert "Uppdrag T1 2022 (tertial 1 2022)" in shown
    assert "🔵 Bedöms bli genomfört 3" in shown
    titles = [a.title for a in seed_tn()]
    assert len(titles) == 3
    assert titles == [line for line in shown if line in titles]  # each once, in order
    assert "MSN, TN · 🔵 Bedöms bli genomfört" in shown
    assert "KS, TN · 🔵 Bedöms bli genomfört" in shown
    assert "TN · 🔵 Bedöms bli genomfört" in shown
    assert [s["data"] for s in submits(card)] == [
        data
        for a in seed_tn()
        for data in (
            {"action": "show_assignment", "assignment_id": a.assignment_id, "period": "T1 2022"},
            {"action": "update_status", "assignment_id": a.assignment_id, "period": "T1 2022"},
        )
    ]
    assert not any(line.startswith("Visar") for line in shown)  # everything fits on one page
    assert "actions" not in card  # no "Visa fler"


def test_one_item_per_separated_container() -> None:
    containers = of_type(tn_card(), "Container")
    assert len(containers) == 3
    assert all(c.get("separator") is True for c in containers)


def test_counts_show_only_non_zero_categories_in_order() -> None:
    counts = {StatusCategory.ON_TRACK: 2, StatusCategory.AT_RISK: 0, StatusCategory.DONE: 1}
    card = list_card([make()], total=3, counts=counts)
    assert "✅ Genomfört 1 · 🔵 Bedöms bli genomfört 2" in lines(card)
    assert not any("Bedöms inte" in line for line in lines(card))


def test_paging_text_and_more_action_carry_exactly_what_the_caller_gave() -> None:
    more = ShowStatus(StatusQuery(committees=("TN",), period=T1), page=2)
    items = [make(i) for i in range(1, 11)]
    card = list_card(items, total=23, counts={StatusCategory.ON_TRACK: 23}, more=more)
    assert "Visar 1–10 av 23" in lines(card)
    data = {"action": "show_status",
            "query": {"committees": ["TN"], "categories": [], "period": "T1 2022", "text": None, "year": None},
            "page": 2}
    assert card["actions"] == [{"type": "Action.Submit", "title": "Visa fler", "data": data}]
    assert parse(card["actions"][0]["data"]) == more  # the press brings back exactly that list and page

    last = list_card(items[:3], total=23, page=3, counts={StatusCategory.ON_TRACK: 23})
    assert "Visar 21–23 av 23" in lines(last)
    assert "actions" not in last
    assert not any(s["title"] == "Visa fler" for s in submits(last))


def test_more_than_a_page_is_refused() -> None:
    with pytest.raises(ValueError, match="at most 10"):
        list_card([make(i) for i in range(PAGE_SIZE + 1)])


def test_filter_text_and_empty_result() -> None:
    card = list_card([], title="Sökresultat", filter_text="ej genomförda")
    assert lines(card)[:3] == ["Sökresultat", "Uppdrag T1 2022 (tertial 1 2022)", "Filter: ej genomförda"]
    assert "Inga uppdrag matchar." in lines(card)
    assert submits(card) == []


def test_lead_committee_is_marked_and_sentence_shown_when_it_says_more_than_the_label() -> None:
    kfn = make(7, committees="KS, KFN, TN", lead="KFN", category=StatusCategory.ON_TRACK,
               sentence="Bedöms bli genomförd")
    same = make(8, category=StatusCategory.DONE, sentence="Genomfört.")
    shown = lines(list_card([kfn, same]))
    assert "KFN (ansvarig), KS, TN · 🔵 Bedöms bli genomfört" in shown
    assert "Bedöms bli genomförd" in shown
    assert "Genomfört." not in shown  # the same as the label: not repeated


def test_long_comment_is_shortened_at_a_word_boundary_and_shown_whole_in_detail() -> None:
    comment = ("Arbetet med strategin för fredstida kriser och höjd beredskap pågår. " * 60).strip()
    item = make(comment=comment)
    list_lines = lines(list_card([item]))
    (preview,) = [line for line in list_lines if line.startswith("Arbetet med")]
    assert preview.endswith("…")
    assert 200 <= len(preview) <= 301
    cut = preview.removesuffix("…")
    assert comment.startswith(cut)
    assert comment[len(cut)] in " ."  # cut between words
    assert [s["title"] for s in submits(list_card([item]))] == ["Visa hela", "Uppdatera status"]

    detail = lines(assignment_card(item))
    assert comment in detail


def test_short_seed_comment_is_shown_whole_with_visa_detaljer() -> None:
    est = next(a for a in seed() if a.title.startswith("Utveckla arbetet med effektiv samordning"))
    card = list_card([est])
    assert est.comment in lines(card)
    assert [s["title"] for s in submits(card)] == ["Visa detaljer", "Uppdatera status"]


# ------------------------------------------------------- what a user sees: the detail


def test_assignment_card_shows_everything_about_the_assignment() -> None:
    item = make(7, title="Ta fram en plan för friluftslivet", committees="KS, KFN, TN", lead="KFN",
                category=StatusCategory.AT_RISK, sentence="Uppdraget bedöms inte bli genomfört under året.",
                comment="Planen är försenad.\n\nUpphandlingen har överklagats.",
                author="Anna Andersson", reported_at=datetime(2022, 5, 12, 12, 2, 59, tzinfo=timezone.utc))
    history = [make(7, period=Period(2021, 2), category=StatusCategory.ON_TRACK),
               make(7, period=T1, category=StatusCategory.AT_RISK),  # the shown period itself: left out
               make(7, period=Period(2021, 3), category=StatusCategory.NOT_DONE)]
    card = assignment_card(item, history=history)
    shown = lines(card)
    assert shown[0] == "Ta fram en plan för friluftslivet"
    assert ("Nämnder: Kultur- och fritidsnämnden (KFN, ansvarig), Kommunstyrelsen (KS), "
            "Tekniska nämnden (TN)") in shown
    assert "Period: T1 2022 (tertial 1 2022)" in shown
    assert "Status: 🟠 Bedöms inte bli genomfört" in shown
    assert "Uppdraget bedöms inte bli genomfört under året." in shown
    assert "Planen är försenad." in shown and "Upphandlingen har överklagats." in shown
    assert "Rapporterad av Anna Andersson 2022-05-12 14:02" in shown
    tail = shown[shown.index("Tidigare perioder") + 1:]
    assert tail == ["T3 2021: 🔴 Ej genomfört", "T2 2021: 🔵 Bedöms bli genomfört"]
    status_run = next(r for r in of_type(card, "TextRun") if r["text"] == "🟠 Bedöms inte bli genomfört")
    assert status_run["color"].lower() == "warning"


def test_seed_assignment_card_has_full_names_and_whole_comment() -> None:
    dagvatten = next(a for a in seed() if a.title.startswith("Utred nya lösningar på dagvattenhantering"))
    shown = lines(assignment_card(dagvatten))
    assert "Nämnder: Miljö- och samhällsnämnden (MSN), Tekniska nämnden (TN)" in shown
    assert dagvatten.comment in shown
    assert len(dagvatten.comment) > 300  # the list card shortens it
    assert not any(line.startswith("Rapporterad") for line in shown)
    assert "Tidigare perioder" not in shown


def test_not_reported_assignment_says_so() -> None:
    shown = lines(assignment_card(make(category=StatusCategory.NOT_REPORTED, sentence=None, comment=None)))
    assert "Status: ⚪ Ej rapporterat" in shown
    assert "Ingen kommentar." in shown


def test_comment_over_3000_characters_comes_in_parts() -> None:
    first, second = long_text(3_500), "Andra stycket."
    card = assignment_card(make(comment=f"{first}\n\n{second}"))
    paragraph = next(b for b in of_type(card, "RichTextBlock") if b["inlines"][0]["text"].startswith("åäö"))
    assert len(paragraph["inlines"]) >= 4
    assert all(len(r["text"]) <= 1_000 for r in paragraph["inlines"])
    assert "".join(r["text"] for r in paragraph["inlines"]) == first
    assert second in lines(card)


# ----------------------------------------------------------- help, welcome, suggestions


@pytest.mark.parametrize("build", [help_card, welcome_card, lambda e: suggestions_card("Jag förstod inte.", e)])
def test_examples_are_clickable_buttons_that_ask(build) -> None:
    card = build(EXAMPLES)
    assert submits(card) == [ask_action(e) for e in EXAMPLES]


def test_help_card_explains_what_the_bot_does_in_swedish() -> None:
    text = "\n".join(lines(help_card(EXAMPLES)))
    phrases = ("Det här kan jag", "nämnd", "Filtrera på status", "period", "Söka efter ett uppdrag",
               "Prova till exempel:")
    for phrase in phrases:
        assert phrase in text


def test_welcome_card_greets_and_points_to_help() -> None:
    text = "\n".join(lines(welcome_card(EXAMPLES)))
    assert "Hej! Jag är Uppdragsboten" in text
    assert "”hjälp”" in text


def test_suggestions_card_shows_the_message() -> None:
    card = suggestions_card("Jag hittade inga uppdrag för ”purpel flagg”.", EXAMPLES[:2])
    assert lines(card)[0] == "Jag hittade inga uppdrag för ”purpel flagg”."
    assert [s["title"] for s in submits(card)] == EXAMPLES[:2]


def test_at_most_six_example_buttons() -> None:
    assert len(submits(help_card([f"exempel {i}" for i in range(10)]))) == 6


# ------------------------------------------------------------------------ notifications


def _unreported(n: int, period: Period = Period(2022, 2)) -> list[AssignmentStatus]:
    return [make(i, title=f"Uppdrag nummer {i}", committees="TN, KS", lead="TN", period=period,
                 category=StatusCategory.NOT_REPORTED, sentence=None, comment=None) for i in range(1, n + 1)]


def test_opening_notification_says_reporting_is_open_and_until_when() -> None:
    items = _unreported(3, T1)
    card = notification_card(NotificationKind.OPENING, T1, date(2022, 5, 22), "TN, KS", items)
    assert_valid(card)
    shown = lines(card)
    assert shown[:3] == ["Nu är rapporteringen för T1 2022 (tertial 1 2022) öppen",
                         "Sista dag att rapportera: 2022-05-22", "Nämnder: TN, KS"]
    assert [line for line in shown if line.startswith("Uppdrag nummer")] == [i.title for i in items]
    assert "TN (ansvarig), KS · ⚪ Ej rapporterat" in shown
    assert [s["title"] for s in submits(card)] == ["Uppdatera status"] * 3


def test_reminder_notification_counts_what_is_unreported() -> None:
    card = notification_card(NotificationKind.REMINDER, Period(2022, 2), date(2022, 9, 22), "TN", _unreported(3))
    assert_valid(card)
    assert lines(card)[:2] == ["Påminnelse: 3 uppdrag saknar rapport för T2 2022",
                               "Sista dag att rapportera: 2022-09-22"]


def test_a_long_notification_shows_twenty_and_says_how_to_see_the_rest() -> None:
    card = notification_card(NotificationKind.REMINDER, Period(2022, 2), date(2022, 9, 22), "TN, KS",
                             _unreported(26))
    assert_valid(card)
    assert lines(card)[0] == "Påminnelse: 26 uppdrag saknar rapport för T2 2022"
    assert len(submits(card)) == 20
    assert lines(card)[-1] == "… och 6 uppdrag till. Skriv ”status för TN-uppdrag” för att se alla."


def test_a_notification_with_huge_titles_stays_small() -> None:
    items = [make(i, title="🙂" * 4_000, category=StatusCategory.NOT_REPORTED, comment=None) for i in range(40)]
    card = notification_card(NotificationKind.OPENING, T1, date(2022, 5, 22), "TN", items)
    assert_valid(card)


# ------------------------------------------------------------------------ injection


def _injected_cards() -> dict[str, dict]:
    evil = make(66, title=f"Titel {EVIL}", sentence=f"Uppdraget {EVIL}", comment=f"Kommentar {EVIL}",
                author=f"Anna {EVIL}", reported_at=datetime(2022, 5, 12, 14, 2))
    return {
        "list": list_card([evil], title=f"Sökresultat {EVIL}", filter_text=EVIL),
        "detail": assignment_card(evil, history=[make(66, period=Period(2021, 3), sentence=EVIL, comment=EVIL)]),
        "suggestions": suggestions_card(f"Inga uppdrag för ”{EVIL}”.", []),
    }


@pytest.mark.parametrize("name", ["list", "detail", "suggestions"])
def test_outside_text_is_only_ever_a_text_run(name: str) -> None:
    card = _injected_cards()[name]
    assert_valid(card)
    for text in strings_outside_text_runs(card):
        assert not any(piece in text for piece in EVIL_PIECES), text
    for block in of_type(card, "TextBlock"):
        assert "evil" not in block["text"]
    assert any(EVIL in r["text"] for r in of_type(card, "TextRun"))


def test_every_outside_field_reaches_the_user_verbatim_as_text_runs() -> None:
    runs = [r["text"] for c in _injected_cards().values() for r in of_type(c, "TextRun")]
    for expected in (f"Titel {EVIL}", f"Uppdraget {EVIL}", f"Kommentar {EVIL}", f"Anna {EVIL}",
                     f"Sökresultat {EVIL}", EVIL, f"Inga uppdrag för ”{EVIL}”."):
        assert expected in runs


def test_control_and_bidi_characters_are_removed() -> None:
    nasty = "Ny\x00 park\x1b[31m\u202eröd\u202c\x07 plan"
    item = make(title=nasty, comment=f"Rad ett\r\nRad\ttvå\x0b{nasty}", author="Eva\u2066 Ek\x00")
    for card in (list_card([item], filter_text=nasty), assignment_card(item), suggestions_card(nasty, [nasty])):
        dumped = json.dumps(card, ensure_ascii=False)
        for char in ("\x00", "\x1b", "\x07", "\u202e", "\u202c", "\u2066", "\\u00", "\\u001"):
            assert char not in dumped
    assert "Ny park[31mröd plan" in lines(list_card([item]))
    assert "Rapporterad av Eva Ek" in lines(assignment_card(item))
