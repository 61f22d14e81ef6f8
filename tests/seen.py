"""What the user sees: the text and the buttons of the bot's messages, as a person reads them.

One reader for every kind of test: unit tests hand it a card (a dict), the dialog and e2e
tests the messages the bot sent (wire JSON dicts, or botbuilder Activity objects).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

ADAPTIVE = "application/vnd.microsoft.card.adaptive"


def walk(node: Any) -> Iterator[dict]:
    """Every dict in a card, depth first, in document order."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def of_type(card: dict, kind: str) -> list[dict]:
    return [d for d in walk(card) if d.get("type") == kind]


def actions_of(card: dict) -> list[dict]:
    """Every button in a card, in document order."""
    return [d for d in walk(card) if str(d.get("type", "")).startswith("Action.")]


def lines(card: dict, *, buttons: bool = False) -> list[str]:
    """What a user reads on a card, block by block: TextBlocks, RichTextBlocks' joined runs
    and, with ``buttons``, the buttons' titles."""
    out = []
    for d in walk(card):
        kind = d.get("type")
        if kind == "TextBlock":
            out.append(d["text"])
        elif kind == "RichTextBlock":
            out.append("".join(r["text"] for r in d["inlines"]))
        elif buttons and str(kind).startswith("Action."):
            out.append(d["title"])
    return out


def _wire(message: Any) -> dict:
    """A sent message as wire JSON (botbuilder Activity objects are serialised)."""
    return message if isinstance(message, dict) else message.serialize()


def cards_of(messages: Sequence[Any]) -> list[dict]:
    """The Adaptive Cards among the messages, in order."""
    return [a["content"] for m in map(_wire, messages) for a in m.get("attachments") or []
            if a.get("contentType") == ADAPTIVE]


def visible_text(messages: Sequence[Any]) -> str:
    """Everything the user reads in the messages, in order: texts, and every card's lines and
    buttons; one line per block."""
    parts: list[str] = []
    for message in map(_wire, messages):
        if message.get("text"):
            parts.append(message["text"])
        for card in cards_of([message]):
            parts += lines(card, buttons=True)
    return "\n".join(parts)


def button(messages: Sequence[Any], title: str) -> dict:
    """The first button on the messages' cards whose title starts with ``title``."""
    for card in cards_of(messages):
        for action in actions_of(card):
            if action.get("title", "").startswith(title):
                return action
    raise AssertionError(f"no button {title!r} in {visible_text(messages)!r}")
