"""Text normalisation shared by the domain modules (pure)."""

from __future__ import annotations

import unicodedata


def clean(text: str) -> str:
    """Collapse all white space (including U+00A0) into single spaces and strip."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """A lowercase, whitespace-normalised form used for comparisons."""
    return clean(text).casefold()
