"""The words of Swedish text that search compares, and the index terms that find them (pure).

``words`` folds a text into its search words (no stop words, no single characters); ``stem``
strips a definite or plural ending. ``word_list``/``tails_of`` and ``word_terms`` are what the
database's full-text index stores and is asked for: every search word, and the same word
reversed, so that a prefix query finds a word's tail too ("vandringen" -> "...vandring" in
"trygghetsvandring"). dialogs/language/search.py ranks what the index finds.

Questions name assignments by compounds the documents do not hold as such: "stadsrumsuppdraget"
(the assignment about the stadsrumsanalys), "krisberedskapen" (the one about kriser and
beredskap). Swedish compounds join with or without a linking "s" and inflect the last part.
``meaning`` drops a generic last part ("-uppdraget", "-frågan", "-arbetet", ...), which names
no subject in a question; ``split_points`` and ``Vocabulary.splits`` cut a word the documents do
not know whole into two parts they do know, driven by the documents' own words (and their heads
and tails, as the index finds them).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

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
    """The word less a definite or plural ending ("linjenätet" -> "linjenät"). The index stores
    the stems' tails (``tails_of``): changing this needs the index rebuilt."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


_SNOWBALL = snowballstemmer.stemmer("swedish")
_SNOWBALL_LOCK = threading.Lock()  # a Snowball stemmer keeps its state between calls


@lru_cache(maxsize=1 << 12)
def snowball(word: str) -> str:
    """The Swedish Snowball stem: also adjective, verb and "-het" endings ("tryggheten" ->
    "trygg", "förebyggande" -> "förebygg"), but it cuts into some words ("dagvatten" -> "dagvat",
    "stadsrumsanalys" -> "stadsrumsanaly"); ``stem`` keeps those."""
    with _SNOWBALL_LOCK:
        return _SNOWBALL.stemWord(word)


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


# --- compounds in questions -------------------------------------------------------------------

MIN_PART = 4  # a part of a compound has at least this many letters, a linking "s" apart
MAX_SPLIT = 40  # a longer word (a pasted link, a run of letters) is not split
# Before a generic head of three letters ("del", "bit", "sak") the first part has at least this
# many letters: "stadsdelen" and "huvudsaken" are words of their own.
SHORT_HEAD_FIRST_PART = 6

# Last parts of compounds that name no subject in a question: "stadsrumsuppdraget" is the
# assignment about the stadsrum(sanalys), "EST-arbetet" the one about EST. Each with its forms.
GENERIC_HEADS: dict[str, tuple[str, ...]] = {
    lemma: tuple(forms.split()) for lemma, forms in (
        ("uppdrag", "uppdrag uppdraget uppdragen uppdragets uppdragens"),
        ("fråga", "fråga frågan frågor frågorna frågans frågornas"),
        ("arbete", "arbete arbetet arbeten arbetena arbetets"),
        ("ärende", "ärende ärendet ärenden ärendena ärendets"),
        ("projekt", "projekt projektet projekten projektets"),
        ("insats", "insats insatsen insatser insatserna insatsens"),
        ("satsning", "satsning satsningen satsningar satsningarna"),
        ("åtgärd", "åtgärd åtgärden åtgärder åtgärderna"),
        ("uppgift", "uppgift uppgiften uppgifter uppgifterna"),
        ("del", "del delen delar delarna"),
        ("bit", "bit biten bitar bitarna"),
        ("sak", "sak saken saker sakerna"),
        ("grej", "grej grejen grejer grejerna grejor grejorna"),
        ("punkt", "punkt punkten punkter punkterna"),
        ("spår", "spår spåret"),
        ("jobb", "jobb jobbet"),
        ("ämne", "ämne ämnet ämnen"),
        ("status", "status statusen"),
        ("läge", "läge läget"),
    )
}
_GENERIC_LEMMA = {form: lemma for lemma, forms in GENERIC_HEADS.items() for form in forms}
_GENERIC_STEMS = frozenset(snowball(lemma) for lemma in GENERIC_HEADS)
# "EST-arbetet", "purple flag-projektet": a generic word after a hyphen is the head of a compound.
_HYPHENATED_GENERIC = re.compile(
    r"(?<=[^\W_])-(?:" + "|".join(sorted(_GENERIC_LEMMA, key=len, reverse=True)) + r")(?![^\W_])")


def first_part_forms(part: str) -> tuple[str, ...]:
    """A first part of a compound as written and without a linking "s" ("beredskaps" ->
    "beredskap"; "analys" keeps its own "s" as well)."""
    if part.endswith("s") and len(part) - 1 >= MIN_PART:
        return part, part[:-1]
    return (part,)


def _generic(part: str) -> bool:
    """Whether a first part is generic too, as a word or in a compound's first-part form:
    "uppdrags", "arbets" (arbete), "fråge" (fråga) — the Snowball stem joins these forms."""
    return any(form in _GENERIC_LEMMA or form in STOP_WORDS or snowball(form) in _GENERIC_STEMS
               for form in first_part_forms(part))


@lru_cache(maxsize=1 << 14)
def meaning(word: str) -> str:
    """The part of a question word that names its subject: the word less a generic head it
    ends with ("stadsrumsuppdraget" -> "stadsrums", "dagvattenfrågan" -> "dagvatten"); "" when
    the rest is generic too ("uppdragsfrågan"); else the word itself."""
    for start in range(MIN_PART, len(word) - 2):
        lemma = _GENERIC_LEMMA.get(word[start:])
        if lemma is None or (len(lemma) <= 3 and start < SHORT_HEAD_FIRST_PART):
            continue
        first = word[:start]
        return "" if _generic(first) else first
    return word


def query_words(text: str) -> list[str]:
    """The search words of a question, each once, less generic heads written after a hyphen
    and words that are nothing but generic parts."""
    found = words(_HYPHENATED_GENERIC.sub(" ", fold(text or "")))
    return [w for w in dict.fromkeys(found) if meaning(w)]


def query_forms(word: str) -> tuple[str, ...]:
    """The forms a question word is compared by: itself and, when it ends with a generic head,
    the part that means something, with and without a linking "s"."""
    core = meaning(word)
    return (word,) if core == word else (word, *first_part_forms(core))


def split_points(word: str) -> list[tuple[str, str]]:
    """Every cut of ``word`` into a first and a last part of at least MIN_PART letters each."""
    if len(word) > MAX_SPLIT:
        return []
    return [(word[:i], word[i:]) for i in range(MIN_PART, len(word) - MIN_PART + 1)]


# --- index terms ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    """A word, or a part of a compound, as the index is asked for it: an index word that starts
    with one of ``heads`` or, reversed, with one of ``tails`` (it ends with the part)."""

    heads: tuple[str, ...]
    tails: tuple[str, ...]


@dataclass(frozen=True)
class WordTerms:
    """What finds one question word in the index: any of ``alternatives``, an alternative by
    every one of its parts (the word whole; or a compound's first and last part)."""

    word: str
    alternatives: tuple[tuple[Part, ...], ...]

    @property
    def heads(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h for alternative in self.alternatives for p in alternative for h in p.heads))

    @property
    def tails(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for alternative in self.alternatives for p in alternative for t in p.tails))


def _fewest(prefixes: Iterable[str]) -> tuple[str, ...]:
    """The prefixes less those that a shorter one of them finds anyway."""
    kept: list[str] = []
    for prefix in sorted(set(prefixes), key=len):
        if not prefix.startswith(tuple(kept)):
            kept.append(prefix)
    return tuple(sorted(kept))


# A last part is also looked for as the tail of another compound ("trafik" in "stadstrafiken" for
# "busstrafik") when it has at least this many letters: a shorter one ("-egin", "-ning") ends too
# many words to narrow anything.
MIN_TAIL_PART = 6


@lru_cache(maxsize=1 << 14)
def part_terms(forms: tuple[str, ...], *, last: bool = False) -> Part:
    """The index terms of a word, or of a compound's first or ``last`` part, written in any of
    ``forms``: each form's stem less up to PREFIX_SLACK letters as a head, and reversed as a
    tail. A last part's tail keeps every letter (the next cut of the word is the slack) and is
    asked for only when it is long enough (MIN_TAIL_PART)."""
    bases = [stem(form) for form in forms]
    heads = _fewest(_cut(base) for base in bases)
    if last:
        return Part(heads, _fewest(base[::-1] for base in bases if len(base) >= MIN_TAIL_PART))
    return Part(heads, _fewest(_cut(base[::-1]) for base in bases))


def word_terms(text: str, *, fuzzy: bool = False, split: Collection[str] = ()) -> list[WordTerms]:
    """For each search word of ``text`` (``query_words``): what the index finds it by.

    Exact: the word's stem less up to PREFIX_SLACK letters, as a head and as a tail (and so the
    part that means something, when it ends with a generic head). The words in ``split`` (those
    that nothing matched whole) also by each cut into two parts (``split_points``), both in
    one assignment. Fuzzy (the fallback when exact finds nothing, for a typo): the word's first
    half as a head and its last half as a tail, so one wrong letter leaves a half to find it by.
    """
    found = []
    for word in query_words(text):
        if fuzzy:
            core = meaning(word)
            half = max(2, (len(core) + 1) // 2)
            found.append(WordTerms(word, ((Part((core[:half],), (core[::-1][:half],)),),)))
            continue
        alternatives = [(part_terms(query_forms(word)),)]
        if word in split:
            alternatives += [(part_terms(first_part_forms(first)), part_terms((last,), last=True))
                             for first, last in split_points(meaning(word))]
        found.append(WordTerms(word, tuple(alternatives)))
    return found


# --- the documents' own words, for splitting ------------------------------------------------

class Vocabulary:
    """The words of the documents searched, sorted as written and reversed, so that the words a
    part of a question word can match (those starting or ending like it, as the index finds
    them) are a few binary searches away."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        forms = {(form, w) for w in vocabulary for form in (w, stem(w))}
        self._heads = sorted(forms)
        self._tails = sorted((form[::-1], w) for form, w in forms)

    @staticmethod
    def _starting(rows: list[tuple[str, str]], prefix: str) -> Iterator[str]:
        at = bisect_left(rows, (prefix,))
        while at < len(rows) and rows[at][0].startswith(prefix):
            yield rows[at][1]
            at += 1

    def near(self, forms: tuple[str, ...], *, last: bool = False) -> set[str]:
        """The words starting or ending like a part written in any of ``forms`` (a ``last`` part:
        as ``part_terms`` has it), as the index finds them."""
        terms = part_terms(forms, last=last)
        return ({w for head in terms.heads for w in self._starting(self._heads, head)}
                | {w for tail in terms.tails for w in self._starting(self._tails, tail)})

    def splits(self, word: str) -> list[tuple[str, str]]:
        """The cuts of ``word`` (``split_points``) into a first and a last part that both start
        or end like some word of the documents (the ranker then compares them)."""
        return [(first, last) for first, last in split_points(word)
                if self.near(first_part_forms(first)) and self.near((last,), last=True)]
