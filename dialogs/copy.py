"""The bot's fixed Swedish sentences that more than one part of the conversation uses.

Sentences used in one place only stay beside the code that sends them.
"""

from __future__ import annotations

import re

# Teams renders a text message as markdown (and a little HTML): what a user or a report wrote
# is escaped before it goes into one, so that a display name such as "[Kalle](https://…)"
# shows as written, not as a link. Cards need no escaping: outside text goes into TextRuns.
_MARKUP = re.compile(r"([\\`*_\[\]<>~&|])")  # links, emphasis, code, HTML, entities, tables
_LINE_START = re.compile(r"^(#+|[-+]|\d+\.)(?=\s)")  # a heading or a list item


def literal(text: str | None) -> str:
    """``text`` for a markdown text message, every markdown character escaped."""
    line = _MARKUP.sub(r"\\\1", " ".join((text or "").split()))
    return _LINE_START.sub(lambda m: m.group(1)[:-1] + "\\." if m.group(1).endswith(".") else "\\" + m.group(1),
                           line)


EXAMPLES: tuple[str, ...] = (
    "status för TN-uppdrag",
    "visa ej genomförda uppdrag",
    "KS uppdrag T1 2022",
    "hur går det med linjenätet?",
    "översikt",
    "hjälp",
)
NOT_UNDERSTOOD = (
    "Jag förstod inte riktigt. Jag kan visa status för nämndernas uppdrag – "
    "prova något av förslagen nedan, eller skriv ”hjälp”."
)
GREETING = "Hej! Jag är Uppdragsboten. Fråga mig om status för nämndernas uppdrag."
THANKS = "Varsågod! Fråga gärna igen när du vill veta hur det går med ett uppdrag."
UNREADABLE_BUTTON = (
    "Den knappen kunde jag inte läsa – kortet kan vara från en äldre version av mig. "
    "Fråga gärna igen, till exempel ”status för KS-uppdrag”."
)
ASSIGNMENT_GONE = "Jag hittar inte det uppdraget längre. Fråga gärna igen, till exempel ”status för KS-uppdrag”."
ERROR = (
    "Något gick fel hos mig när jag skulle svara. Försök igen om en stund. "
    "Om felet består, kontakta den som förvaltar Uppdragsboten."
)

# --- the update dialog ---------------------------------------------------------------------
CANCELLED = "Uppdateringen avbröts. Inget sparades."
NOTHING_TO_CANCEL = "Det finns ingen pågående uppdatering att avbryta."
UPDATE_REPLACED = "Den uppdatering du höll på med avbröts, inget sparades där."
DIALOG_ENDED_BUTTON = (
    "Den knappen hör till en uppdatering som redan är avslutad. "
    "Skriv ”uppdatera uppdrag” eller tryck Uppdatera status för att börja en ny."
)
OTHER_DIALOG_BUTTON = (
    "Den knappen hör till en annan uppdatering än den du håller på med nu. "
    "Svara på frågan nedan, eller skriv ”avbryt”."
)
HOW_TO_BECOME_REPORTER = (
    "Vill du bli rapportör? Be nämndens sekreterare eller Uppdragsbotens administratör lägga "
    "till dig (uppdragsbot reporters add <din e-post> <nämnd>)."
)
NOT_A_REPORTER = (
    "Du är inte rapportör för någon nämnd, så du kan inte uppdatera uppdrag. Inget sparades. "
    + HOW_TO_BECOME_REPORTER
)
