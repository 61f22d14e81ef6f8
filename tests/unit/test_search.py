"""rank(): realistic questions against the seed report's 8 assignments."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.language.search import DEFAULT_THRESHOLD, Document, rank, similarity

SEED = Path(__file__).resolve().parents[2] / "storage" / "demo" / "uppdrag-T1-2022.txt"


def load_seed() -> list[Document]:
    """One document per block: title, status sentence, then the comment."""
    blocks = SEED.read_text("utf-8").split("\n.\n")[1:]  # the first block is the heading
    documents = []
    for key, block in enumerate(blocks):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        documents.append(Document(key=key, title=lines[0], body=" ".join(lines[2:])))
    return documents


DOCUMENTS = load_seed()
STADSRUM, OVERSERVERING, KRISER, EST, LINJENAT, DAGVATTEN, PURPLE_FLAG, TRYGGHETSVANDRING = range(8)


def test_seed_has_eight_assignments() -> None:
    assert len(DOCUMENTS) == 8
    assert DOCUMENTS[LINJENAT].title == "Utveckla ett nytt linjenät för stadstrafiken (MSN)"
    assert DOCUMENTS[TRYGGHETSVANDRING].body.startswith("Någon trygghetsvandring")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("stadsrumsanalysen Torvalla-Odensala", STADSRUM),
        ("hur går det med stadsrumsanalysen i Torvalla-Odensala?", STADSRUM),
        ("segregation", STADSRUM),
        ("överservering", OVERSERVERING),
        ("tillsyn på krogarna", OVERSERVERING),
        ("strategin för fredstida kriser", KRISER),
        ("höjd beredskap", KRISER),
        ("EST", EST),
        ("linjenätet", LINJENAT),
        ("stadstrafiken", LINJENAT),
        ("dagvattnet", DAGVATTEN),
        ("dagvatten", DAGVATTEN),
        ("gatumiljön", DAGVATTEN),
        ("purple flag", PURPLE_FLAG),
        ("Purple Flag-certifieringen", PURPLE_FLAG),
        ("tryggheten i stadskärnan", PURPLE_FLAG),
        ("trygghetsvandringen", TRYGGHETSVANDRING),
        ("trygghetsvandrignen", TRYGGHETSVANDRING),  # a typo
        ("vandringen", TRYGGHETSVANDRING),  # the tail of a compound
        ("pandemin", KRISER),  # only in the comment
        ("stadsbussarna", LINJENAT),  # only in the comment
    ],
)
def test_right_assignment_first(query: str, expected: int) -> None:
    results = rank(query, DOCUMENTS)
    assert results, f"nothing found for {query!r}"
    assert results[0][0] == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hur går det med linjenätet?", LINJENAT),
        ("överservering", OVERSERVERING),
        ("purple flag", PURPLE_FLAG),
        ("stadsrumsanalysen Torvalla-Odensala", STADSRUM),
        ("arbetet med linjenätet", LINJENAT),
    ],
)
def test_specific_questions_find_one_assignment(query: str, expected: int) -> None:
    assert [key for key, _ in rank(query, DOCUMENTS)] == [expected]


@pytest.mark.parametrize(
    "query",
    [
        "fotboll", "asdf", "asdf qwerty", "skatt", "äldreomsorg", "budget", "väg", "", "   ", "?!",
        "hur går det med",
    ],
)
def test_nonsense_finds_nothing(query: str) -> None:
    assert rank(query, DOCUMENTS) == []


def test_title_weighs_more_than_comment() -> None:
    # "analys" is in one title (stadsrumsanalys) and in two comments.
    results = rank("analysen", DOCUMENTS)
    assert results[0][0] == STADSRUM
    assert {key for key, _ in results[1:]} == {DAGVATTEN, KRISER}
    assert results[0][1] > results[1][1]


def test_scores_limit_and_threshold() -> None:
    results = rank("trygghet", DOCUMENTS)
    assert [key for key, _ in results] == [EST, PURPLE_FLAG, TRYGGHETSVANDRING]
    assert all(0 < score <= 100 for _, score in results)
    assert all(score >= DEFAULT_THRESHOLD for _, score in results)
    assert rank("trygghet", DOCUMENTS, limit=1) == results[:1]
    assert rank("trygghet", DOCUMENTS, threshold=95) == results[:2]
    assert rank("trygghet", []) == []


def test_half_matching_query_still_finds_the_assignment() -> None:
    # One word matches a title, the other nothing: score 50, above the threshold.
    assert rank("ansvarig för linjenätet", DOCUMENTS) == [(LINJENAT, 50.0)]


def test_mostly_unrelated_query_finds_nothing() -> None:
    # Only "pandemin" matches, in one comment: 60 / 3 words = 20, below the threshold.
    assert rank("pandemin", DOCUMENTS) == [(KRISER, 60.0)]
    assert rank("fotbollsplaner och golfbanor under pandemin", DOCUMENTS) == []


@pytest.mark.parametrize(
    ("query_word", "word", "matches"),
    [
        ("stadsrumsanalysen", "stadsrumsanalys", True),
        ("linjenätet", "linjenät", True),
        ("dagvattnet", "dagvattenhantering", True),
        ("trygghetsvandringen", "trygghetsvandring", True),
        ("flag", "flag", True),
        ("trygghet", "trygghetsvandring", True),  # the head of a compound
        ("trygghetsvandring", "trygghet", False),  # the document's word is only a part
        ("skatt", "skett", False),
        ("fotboll", "förebyggande", False),
    ],
)
def test_word_similarity(query_word: str, word: str, matches: bool) -> None:
    assert (similarity(query_word, word) > 0) is matches
