"""Text normalisation shared by the domain modules (pure)."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def clean(text: str) -> str:
    """Collapse all white space (including U+00A0) into single spaces and strip."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).replace("\u00a0", " ")).strip()


def fold(text: str) -> str:
    """A lowercase, whitespace-normalised form used for comparisons."""
    return clean(text).casefold()
