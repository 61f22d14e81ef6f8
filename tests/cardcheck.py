"""Checks every Adaptive Card against the official 1.5 schema plus what the schema misses.

Shared by the card unit tests and the end-to-end tests (which check every card the bot
sends). The schema comes from ../shared/schemas (ADAPTIVE_CARD_SCHEMA overrides).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from jsonschema import Draft6Validator
from referencing import Registry
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT6

from dialogs.cards import MAX_CARD_BYTES, card_size
from tests.seen import walk

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = Path(
    os.environ.get(
        "ADAPTIVE_CARD_SCHEMA",
        str(ROOT.parent / "shared" / "schemas" / "adaptive-card-1.5" / "adaptive-card.json"),
    )
)


@cache
def validator() -> Draft6Validator:
    """Draft-06 validator for the official schema; never fetches anything over the network."""
    schema = json.loads(SCHEMA.read_text("utf-8"))
    Draft6Validator.check_schema(schema)

    def offline(uri: str):
        raise NoSuchResource(uri)

    registry = Registry(retrieve=offline).with_resource(schema["id"], DRAFT6.create_resource(schema))
    return Draft6Validator(schema, registry=registry)


def schema_errors(card: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(card)]


# The schema's enum patterns are unanchored ("^(default)|(dark)|...|(attention)$"), so it
# accepts e.g. "notgoodatall"; it requires neither "version" nor action titles. Check those here.
ENUMS = {
    "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
    "size": {"default", "small", "medium", "large", "extralarge"},
    "weight": {"default", "lighter", "bolder"},
    "spacing": {"default", "none", "small", "medium", "large", "extralarge", "padding"},
}


def structural_errors(card: dict) -> list[str]:
    errors = []
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.5":
        errors.append("top level must be an AdaptiveCard with version 1.5")
    if card.get("$schema") != "http://adaptivecards.io/schemas/adaptive-card.json":
        errors.append("missing $schema")
    if not card.get("body"):
        errors.append("empty body")
    for d in walk(card):
        kind = d.get("type", "")
        for key, allowed in ENUMS.items():
            if key in d and str(d[key]).lower() not in allowed:
                errors.append(f"{kind}.{key} = {d[key]!r}")
        if kind == "TextBlock" and (not d.get("text", "").strip() or d.get("wrap") is not True):
            errors.append(f"TextBlock without text or wrap: {d}")
        if kind == "TextRun" and not d.get("text"):
            errors.append(f"empty TextRun: {d}")
        if kind.startswith("Action.") and not str(d.get("title", "")).strip():
            errors.append(f"{kind} without a title")
        if kind == "Action.Submit" and not (isinstance(d.get("data"), dict) and d["data"].get("action")):
            errors.append(f"Action.Submit without data.action: {d}")
        for key in ("items", "inlines", "actions"):
            if key in d and not d[key]:
                errors.append(f"{kind} with empty {key}")
    return errors


def assert_valid(card: dict) -> None:
    assert schema_errors(card) == []
    assert structural_errors(card) == []
    assert card_size(card) < MAX_CARD_BYTES
