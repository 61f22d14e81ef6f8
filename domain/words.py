"""The words of Swedish text that search compares, and the index terms that find them (pure).

``words`` folds a text into its search words (no stop words, no single characters); ``stem``
strips a definite or plural ending. ``word_list``/``tails_of`` and ``word_terms`` are what the
database's full-text index stores and is asked for: every search word, and the same word
reversed, so that a prefix query finds a word's tail too ("vandringen" -> "...vandring" in
"trygghetsvandring"). dialogs/language/search.py ranks what the index finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from domain.text import fold

# Words that carry no search meaning: Swedish function words, question words and the
# words every message about assignments contains.
STOP_WORDS = frozenset(
    """
    alla allt andra att av bara bli blir blivit både då dem den denna dess dessa det detta
    din du där efter eller en ej er ett fram från för gå går gjort gör göra ha hade har
    hos hur här i in inom inte jag kan kom kommer man med mellan men mer min mitt mot mycket
    mig många ni nu när någon något några nåt och om oss på samt se sedan sig sin sina ska
    skall skulle som så ta till under upp ut utan vad var vara varit vi vid vilka vilken
    vilket vill vår våra än är åt över
    uppdrag uppdraget uppdragen uppdragens uppdragets status statusen läge läget visa lista
    händer hänt hände gick arbete arbetet arbeta arbetar
    """.split()
)

# Definite and plural endings, longest first; a stem keeps at least MIN_STEM letters.
_SUFFIXES = (
    "arnas", "ernas", "ornas", "arna", "erna", "orna", "ens", "ets", "en", "et", "na", "ar", "er", "or",
)
MIN_STEM = 4
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The folded search words of a text: no stop words, no single characters."""
    return [w for w in _WORD.findall(fold(text or "")) if len(w) > 1 and w not in STOP_WORDS]


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


# A query word matches a document word that starts with its stem less up to PREFIX_SLACK
# letters ("dagvattn|et" -> "dagvat*" finds "dagvattenhantering"), or ends with it.
PREFIX_SLACK = 2


def word_list(text: str) -> str:
    """The distinct search words of ``text``, space-separated (what is kept of a comment)."""
    return " ".join(sorted(set(words(text))))


def tails_of(word_lists: Iterable[str]) -> str:
    """The words of space-separated ``word_lists`` and their stems, reversed, space-separated."""
    found = {w for listed in word_lists for w in listed.split()}
    return " ".join(sorted({form[::-1] for w in found for form in (w, stem(w))}))


def _cut(form: str) -> str:
    return form[: max(min(len(form), MIN_STEM), len(form) - PREFIX_SLACK)]


def word_terms(text: str, *, fuzzy: bool = False) -> list[tuple[str, str]]:
    """For each search word of ``text``: a prefix to look up among the index's words (head)
    and one among its reversed words (tail).

    Exact: the word's stem less up to PREFIX_SLACK letters, as a head and as a tail. Fuzzy
    (the fallback when exact finds nothing, for a typo): the word's first half as a head and
    its last half as a tail, so one wrong letter leaves a half to find it by.
    """
    found = []
    for word in dict.fromkeys(words(text)):
        if fuzzy:
            half = max(2, (len(word) + 1) // 2)
            found.append((word[:half], word[::-1][:half]))
        else:
            base = stem(word)
            found.append((_cut(base), _cut(base[::-1])))
    return found
