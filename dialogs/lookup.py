"""Finding assignments by what people write about them: the index finds, the ranker ranks.

The database's full-text index (storage/search_index.py) finds the period's assignments with a
word that starts or ends like a word of the question (``domain.words.word_terms``), those with
every word first; the Swedish-aware ranker (dialogs/language/search.py) scores those. When nothing is found, the
same is tried once more with each word's halves, for a typo.
"""

from __future__ import annotations

from collections.abc import Iterable

from dialogs.language.search import Document, rank
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.statuses import StatusCategory
from domain.words import word_terms
from storage import queries

CANDIDATES = 300  # assignments ranked at most per question
# (every word, in titles only): every word in the title first, they score highest; then
# every word anywhere; then some of the words. With one word, "every" is "any".
STAGES = ((True, True), (True, False), (False, False))
ONE_WORD_STAGES = ((True, True), (False, False))


def find(session, text: str, period: Period, *, committees: Iterable[str] = (),
         categories: Iterable[StatusCategory] = (), comments: bool = True,
         limit: int = 10) -> list[tuple[AssignmentStatus, float]]:
    """The period's assignments matching ``text``, best first, with their scores.

    ``comments=False`` ranks by titles only (choosing the assignment to update).
    """
    committees, categories = tuple(committees), tuple(categories)
    for fuzzy in (False, True):
        terms = word_terms(text, fuzzy=fuzzy)
        terms_found_by = ([h for h, _ in terms], [t for _, t in terms])
        documents: list[Document] = []
        ranked: list[tuple[int, float]] = []
        # A stage only while the answer has places left.
        for every, titles in STAGES if len(terms) > 1 else ONE_WORD_STAGES:
            documents += [Document(d.assignment_id, d.title, d.body if comments else "", folded=True)
                          for d in queries.search_candidates(
                              session=session, period=period, terms=terms, every=every, titles=titles,
                              committees=committees, categories=categories,
                              exclude=[doc.key for doc in documents], limit=CANDIDATES - len(documents))]
            ranked = rank(text, documents, limit=limit, terms=terms_found_by)
            if len(ranked) >= limit or len(documents) >= CANDIDATES:
                break
        if ranked:
            chosen = {s.assignment_id: s for s in queries.statuses(
                session=session, assignment_ids=[key for key, _ in ranked], period=period)}
            return [(chosen[key], score) for key, score in ranked if key in chosen]
    return []
