"""The Adaptive Cards the bot sends: the one place card JSON is built (pure).

Every function returns a plain dict (Adaptive Card 1.5 JSON); the bot wraps it in an
attachment with contentType ``application/vnd.microsoft.card.adaptive``.

Injection safety: a TextBlock renders a markdown subset, a RichTextBlock TextRun renders
its text as is. So every piece of text from the database or from users (titles, comments,
status sentences, author names, committee names, search text) goes through ``run()`` /
``plain()`` into a TextRun, with control and bidi-override characters removed;
``text_block()`` is only for our own fixed strings.

Size: Teams rejects messages over about 100 KB. Every piece of outside text is capped
(list card: about 300 characters per field; detail card: 10,000 characters of comment),
so even text made only of 4-byte characters keeps a card under ``MAX_CARD_BYTES``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from dialogs.actions import (
    Action,
    Ask,
    DialogAnswer,
    ExportFile,
    MoveReport,
    ReviewReport,
    Origin,
    ShowAssignment,
    ShowStatus,
    UpdateStatus,
)
from dialogs.language.understand import StatusQuery
from domain import rules
from domain.approval import CommitteeReport, Move, ReportState
from domain.clock import local
from domain.committees import Committee
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.rules import NotificationKind
from domain.statuses import ORDER, StatusCategory
from domain.text import clean, fold

SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"

PAGE_SIZE = 10
MAX_CARD_BYTES = 80_000  # Teams rejects bot messages over ~100 KB; stay under 80 KB
MAX_EXAMPLES = 6  # Teams shows at most six actions in a set

PREVIEW_CHARS = 300  # list card: comment, title and sentence previews
HEADING_CHARS = 200  # list card: title and filter text
COMMENT_MAX_CHARS = 10_000  # detail card: longer comments are cut, with a note
COMMENT_MAX_PARAGRAPHS = 50
COMMENT_RUN_CHARS = 1_000  # detail card: a long paragraph is split into TextRuns this long
DETAIL_TITLE_CHARS = 1_000
AUTHOR_CHARS = 100
SENTENCE_CHARS = 300
HISTORY_MAX = 12

Color = Literal["default", "dark", "light", "accent", "good", "warning", "attention"]
Size = Literal["default", "small", "medium", "large", "extraLarge"]
Weight = Literal["default", "lighter", "bolder"]
Spacing = Literal["default", "none", "small", "medium", "large", "extraLarge", "padding"]

Card = dict[str, Any]
Element = dict[str, Any]

# Control characters (except white space, which clean() collapses) and the bidi
# embedding/override/isolate marks that can make text read differently than it is.
_INVISIBLE = {
    code: None
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x200E, 0x200F,
                 *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    if not chr(code).isspace()
}


# ------------------------------------------------------------------------ safe text


def _visible(text: str | None) -> str:
    return (text or "").translate(_INVISIBLE)


def safe_line(text: str | None) -> str:
    """Outside text as one line: control characters removed, white space collapsed."""
    return clean(_visible(text))


def safe_paragraphs(text: str | None) -> list[str]:
    """Outside text as non-empty paragraphs (one per line), each a ``safe_line``."""
    return [p for p in (clean(line) for line in _visible(text).splitlines()) if p]


def shorten(text: str, limit: int) -> str:
    """``text`` cut to about ``limit`` characters at a word boundary, ending with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space >= limit * 2 // 3:  # a word boundary not too far back
        cut = cut[:space]
    return cut.rstrip(" ,.;:–-") + "…"


def _split_runs(text: str, size: int) -> list[str]:
    """``text`` in pieces of at most ``size`` characters, split after a space where possible."""
    pieces = []
    while len(text) > size:
        space = text.rfind(" ", size // 2, size)
        end = space + 1 if space > 0 else size
        pieces.append(text[:end])
        text = text[end:]
    return [*pieces, text] if text else pieces


def _number(n: int) -> str:
    """10000 -> "10 000" (with a no-break space), as Swedish writes numbers."""
    return f"{n:,}".replace(",", "\u00a0")


# ------------------------------------------------------------------------- elements


def _style(**style: Any) -> dict[str, Any]:
    return {key: value for key, value in style.items() if value not in (None, False)}


def text_block(
    text: str,
    *,
    size: Size | None = None,
    weight: Weight | None = None,
    color: Color | str | None = None,
    subtle: bool = False,
    spacing: Spacing | None = None,
    separator: bool = False,
    horizontal: Literal["left", "center", "right"] | None = None,
) -> Element:
    """A TextBlock for OUR OWN fixed strings only (it renders markdown)."""
    return {
        "type": "TextBlock",
        "text": text,
        "wrap": True,
        **_style(size=size, weight=weight, color=color, isSubtle=subtle, spacing=spacing,
                 separator=separator, horizontalAlignment=horizontal),
    }


def run(
    text: str,
    *,
    size: Size | None = None,
    weight: Weight | None = None,
    color: Color | str | None = None,
    subtle: bool = False,
    italic: bool = False,
) -> Element:
    """A TextRun: any text, shown as is (no markdown), control characters removed."""
    return {
        "type": "TextRun",
        "text": _visible(text),
        **_style(size=size, weight=weight, color=color, isSubtle=subtle, italic=italic),
    }


def rich(*runs: Element, spacing: Spacing | None = None, separator: bool = False) -> Element:
    """A RichTextBlock of TextRuns (it wraps)."""
    return {"type": "RichTextBlock", "inlines": list(runs), **_style(spacing=spacing, separator=separator)}


def plain(text: str, *, spacing: Spacing | None = None, **style: Any) -> Element:
    """Outside text as a block of its own: a RichTextBlock holding one TextRun (``style`` as for ``run``)."""
    return rich(run(text, **style), spacing=spacing)


def container(
    items: Sequence[Element], *, separator: bool = False, spacing: Spacing | None = None
) -> Element:
    return {"type": "Container", "items": list(items), **_style(separator=separator, spacing=spacing)}


def submit(title: str, action: Action) -> Element:
    """An Action.Submit that sends ``action`` (dialogs.actions) to the bot."""
    return {"type": "Action.Submit", "title": title, "data": action.to_data()}


def action_set(actions: Sequence[Element], *, spacing: Spacing | None = None) -> Element:
    return {"type": "ActionSet", "actions": list(actions), **_style(spacing=spacing)}


def ask_action(text: str) -> Element:
    """A button that behaves like the user typing ``text`` (Teams imBack)."""
    text = safe_line(text)
    return submit(text, Ask(text))


def update_action(item: AssignmentStatus, origin: Origin | None = None) -> Element:
    """"Uppdatera status": starts the update dialog for this assignment and period.

    ``origin`` says how to draw the card again (a list query and page) so that the card
    can be refreshed in place once the update is saved.
    """
    return submit("Uppdatera status", UpdateStatus(item.assignment_id, item.period, origin))


def with_note(card: Card, note: str) -> Card:
    """The card with a line on top, e.g. "Uppdaterad av Anna Andersson 14:02"."""
    return {**card, "body": [plain(shorten(safe_line(note), HEADING_CHARS), subtle=True), *card["body"]]}


def adaptive_card(body: Sequence[Element], actions: Sequence[Element] = ()) -> Card:
    card: Card = {"type": "AdaptiveCard", "$schema": SCHEMA_URL, "version": CARD_VERSION, "body": list(body)}
    if actions:
        card["actions"] = list(actions)
    return card


def card_size(card: Card) -> int:
    """The size in bytes of the card as sent (UTF-8 JSON, non-ASCII unescaped)."""
    return len(json.dumps(card, ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------------- domain text


def status_text(category: StatusCategory) -> str:
    """"🔵 Bedöms bli genomfört"."""
    return f"{category.icon} {category.label}"


def period_text(period: Period) -> str:
    """"T1 2022 (tertial 1 2022)"."""
    return f"{period.label} ({period.name})"


def counts_text(counts: Mapping[StatusCategory, int]) -> str:
    """"✅ Genomfört 1 · 🔵 Bedöms bli genomfört 2": the non-zero categories in ORDER."""
    return " · ".join(f"{status_text(c)} {counts[c]}" for c in ORDER if counts.get(c))


def _ordered_committees(item: AssignmentStatus) -> list[Committee]:
    lead = item.lead_committee
    if lead is None:
        return list(item.committees)
    return [lead, *(c for c in item.committees if c != lead)]


def committees_text(item: AssignmentStatus, *, full_names: bool = False) -> str:
    """"KFN (ansvarig), KS, TN"; with ``full_names`` "Kultur- och fritidsnämnden (KFN, ansvarig), …"."""
    parts = []
    for committee in _ordered_committees(item):
        is_lead = committee == item.lead_committee
        if full_names:
            marker = ", ansvarig" if is_lead else ""
            parts.append(f"{committee.name} ({committee.abbreviation}{marker})")
        else:
            parts.append(f"{committee.abbreviation} (ansvarig)" if is_lead else committee.abbreviation)
    return ", ".join(parts)


def _sentence_adds(item: AssignmentStatus) -> str:
    """The status sentence when it says more than the category label, else ""."""
    sentence = safe_line(item.sentence)
    return sentence if fold(sentence).rstrip(" .") not in ("", fold(item.category.label)) else ""


def _status_line(item: AssignmentStatus, committees: str) -> Element:
    runs = [run(committees, subtle=True), run(" · ")] if committees else []
    return rich(*runs, run(status_text(item.category), weight="bolder", color=item.category.color))


# --------------------------------------------------------------------------- cards


def status_list_card(
    items: Sequence[AssignmentStatus],
    *,
    title: str,
    period: Period,
    total: int,
    counts: Mapping[StatusCategory, int],
    page: int,
    more: ShowStatus | None,
    filter_text: str | None = None,
    origin: Origin | None = None,
    closing: CommitteeReport | None = None,
) -> Card:
    """One page (``items``, at most PAGE_SIZE) of a status list; ``total``/``counts`` cover all matches.
    ``closing``: the committee's report for the period, when the list is one committee's (its
    state, and the button for its next step)."""
    if len(items) > PAGE_SIZE:
        raise ValueError(f"status_list_card takes one page of at most {PAGE_SIZE} items, got {len(items)}")
    if page < 1:
        raise ValueError(f"page is 1-based, got {page}")
    body: list[Element] = [
        plain(shorten(safe_line(title), HEADING_CHARS), size="large", weight="bolder"),
        text_block(f"Uppdrag {period_text(period)}", subtle=True, spacing="none"),
    ]
    if filter_line := shorten(safe_line(filter_text), HEADING_CHARS):
        body.append(rich(run("Filter: ", weight="bolder"), run(filter_line), spacing="small"))
    if counts_line := counts_text(counts):
        body.append(text_block(counts_line, spacing="small"))
    if closing is not None:
        body.append(rich(*closing_runs(closing), spacing="small"))
    body += [_list_item(item, origin) for item in items]

    first = (page - 1) * PAGE_SIZE + 1
    if not items:
        body.append(text_block(
            "Inga uppdrag matchar." if total == 0 else f"Inga fler uppdrag att visa ({total} totalt).",
            separator=True,
        ))
    elif total > len(items):
        shown = f"Visar {first}–{first + len(items) - 1} av {total}"
        body.append(text_block(shown, subtle=True, separator=True))
    actions = [submit("Visa fler", more)] if more is not None else []
    if closing is not None and closing.state is ReportState.OPEN:
        actions.append(submit("Markera som klar", MoveReport(Move.READY, closing.committee, closing.period)))
    elif closing is not None and closing.state is ReportState.READY:
        actions.append(submit("Granska och godkänn", ReviewReport(closing.committee, closing.period)))
    return adaptive_card(body, actions)


# --- closing a period: ready, approved ------------------------------------------------------


def closing_runs(report: CommitteeReport) -> list[Element]:
    """"Rapporten för T1 2022: Godkänd av Bo Berg 2022-05-20"."""
    when = local(report.at).strftime("%Y-%m-%d") if report.at else ""
    moved = " ".join(part for part in (shorten(safe_line(report.by), AUTHOR_CHARS) or "okänd", when) if part)
    runs = [run(f"Rapporten för {report.period.label}: ", weight="bolder"),
            run(report.state.label, weight="bolder", color=_STATE_COLORS[report.state])]
    if report.state is ReportState.APPROVED:
        runs.append(run(f" av {moved}"))
    elif report.state is ReportState.READY:
        runs.append(run(f" (markerad av {moved})"))
    elif report.comment:  # sent back or reopened: why
        runs.append(run(f" – skickades tillbaka av {moved}: {shorten(safe_line(report.comment), PREVIEW_CHARS)}"))
    return runs


_STATE_COLORS = {ReportState.OPEN: "default", ReportState.READY: "accent", ReportState.APPROVED: "good"}


def ready_confirm_card(committee: Committee, period: Period, missing: Sequence[AssignmentStatus]) -> Card:
    """Before a committee's report is marked ready: the assignments still without a report."""
    body: list[Element] = [
        plain(f"{committee.display}: {len(missing)} uppdrag saknar rapport för {period.label}", weight="bolder"),
    ]
    body += [plain(f"• {shorten(safe_line(item.title), PREVIEW_CHARS)}", spacing="none") for item in missing[:10]]
    if len(missing) > 10:
        body.append(text_block(f"… och {len(missing) - 10} till.", subtle=True, spacing="none"))
    body.append(text_block("Vill du markera rapporten som klar ändå, eller fortsätta rapportera?", spacing="medium"))
    unreported = StatusQuery(committees=(committee.abbreviation,), categories=frozenset({StatusCategory.NOT_REPORTED}),
                             period=period)
    return adaptive_card(body, [
        submit("Markera som klar ändå", MoveReport(Move.READY, committee.abbreviation, period, confirmed=True)),
        submit("Fortsätt rapportera", ShowStatus(unreported)),
    ])


def review_card(committee: Committee, report: CommitteeReport, items: Sequence[AssignmentStatus],
                counts: Mapping[StatusCategory, int]) -> Card:
    """A committee's report for an approver: its state, counts and assignments, and Godkänn /
    Skicka tillbaka (with a comment for the reporters)."""
    body: list[Element] = [
        plain(f"{committee.display}: rapporten för {report.period.label}", size="large", weight="bolder"),
        rich(*closing_runs(report), spacing="small"),
    ]
    if counts_line := counts_text(counts):
        body.append(text_block(counts_line, spacing="small"))
    for item in items[:PAGE_SIZE * 3]:
        body.append(container([
            plain(shorten(safe_line(item.title), PREVIEW_CHARS), weight="bolder"),
            rich(run(status_text(item.category), color=item.category.color),
                 run(f" – {shorten(safe_line(item.comment), PREVIEW_CHARS)}" if item.comment else ""),
                 spacing="none"),
        ], separator=True))
    if len(items) > PAGE_SIZE * 3:
        body.append(text_block(f"… och {len(items) - PAGE_SIZE * 3} uppdrag till.", subtle=True))
    actions: list[Element] = []
    if report.state is ReportState.READY:
        body.append({"type": "Input.Text", "id": "comment", "isMultiline": True, "maxLength": 1000,
                     "label": "Kommentar till rapportörerna (om du skickar tillbaka)",
                     "placeholder": "Vad behöver kompletteras?"})
        actions = [submit("Godkänn", MoveReport(Move.APPROVE, committee.abbreviation, report.period)),
                   submit("Skicka tillbaka", MoveReport(Move.SEND_BACK, committee.abbreviation, report.period))]
    return adaptive_card(body, actions)


def _list_item(item: AssignmentStatus, origin: Origin | None) -> Element:
    comment = safe_line(item.comment)
    preview = shorten(comment, PREVIEW_CHARS)
    parts = [
        plain(shorten(safe_line(item.title), PREVIEW_CHARS), weight="bolder"),
        _status_line(item, committees_text(item)),
    ]
    if sentence := _sentence_adds(item):
        parts.append(plain(shorten(sentence, PREVIEW_CHARS), italic=True, spacing="none"))
    if preview:
        parts.append(plain(preview, spacing="small"))
    button = "Visa hela" if preview != comment else "Visa detaljer"
    parts.append(action_set([submit(button, ShowAssignment(item.assignment_id, item.period)), update_action(item, origin)],
                            spacing="small"))
    return container(parts, separator=True, spacing="medium")


def assignment_card(item: AssignmentStatus, *, history: Sequence[AssignmentStatus] = (),
                    closing: str | None = None) -> Card:
    """One assignment in full: committees, period, status, the whole comment, reporter, history.
    ``closing``: how far its committees' reports have come (our own sentence, with names)."""
    body: list[Element] = [
        plain(shorten(safe_line(item.title), DETAIL_TITLE_CHARS), size="medium", weight="bolder"),
        rich(run("Nämnder: ", weight="bolder"), run(committees_text(item, full_names=True) or "–"),
             spacing="small"),
        rich(run("Period: ", weight="bolder"), run(period_text(item.period)), spacing="none"),
        rich(run("Status: ", weight="bolder"),
             run(status_text(item.category), weight="bolder", color=item.category.color), spacing="none"),
    ]
    if sentence := safe_line(item.sentence):
        body.append(plain(shorten(sentence, SENTENCE_CHARS), italic=True, spacing="none"))
    if closing:
        body.append(plain(shorten(safe_line(closing), PREVIEW_CHARS * 2), subtle=True, spacing="small"))

    body.append(text_block("Kommentar", weight="bolder", separator=True))
    body += _comment_blocks(item.comment)

    reported = _reported_text(item)
    if reported:
        body.append(rich(*reported, spacing="medium"))

    older = sorted((h for h in history if h.period != item.period), key=lambda h: h.period, reverse=True)
    if older:
        body.append(text_block("Tidigare perioder", weight="bolder", separator=True))
        body += [
            text_block(f"{h.period.label}: {status_text(h.category)}", color=h.category.color, spacing="none")
            for h in older[:HISTORY_MAX]
        ]
        if len(older) > HISTORY_MAX:
            more = len(older) - HISTORY_MAX
            body.append(text_block(f"… och {more} äldre perioder.", subtle=True, spacing="none"))
    return adaptive_card(body, [update_action(item)])


def history_card(reports: Sequence[AssignmentStatus]) -> Card:
    """Every report for one assignment, newest first, each with its comment."""
    first = reports[0]
    body: list[Element] = [
        text_block("Historik", size="large", weight="bolder"),
        plain(shorten(safe_line(first.title), DETAIL_TITLE_CHARS), weight="bolder"),
        rich(run("Nämnder: ", weight="bolder"), run(committees_text(first, full_names=True) or "–"),
             spacing="small"),
    ]
    budget = COMMENT_MAX_CHARS
    for report in reports[:HISTORY_MAX]:
        body.append(rich(
            run(f"{report.period.label}: ", weight="bolder"),
            run(status_text(report.category), weight="bolder", color=report.category.color),
            separator=True,
        ))
        reported = _reported_text(report)
        if reported:
            body.append(rich(*reported, spacing="none"))
        comment = shorten(" ".join(safe_paragraphs(report.comment)), max(PREVIEW_CHARS, budget // HISTORY_MAX))
        body.append(plain(comment) if comment else text_block("Ingen kommentar.", subtle=True))
    if len(reports) > HISTORY_MAX:
        body.append(text_block(f"… och {len(reports) - HISTORY_MAX} äldre rapporter.", subtle=True))
    return adaptive_card(body)


def _comment_blocks(comment: str | None) -> list[Element]:
    """The whole comment: a RichTextBlock per paragraph, long paragraphs in several TextRuns.

    Beyond COMMENT_MAX_CHARS the comment is cut (with "…" and a note) to keep the card small.
    """
    paragraphs = safe_paragraphs(comment)
    if not paragraphs:
        return [text_block("Ingen kommentar.", subtle=True)]
    length = sum(map(len, paragraphs))
    kept: list[str] = []
    budget = COMMENT_MAX_CHARS
    for paragraph in paragraphs:
        if len(paragraph) > budget:
            kept.append(shorten(paragraph, budget))
            break
        kept.append(paragraph)
        budget -= len(paragraph)
    if len(kept) > COMMENT_MAX_PARAGRAPHS:
        last = COMMENT_MAX_PARAGRAPHS - 1
        kept = [*kept[:last], " ".join(kept[last:])]
    blocks = [rich(*(run(piece) for piece in _split_runs(p, COMMENT_RUN_CHARS))) for p in kept]
    if length > COMMENT_MAX_CHARS:
        blocks.append(text_block(
            f"Kommentaren är för lång för att visas i sin helhet här ({_number(length)} tecken); "
            f"de första {_number(COMMENT_MAX_CHARS)} visas.",
            subtle=True,
        ))
    return blocks


def _reported_text(item: AssignmentStatus) -> list[Element]:
    """Runs for "Rapporterad av Anna Andersson 2022-05-12 14:02"; [] when neither is known."""
    author = shorten(safe_line(item.author), AUTHOR_CHARS)
    when = local(item.reported_at).strftime("%Y-%m-%d %H:%M") if item.reported_at else ""
    if not author and not when:
        return []
    runs = [run("Rapporterad av " if author else "Rapporterad", subtle=True)]
    if author:
        runs.append(run(author, subtle=True))
    if when:
        runs.append(run(f" {when}", subtle=True))
    return runs


def _examples(examples: Sequence[str]) -> list[Element]:
    """"Prova till exempel:" and a button per example (at most MAX_EXAMPLES)."""
    actions = [ask_action(e) for e in examples if safe_line(e)][:MAX_EXAMPLES]
    if not actions:
        return []
    return [text_block("Prova till exempel:", weight="bolder", spacing="medium"), action_set(actions)]


def help_card(examples: Sequence[str]) -> Card:
    """What the bot can do, with clickable examples."""
    return adaptive_card([
        text_block("Det här kan jag hjälpa till med", size="large", weight="bolder"),
        text_block(
            "Jag visar hur det går med kommunfullmäktiges uppdrag till nämnderna, "
            "period för period (T1, delår och helår).",
        ),
        text_block(
            "- **Status för en nämnds uppdrag**, till exempel ”status för TN-uppdrag” "
            "eller ”visa SAN:s uppdrag”\n"
            "- **Filtrera på status**, till exempel ”visa ej genomförda uppdrag”\n"
            "- **Välja period**, till exempel ”ks uppdrag t1 2022”, ”delår 2022” eller ”bokslutet”\n"
            "- **Söka efter ett uppdrag** med några ord ur titeln, till exempel "
            "”hur går det med stadsrumsanalysen?”\n"
            "- **Historik** för ett uppdrag, till exempel ”historik för linjenätet”\n"
            "- **Översikt** per nämnd och status, till exempel ”översikt T1 2022” eller "
            "”hur går det för TN totalt?”\n"
            "- **Rapporten till fullmäktige** som Word, Markdown eller text, till exempel ”rapport T1 2022” "
            "eller ”exportera KS-uppdragen till word”\n"
            "- **Avsluta perioden**: ”TN är klar för T1 2022” (rapportörer), ”godkänn TN T1 2022” "
            "(godkännare)\n"
            "- **Uppdatera status och kommentar**: skriv ”uppdatera uppdrag” eller tryck "
            "Uppdatera status på ett uppdrag",
        ),
        *_examples(examples),
    ])


def welcome_card(examples: Sequence[str]) -> Card:
    """The greeting when the bot is installed."""
    return adaptive_card([
        text_block("Hej! Jag är Uppdragsboten", size="large", weight="bolder"),
        text_block(
            "Jag håller koll på hur det går med kommunfullmäktiges uppdrag till nämnderna. "
            "Fråga mig om status för en nämnd, en period eller ett enskilt uppdrag. "
            "Skriv ”hjälp” för att se allt jag kan.",
        ),
        *_examples(examples),
    ])


def suggestions_card(message: str, examples: Sequence[str]) -> Card:
    """For "didn't understand" and "no results": ``message`` (may quote the user) and suggestions."""
    return adaptive_card([plain(shorten(safe_line(message), PREVIEW_CHARS * 2)), *_examples(examples)])


# --- the report to the council, and the overview --------------------------------------------

FORMAT_NAMES = {"docx": "Word", "md": "Markdown", "text": "Text"}
# Container styles for the overview's bars: the category's colour, beside its icon and count.
_BAR_STYLES = {
    StatusCategory.DONE: "good",
    StatusCategory.ON_TRACK: "accent",
    StatusCategory.AT_RISK: "warning",
    StatusCategory.NOT_DONE: "attention",
    StatusCategory.NOT_REPORTED: "emphasis",
}


@dataclass(frozen=True)
class DownloadLink:
    url: str
    format: str
    minutes: int  # how long it may be used (once)


def report_card(
    *,
    title: str,
    period: Period,
    counts: Mapping[StatusCategory, int],
    committee: str | None,
    link: DownloadLink | None = None,
    note: str | None = None,
) -> Card:
    """The report to the council for a period, summarised, with a file to download: a link
    (``link``, for the one who asked) or a button per format that makes one."""
    total = sum(counts.values())
    body: list[Element] = [
        plain(shorten(safe_line(title), HEADING_CHARS), size="large", weight="bolder"),
        text_block(f"{_number(total)} uppdrag {period_text(period)}", subtle=True, spacing="none"),
        {"type": "FactSet", "facts": [{"title": status_text(c), "value": _number(counts.get(c, 0))} for c in ORDER],
         "spacing": "medium"},
    ]
    if note:
        body.append(plain(shorten(safe_line(note), PREVIEW_CHARS * 2), spacing="medium"))
    actions: list[Element] = []
    if link is not None:
        body.append(text_block(
            f"Länken till filen ({FORMAT_NAMES[link.format]}) gäller i {link.minutes} minuter och kan användas "
            "en gång. Filen görs av uppgifterna som de är när du laddar ner den.", subtle=True, spacing="medium"))
        actions.append({"type": "Action.OpenUrl", "title": f"Ladda ner ({FORMAT_NAMES[link.format]})",
                        "url": link.url})
    elif note is None:
        body.append(text_block("Välj format för att få en länk till filen:", spacing="medium"))
        actions += [submit(name, ExportFile(period, committee, fmt)) for fmt, name in FORMAT_NAMES.items()]
    return adaptive_card(body, actions)


def overview_card(period: Period, rows: Sequence[tuple[Committee, Mapping[StatusCategory, int]]],
                  totals: Mapping[StatusCategory, int]) -> Card:
    """Counts per committee and status for a period: a bar per committee (each status its
    colour, icon and count) and a table with the same numbers; a committee's row opens its
    status card. ``totals``: the assignments counted once each (a joint one is in the row of
    each of its committees)."""
    used = [c for c in ORDER if totals.get(c) or any(counts.get(c) for _, counts in rows)]
    used = used or [StatusCategory.NOT_REPORTED]
    body: list[Element] = [
        text_block(f"Översikt {period.label}", size="large", weight="bolder"),
        text_block(f"Uppdragen per nämnd och status, {period_text(period)}. Tryck på en nämnd för dess uppdrag.",
                   subtle=True, spacing="none"),
        text_block(" · ".join(status_text(c) for c in used), size="small", spacing="small"),
    ]
    for committee, counts in rows:
        show = ShowStatus(StatusQuery(committees=(committee.abbreviation,), period=period))
        segments = [{
            "type": "Column", "width": counts[c], "style": _BAR_STYLES[c], "spacing": "none",
            "items": [text_block(f"{c.icon} {counts[c]}", size="small", spacing="none")],
        } for c in ORDER if counts.get(c)]
        body.append({
            "type": "ColumnSet", "spacing": "small",
            "selectAction": submit(f"Visa {committee.abbreviation}", show),
            "columns": [
                {"type": "Column", "width": "60px",
                 "items": [plain(committee.abbreviation, weight="bolder")], "verticalContentAlignment": "center"},
                {"type": "Column", "width": "stretch", "items": [{"type": "ColumnSet", "columns": segments}]},
                {"type": "Column", "width": "40px", "verticalContentAlignment": "center",
                 "items": [text_block(_number(sum(counts.values())), horizontal="right")]},
            ],
        })
    header = ["Nämnd", *(c.icon for c in used), "Totalt"]
    table_rows = [{"type": "TableRow", "style": "emphasis",
                   "cells": [{"type": "TableCell", "items": [text_block(h, weight="bolder", size="small")]}
                             for h in header]}]
    for committee, counts in rows:
        show = ShowStatus(StatusQuery(committees=(committee.abbreviation,), period=period))
        numbers = [_number(counts.get(c, 0)) for c in used] + [_number(sum(counts.values()))]
        table_rows.append({"type": "TableRow", "cells": [
            {"type": "TableCell", "selectAction": submit(f"Visa {committee.abbreviation}", show),
             "items": [plain(committee.abbreviation, size="small", color="accent")]},
            *({"type": "TableCell", "items": [text_block(n, size="small")]} for n in numbers),
        ]})
    table_rows.append({"type": "TableRow", "cells": [
        {"type": "TableCell", "items": [text_block("Alla uppdrag", weight="bolder", size="small")]},
        *({"type": "TableCell", "items": [text_block(_number(n), weight="bolder", size="small")]}
          for n in [*(totals.get(c, 0) for c in used), sum(totals.values())]),
    ]})
    body.append({
        "type": "Table", "spacing": "large", "firstRowAsHeader": True, "showGridLines": True, "gridStyle": "default",
        "columns": [{"width": 3}, *({"width": 2} for _ in used), {"width": 2}],
        "rows": table_rows,
    })
    body.append(text_block("Tabellens rubriker: " + " · ".join(status_text(c) for c in used) + ". Ett "
                           "gemensamt uppdrag räknas hos var och en av sina nämnder, men en gång bland alla uppdrag.",
                           size="small", subtle=True))
    return adaptive_card(body)


# --- notifications about a committee's report (dialogs/notifications.py queues them) ---------

NAME_CHARS = 100  # a committee's or a person's name on a notification card
RETURN_COMMENT_CHARS = 4_000  # a send-back's comment on the card
DIGEST_ITEMS_MAX = 20  # reports listed in one digest


def _abbreviation(abbreviation: str) -> str:
    return shorten(safe_line(abbreviation), 40)


def _moved_at(report: CommitteeReport) -> str:
    return local(report.at).strftime("%Y-%m-%d %H:%M") if report.at else ""


def _by_line(prefix: str, report: CommitteeReport) -> Element | None:
    """"Markerad som klar av Anna Andersson 2022-05-20 14:02" (the name and the time if known)."""
    who = shorten(safe_line(report.by), NAME_CHARS)
    when = _moved_at(report)
    if not who and not when:
        return None
    runs = [run(prefix, subtle=True)]
    if who:
        runs.append(run(f" av {who}", subtle=True))
    if when:
        runs.append(run(f" {when}", subtle=True))
    return rich(*runs, spacing="none")


def ready_card(report: CommitteeReport, *, committee_name: str,
               counts: Mapping[StatusCategory, int]) -> Card:
    """To an approver: the committee's report is ready for approval, with its counts."""
    committee = _abbreviation(report.committee)
    total = sum(counts.values())
    body: list[Element] = [
        plain(f"{committee}:s rapport för {report.period.label} är klar för godkännande", size="large",
              weight="bolder"),
    ]
    if (by := _by_line("Markerad som klar", report)) is not None:
        body.append(by)
    body += [
        rich(run("Nämnd: ", weight="bolder"), run(shorten(safe_line(committee_name), NAME_CHARS)), spacing="medium"),
        text_block(f"{total} uppdrag {period_text(report.period)}", subtle=True, spacing="none"),
    ]
    if line := counts_text(counts):
        body.append(text_block(line, spacing="small"))
    if counts.get(StatusCategory.NOT_REPORTED):
        body.append(text_block(f"Observera: {counts[StatusCategory.NOT_REPORTED]} uppdrag saknar rapport.",
                               color="warning", spacing="small"))
    return adaptive_card(body, [submit("Granska och godkänn", ReviewReport(report.committee, report.period))])


def returned_card(report: CommitteeReport) -> Card:
    """To a reporter: the committee's report was sent back, with the approver's comment."""
    committee = _abbreviation(report.committee)
    who = shorten(safe_line(report.by), NAME_CHARS)
    heading = f"{committee}:s rapport för {report.period.label} skickades tillbaka"
    body: list[Element] = [
        plain(f"{heading} av {who}" if who else heading, size="large", weight="bolder"),
    ]
    if when := _moved_at(report):
        body.append(text_block(when, subtle=True, spacing="none"))
    body.append(text_block("Rapporten är öppen för rapportering igen. Rätta det som behövs och markera den "
                           "som klar på nytt.", spacing="small"))
    body.append(text_block("Kommentar", weight="bolder", separator=True))
    paragraphs = safe_paragraphs(shorten(report.comment or "", RETURN_COMMENT_CHARS))
    body += [plain(p, spacing="small") for p in paragraphs] or [text_block("Ingen kommentar.", subtle=True)]
    show = ShowStatus(StatusQuery(committees=(report.committee,), period=report.period))
    return adaptive_card(body, [submit(f"Visa {committee}:s uppdrag", show)])


def digest_card(day: date, reports: Sequence[CommitteeReport],
                counts: Mapping[tuple[str, Period], Mapping[StatusCategory, int]]) -> Card:
    """To an approver, each morning: the reports waiting for their approval, oldest first,
    each in a container of its own with its own button (Teams shows at most six per set)."""
    heading = ("1 rapport väntar på ditt godkännande" if len(reports) == 1
               else f"{len(reports)} rapporter väntar på ditt godkännande")
    body: list[Element] = [
        text_block(heading, size="large", weight="bolder"),
        text_block(f"Sammanställning {day.isoformat()}", subtle=True, spacing="none"),
    ]
    for report in reports[:DIGEST_ITEMS_MAX]:
        committee = _abbreviation(report.committee)
        items: list[Element] = [plain(f"{committee}:s rapport för {report.period.label}", weight="bolder")]
        if (by := _by_line("Klar", report)) is not None:
            items.append(by)
        if line := counts_text(counts.get((report.committee, report.period), {})):
            items.append(text_block(line, size="small", spacing="small"))
        items.append(action_set([submit("Granska och godkänn", ReviewReport(report.committee, report.period))],
                                spacing="small"))
        body.append(container(items, separator=True, spacing="medium"))
    if len(reports) > DIGEST_ITEMS_MAX:
        body.append(text_block(f"… och {len(reports) - DIGEST_ITEMS_MAX} rapporter till.", subtle=True,
                               separator=True))
    return adaptive_card(body)


# --- the status update dialog ------------------------------------------------------------

CHOICES_MAX = 8  # assignments offered on one choice card


def choose_assignment_card(message: str, candidates: Sequence[AssignmentStatus], *, token: str | None = None) -> Card:
    """"Vilket uppdrag?" with a button per candidate."""
    body: list[Element] = [plain(shorten(safe_line(message), 600), weight="bolder")]
    for candidate in candidates[:CHOICES_MAX]:
        body.append(container([
            plain(shorten(safe_line(candidate.title), PREVIEW_CHARS)),
            action_set([submit("Välj", DialogAnswer(token, assignment_id=candidate.assignment_id))], spacing="small"),
        ], separator=True))
    body.append(text_block("Du kan också skriva några ord ur uppdragets titel, eller ”avbryt”.", subtle=True))
    return adaptive_card(body)


def choose_status_card(
    title: str, period: Period, categories: Sequence[StatusCategory], *, token: str | None = None
) -> Card:
    return adaptive_card(
        [
            text_block("Vilken status har uppdraget?", weight="bolder"),
            plain(shorten(safe_line(title), DETAIL_TITLE_CHARS)),
            text_block(f"Period: {period_text(period)}", subtle=True, spacing="none"),
        ],
        [submit(status_text(c), DialogAnswer(token, category=c)) for c in categories],
    )


def comment_card(
    title: str, period: Period, previous: str | None, previous_label: str | None, *, token: str | None = None
) -> Card:
    body: list[Element] = [
        text_block("Skriv en kommentar om hur arbetet går", weight="bolder"),
        plain(shorten(safe_line(title), DETAIL_TITLE_CHARS)),
        text_block(f"Period: {period_text(period)} · högst {_number(rules.COMMENT_LIMIT)} tecken", subtle=True,
                   spacing="none"),
    ]
    actions = [submit("Nästa", DialogAnswer(token))]
    if previous:
        body.append(text_block(f"Tidigare kommentar ({previous_label}):", weight="bolder", spacing="medium"))
        body.append(plain(shorten(" ".join(safe_paragraphs(previous)), 1_500), italic=True))
        actions.append(submit("Behåll tidigare kommentar", DialogAnswer(token, keep=True)))
    body.append({
        "type": "Input.Text", "id": "comment", "isMultiline": True, "maxLength": rules.COMMENT_LIMIT,
        "placeholder": "Kommentar", "label": "Kommentar",
    })
    return adaptive_card(body, actions)


def confirm_card(preview: AssignmentStatus, *, token: str | None = None) -> Card:
    """The update as it will be saved, with Spara / Avbryt."""
    card = assignment_card(preview)
    card["body"] = [text_block("Stämmer det här? Så här sparas uppdateringen:", weight="bolder"), *card["body"]]
    card["actions"] = [submit("Spara", DialogAnswer(token, confirm=True)), submit("Avbryt", DialogAnswer(token, confirm=False))]
    return card


# --- notifications ----------------------------------------------------------------------------

NOTIFICATION_ITEMS_MAX = 20


def notification_card(
    kind: NotificationKind, period: Period, deadline: date, committees: str, items: Sequence[AssignmentStatus]
) -> Card:
    """Reporting has opened ("opening"), or a reminder of what is still unreported ("reminder")."""
    if kind == NotificationKind.REMINDER:
        heading = f"Påminnelse: {len(items)} uppdrag saknar rapport för {period.label}"
    else:
        heading = f"Nu är rapporteringen för {period.label} ({period.name}) öppen"
    body: list[Element] = [
        text_block(heading, size="large", weight="bolder"),
        text_block(f"Sista dag att rapportera: {deadline.isoformat()}", weight="bolder", spacing="small"),
        rich(run("Nämnder: ", weight="bolder"), run(committees), spacing="none"),
    ]
    for item in items[:NOTIFICATION_ITEMS_MAX]:
        body.append(container([
            plain(shorten(safe_line(item.title), PREVIEW_CHARS), weight="bolder"),
            _status_line(item, committees_text(item)),
            action_set([update_action(item)], spacing="small"),
        ], separator=True, spacing="medium"))
    if len(items) > NOTIFICATION_ITEMS_MAX:
        body.append(text_block(
            f"… och {len(items) - NOTIFICATION_ITEMS_MAX} uppdrag till. Skriv ”status för "
            f"{committees.split(',')[0].strip()}-uppdrag” för att se alla.", subtle=True, separator=True))
    return adaptive_card(body)
