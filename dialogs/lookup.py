"""Finding assignments by what people write about them: the index finds, the ranker ranks.

The database's full-text index (storage/search_index.py) finds the period's assignments with a
word that starts or ends like a word of the question (``domain.words.word_terms``; a word ending
with a generic head such as "-uppdraget" also by the part before it), those with every word
first; the Swedish-aware ranker (dialogs/language/search.py) scores those. A word of the
question that nothing found matches is then looked for as a compound of two parts in one
assignment ("krisberedskapen": "kris…" and "beredskap…"), in titles first. When nothing is
found, the same is tried once more with each word's halves, for a typo.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dialogs.language.search import Document, rank, unmatched
from domain.periods import Period
from domain.records import AssignmentStatus
from domain.statuses import StatusCategory
from domain.words import WordTerms, word_terms
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

    def search(asked: list[WordTerms], terms: list[WordTerms], documents: list[Document], *,
               compounds: bool = False) -> list[tuple[int, float]]:
        """Add to ``documents`` what the index finds by ``asked``, stage by stage, and rank them all
        (by the words of ``terms``). A stage only while the answer has places left; for
        ``compounds``, only until a stage has found one that ranks (the parts of a compound in
        a title are what it means; spread over comments, a weaker sign that costs more to find)."""
        found_by = _found_by(terms)
        ranked = rank(text, documents, limit=limit, terms=found_by) if documents else []
        for every, titles in STAGES if len(asked) > 1 else ONE_WORD_STAGES:
            if len(ranked) >= limit or len(documents) >= CANDIDATES:
                break
            added = [Document(d.assignment_id, d.title, d.body if comments else "", folded=True)
                     for d in queries.search_candidates(
                         session=session, period=period, terms=asked, every=every, titles=titles,
                         committees=committees, categories=categories,
                         exclude=[doc.key for doc in documents], limit=CANDIDATES - len(documents))]
            documents += added
            ranked = rank(text, documents, limit=limit, terms=found_by)
            if compounds and {doc.key for doc in added} & {key for key, _ in ranked}:
                break
        return ranked

    for fuzzy in (False, True):
        documents: list[Document] = []
        terms = word_terms(text, fuzzy=fuzzy)
        ranked = search(terms, terms, documents)
        if not fuzzy and len(ranked) < limit:
            # The words no document found matches whole, as compounds of two parts.
            split = unmatched(text, documents, terms=_found_by(terms))
            if split:
                terms = word_terms(text, split=split)
                ranked = search([t for t in terms if t.word in split], terms, documents, compounds=True)
        if ranked:
            chosen = {s.assignment_id: s for s in queries.statuses(
                session=session, assignment_ids=[key for key, _ in ranked], period=period)}
            return [(chosen[key], score) for key, score in ranked if key in chosen]
    return []


def _found_by(terms: Sequence[WordTerms]) -> tuple[list[str], list[str]]:
    """The heads and tails of ``terms``: the document words the ranker compares."""
    return [h for word in terms for h in word.heads], [t for word in terms for t in word.tails]
