"""rank(): realistic questions against the seed report's 8 assignments; the compound splitter."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.language.search import DEFAULT_THRESHOLD, Document, rank, similarity
from domain.words import Part, Vocabulary, first_part_forms, meaning, query_words, split_points, word_terms

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


# --- compounds in questions ---------------------------------------------------------------------
# A generic last part ("-uppdraget", "-frågan", "-arbetet", "-insatserna", "-delen", "-projektet")
# names no subject: the part before it is searched for. A compound the documents do not hold is
# found by its two parts in one assignment.


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # the examples
        ("stadsrumsuppdraget", STADSRUM),
        ("överserveringsfrågan", OVERSERVERING),
        ("beredskapsarbetet", KRISER),
        # a generic head, with or without a linking "s"
        ("dagvattenfrågan", DAGVATTEN),
        ("linjenätsarbetet", LINJENAT),
        ("trygghetsvandringsuppdraget", TRYGGHETSVANDRING),
        ("purple flag-arbetet", PURPLE_FLAG),
        ("segregationsinsatserna", STADSRUM),
        ("gatumiljöfrågan", DAGVATTEN),
        ("stadstrafikuppdraget", LINJENAT),
        ("linjenätsdelen", LINJENAT),
        ("tillsynsarbetet", OVERSERVERING),
        ("certifieringsarbetet", PURPLE_FLAG),
        ("Torvallauppdraget", STADSRUM),
        ("vandringsuppdraget", TRYGGHETSVANDRING),  # the tail of the title's compound
        ("pandemiarbetet", KRISER),  # only in the comment
        ("stadsbussfrågan", LINJENAT),  # only in the comment ("stadsbussarna")
        # two parts the assignment holds (title or comment), in one word
        ("krisberedskapen", KRISER),
        ("beredskapsstrategin", KRISER),
        ("krisstrategin", KRISER),
        ("restaurangtillsynen", OVERSERVERING),
        ("krogtillsynen", OVERSERVERING),
        ("dagvattenlösningarna", DAGVATTEN),
        ("busstrafikfrågan", LINJENAT),  # "stadsbussarna" in the comment, "stadstrafiken" in the title
        ("linjenätsförslaget", LINJENAT),
        # in a question
        ("hur går det med stadsrumsuppdraget?", STADSRUM),
        ("vad händer med krisberedskapen", KRISER),
        ("status för överserveringsfrågan", OVERSERVERING),
    ],
)
def test_a_compound_finds_its_assignment_only(query: str, expected: int) -> None:
    assert [key for key, _ in rank(query, DOCUMENTS)] == [expected]


@pytest.mark.parametrize(("query", "expected"), [("EST-arbetet", EST), ("EST-projektet", EST)])
def test_a_hyphenated_generic_head_is_left_out(query: str, expected: int) -> None:
    # "EST" is also in a comment ("harmoniserar med EST-projektet"): that assignment comes second.
    results = rank(query, DOCUMENTS)
    assert results[0] == (expected, 100.0)
    assert results[1:] == [(PURPLE_FLAG, 60.0)]


@pytest.mark.parametrize(
    "query",
    [
        "skolskjutsfrågan", "budgetarbetet", "idrottsfrågan", "kulturarbetet", "vattenskoterfrågan",
        "arbetsmiljöfrågan", "stadsdelsfrågan", "stadsdelen",
        "fotbollsstrategin",  # "strategi" is in a title, "fotboll" nowhere
        "budgetanalysen",  # "analys" is in a title, "budget" nowhere
        "trafikanalysen",  # "trafik" and "analys" are in two different assignments
        "uppdragsfrågan", "projektarbetet",  # nothing but generic parts
        "hur går det med skolskjutsfrågan?",
    ],
)
def test_a_compound_of_unknown_or_unrelated_parts_finds_nothing(query: str) -> None:
    assert rank(query, DOCUMENTS) == []


def test_a_compound_split_scores_below_a_whole_match() -> None:
    [(_, split)] = rank("krisberedskapen", DOCUMENTS)
    [(_, whole)] = rank("höjd beredskap", DOCUMENTS)
    assert 80 <= split < whole == 100


# --- the splitter (domain/words.py), pure -------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "meant"),
    [
        ("stadsrumsuppdraget", "stadsrums"), ("överserveringsfrågan", "överserverings"),
        ("beredskapsarbetet", "beredskaps"), ("dagvattenfrågan", "dagvatten"),
        ("segregationsinsatserna", "segregations"), ("linjenätsdelen", "linjenäts"),
        ("trygghetsvandringsuppdraget", "trygghetsvandrings"), ("analysärendet", "analys"),
        ("stadsdelen", "stadsdelen"),  # a short first part before "del": a word of its own
        ("samarbetet", "samarbetet"),  # "sam" is too short to be a first part
        ("linjenätet", "linjenätet"), ("frågan", "frågan"), ("insatserna", "insatserna"),
        ("uppdragsfrågan", ""), ("arbetsuppgiften", ""),  # generic through and through
    ],
)
def test_meaning_drops_a_generic_head(word: str, meant: str) -> None:
    assert meaning(word) == meant


def test_query_words_leave_out_generic_heads_after_a_hyphen() -> None:
    assert query_words("Purple Flag-arbetet och EST-projektet") == ["purple", "flag", "est"]
    assert query_words("insatserna för beredskapsarbetet") == ["insatserna", "beredskapsarbetet"]
    assert query_words("uppdragsfrågan") == []


def test_the_first_part_is_tried_with_and_without_a_linking_s() -> None:
    assert first_part_forms("beredskaps") == ("beredskaps", "beredskap")
    assert first_part_forms("analys") == ("analys", "analy")
    assert first_part_forms("kris") == ("kris",)  # "kri" would be too short
    assert split_points("skolskjuts") == [("skol", "skjuts"), ("skols", "kjuts"), ("skolsk", "juts")]
    assert split_points("skolskjut") == [("skol", "skjut"), ("skols", "kjut")]
    assert split_points("skolbuss") == [("skol", "buss")] and split_points("skolbus") == []
    assert split_points("x" * 41) == []


def test_the_documents_words_decide_where_a_word_splits() -> None:
    vocabulary = Vocabulary({w for doc in DOCUMENTS for words_of in doc.word_sets for w in words_of})
    assert ("kris", "beredskapen") in vocabulary.splits("krisberedskapen")
    assert ("beredskaps", "strategin") in vocabulary.splits("beredskapsstrategin")
    assert ("restaurang", "tillsynen") in vocabulary.splits("restaurangtillsynen")
    assert vocabulary.splits("skolskjuts") == [] and vocabulary.splits("fotbollsstrategin") == []
    # A part as the head or the tail of a document's compound.
    assert "stadsrumsanalys" in vocabulary.near(("stadsrum",))
    assert "trygghetsvandring" in vocabulary.near(("vandringen",))


def test_word_terms_look_for_the_meaning_and_split_only_when_asked() -> None:
    [stadsrum] = word_terms("stadsrumsuppdraget")
    assert stadsrum.heads == ("stadsr",)  # finds "stadsrumsanalys" by prefix
    assert "mursda" in stadsrum.tails  # and "...stadsrum" as a tail
    [kris] = word_terms("krisberedskapen")
    assert len(kris.alternatives) == 1
    [kris] = word_terms("krisberedskapen", split={"krisberedskapen"})
    assert (Part(("kris",), ("sirk",)), Part(("beredsk",), ("paksdereb",))) in kris.alternatives
    assert all(len(alternative) == 2 for alternative in kris.alternatives[1:])
    [fuzzy] = word_terms("stadsrumsuppdraget", fuzzy=True)
    assert fuzzy.heads == ("stads",) and fuzzy.tails == ("smurs",)  # the halves of "stadsrums"
