"""Lists, counts, pages and the full-text index in SQL, on SQLite and PostgreSQL.

The reference is the plain reading of the data: a period's assignments are those given for
its year or reported in it, each with its newest report; a page is a slice of that list.
"""

from __future__ import annotations

import random

from alembic import command
from sqlalchemy import text

from domain.periods import Period
from domain.report_format import Report, ReportItem
from domain.statuses import StatusCategory
from domain.words import word_terms
from storage import queries, search_index
from storage.db import alembic_config, refresh_statistics
from storage.importer import import_report, import_text
from storage.models import Assignment
from storage.models import StatusReport as Row

T1, T2 = Period(2022, 1), Period(2022, 2)
C = StatusCategory
SENTENCES = {C.DONE: "Uppdraget är genomfört.", C.ON_TRACK: "Uppdraget bedöms bli genomfört.",
             C.AT_RISK: "Uppdraget bedöms inte bli genomfört.", C.NOT_REPORTED: None}


def report(period: Period, items: list[tuple[str, tuple[str, ...], StatusCategory, str]]) -> Report:
    return Report(period, tuple(
        ReportItem(title=title, committees=committees, lead_committee=None, status_sentence=SENTENCES[category],
                   category=category, comment=comment, line=n + 1)
        for n, (title, committees, category, comment) in enumerate(items)))


def archive(db, n: int = 57, seed: int = 7) -> dict[int, tuple[str, tuple[str, ...], StatusCategory]]:
    """n assignments for 2022 over four committees, T1 reported for most, T2 for some."""
    rng = random.Random(seed)
    committees = ["KS", "TN", "MSN", "SAN"]
    items = []
    for i in range(n):
        chosen = tuple(rng.sample(committees, rng.choice([1, 1, 1, 2])))
        category = rng.choice([C.DONE, C.ON_TRACK, C.AT_RISK, C.NOT_REPORTED])
        items.append((f"Uppdrag nummer {i} om parkering", chosen, category, f"Kommentar {i}."))
    with db.session() as session:
        import_report(session=session, report=report(T1, items), source="t1")
        later = [(t, c, rng.choice([C.DONE, C.ON_TRACK]), "Senare.") for t, c, _, _ in items[::3]]
        import_report(session=session, report=report(T2, later), source="t2")
    return items


def test_pages_and_counts_are_the_whole_list_sliced(prepared_db):
    archive(prepared_db)
    with prepared_db.session() as session:
        for committees, categories in [((), ()), (("TN",), ()), ((), (C.DONE,)), (("KS", "SAN"), (C.AT_RISK, C.NOT_REPORTED))]:
            whole = queries.find_statuses(session=session, period=T1, committees=committees, categories=categories)
            assert whole, (committees, categories)
            paged = []
            for offset in range(0, len(whole) + 10, 10):
                page = queries.list_statuses(session=session, period=T1, committees=committees,
                                             categories=categories, offset=offset, limit=10)
                assert page.total == len(whole)
                assert page.counts == {c: sum(1 for s in whole if s.category is c) for c in {s.category for s in whole}}
                paged += page.statuses
            assert [s.assignment_id for s in paged] == sorted(s.assignment_id for s in whole)
            assert all(committees == () or set(committees) & {c.abbreviation for c in s.committees} for s in whole)
            assert all(categories == () or s.category in categories for s in whole)


def test_a_period_lists_every_assignment_of_its_year_reported_or_not(prepared_db):
    items = archive(prepared_db, n=30)
    with prepared_db.session() as session:
        t2 = queries.list_statuses(session=session, period=T2, limit=100)
    assert t2.total == 30  # given for 2022: in every 2022 period
    assert t2.counts[C.NOT_REPORTED] == 30 - len(items[::3])
    assert {s.title for s in t2.statuses if s.category is not C.NOT_REPORTED} == {t for t, *_ in items[::3]}


def test_the_current_status_is_the_newest_report(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    with prepared_db.session() as session:
        [status] = [s for s in queries.find_statuses(session=session, period=T1) if "linjenät" in s.title]
        queries.add_status_report(session=session, assignment_id=status.assignment_id, period=T1,
                                  category=C.AT_RISK, sentence=None, comment="Försenat av vädret.")
        again = queries.get_status(session=session, assignment_id=status.assignment_id, period=T1)
        assert (again.category, again.comment) == (C.AT_RISK, "Försenat av vädret.")
        at_risk = queries.list_statuses(session=session, period=T1, categories=[C.AT_RISK])
        assert status.assignment_id in {s.assignment_id for s in at_risk.statuses}


def found(db, question: str, period: Period = T1) -> set[str]:
    with db.session() as session:
        ids = [found.assignment_id for found in queries.search_candidates(
            session=session, period=period, terms=word_terms(question))]
        return {s.title for s in queries.statuses(session=session, assignment_ids=ids, period=period)}


def test_the_index_finds_heads_tails_and_comment_words(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    assert any("linjenät" in t for t in found(prepared_db, "linjenätet"))  # an inflected form
    assert any("dagvatten" in t.lower() for t in found(prepared_db, "dagvattnet"))  # head of a compound
    assert any("trygghetsvandring" in t.lower() for t in found(prepared_db, "vandringen"))  # its tail
    assert found(prepared_db, "xylofonorkester") == set()


def test_the_index_follows_new_comments(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    assert found(prepared_db, "snöröjningen") == set()
    with prepared_db.session() as session:
        first = queries.find_statuses(session=session, period=T1)[0]
        queries.add_status_report(session=session, assignment_id=first.assignment_id, period=T1,
                                  category=C.ON_TRACK, sentence=None, comment="Snöröjning samordnas.")
    assert found(prepared_db, "snöröjningen") == {first.title}


def test_bulk_import_keeps_a_repeated_title_once_with_its_last_status(prepared_db):
    items = [("Bygga en ny skola", ("BUN",), C.ON_TRACK, "Först."), ("Bygga en ny skola", ("BUN",), C.DONE, "Sedan.")]
    with prepared_db.session() as session:
        result = import_report(session=session, report=report(T1, items), source="dup")
        [status] = queries.find_statuses(session=session, period=T1)
        reports = session.exec(text("SELECT COUNT(*) FROM status_report")).scalar_one()
    assert (result.assignments_created, result.reports_added) == (1, 2)
    assert (status.category, status.comment, reports) == (C.DONE, "Sedan.", 2)


def test_upgrading_an_existing_database_fills_the_current_status_and_the_index(engine, db, seed_text):
    config = alembic_config(engine)
    command.upgrade(config, "0005")
    with db.session() as session:  # as 0005 knew it: reports, no current status
        session.execute(text("INSERT INTO committee (abbreviation, name, aliases) VALUES ('TN', 'Tekniska nämnden', '[]')"))
        session.execute(text("INSERT INTO reporting_period (year, term, starts_on, ends_on, opens_on, deadline) "
                             "VALUES (2022, 1, '2022-01-01', '2022-04-30', '2022-04-01', '2022-05-15')"))
        session.add(Assignment(title="Se över linjenätet", year=2022, created_at=db.clock.now()))
        session.flush()
        for category, comment in [(C.ON_TRACK.value, "Påbörjat."), (C.DONE.value, "Klart med busslinjerna.")]:
            session.add(Row(assignment_id=1, period_id=1, category=category, comment=comment, created_at=db.clock.now()))
        session.flush()
    command.upgrade(config, "head")
    with db.session() as session:
        [status] = queries.find_statuses(session=session, period=T1)
        assert (status.category, status.comment) == (C.DONE, "Klart med busslinjerna.")
        assert session.execute(text(f"SELECT COUNT(*) FROM {search_index.TABLE}")).scalar_one() == 1
    assert found(db, "busslinjer") == {"Se över linjenätet"}
    command.downgrade(config, "0005")
    command.upgrade(config, "head")


def test_an_assignment_reported_in_a_later_year_is_in_its_committees_list_and_found_there(prepared_db):
    with prepared_db.session() as session:
        import_report(session=session, report=report(Period(2021, 3), [
            ("Flytta bussdepån", ("TN", "KS"), C.ON_TRACK, "Pågår.")]), source="2021")
        [old] = queries.find_statuses(session=session, period=Period(2021, 3))
        assert queries.list_statuses(session=session, period=T1, committees=["TN"]).total == 0
    assert found(prepared_db, "bussdepån") == set()
    assert found(prepared_db, "bussdepån", Period(2021, 3)) == {"Flytta bussdepån"}
    with prepared_db.session() as session:
        queries.add_status_report(session=session, assignment_id=old.assignment_id, period=T1,
                                  category=C.DONE, sentence=None, comment="Klart i januari.")
        for committee in ("TN", "KS"):
            listed = queries.list_statuses(session=session, period=T1, committees=[committee])
            assert [(s.title, s.category) for s in listed.statuses] == [("Flytta bussdepån", C.DONE)]
        both = queries.list_statuses(session=session, period=T1, committees=["TN", "KS"])
        assert both.total == 1  # a shared assignment once
    for period in (T1, Period(2021, 3)):  # found in both of its periods, by its title and its comments
        assert found(prepared_db, "bussdepån", period) == found(prepared_db, "januari", period) == {"Flytta bussdepån"}


def test_candidates_with_every_word_or_any(prepared_db):
    archive(prepared_db, n=40)  # forty titles "Uppdrag nummer N om parkering"
    with prepared_db.session() as session:
        import_report(session=session, report=report(T1, [
            ("Laddstolpar vid infartsparkering", ("TN",), C.ON_TRACK, "Upphandlas.")]), source="ny")
        terms = word_terms("parkering laddstolpar")
        every = queries.search_candidates(session=session, period=T1, terms=terms, every=True)
        some = queries.search_candidates(session=session, period=T1, terms=terms, limit=5,
                                         exclude=[e.assignment_id for e in every])
        titles = {s.assignment_id: s.title for s in queries.find_statuses(session=session, period=T1)}
    assert [titles[e.assignment_id] for e in every] == ["Laddstolpar vid infartsparkering"]
    assert len(some) == 5 and every[0].assignment_id not in {s.assignment_id for s in some}
    assert all("parkering" in titles[s.assignment_id] for s in some)


def test_statistics_are_refreshed_after_a_bulk_import_and_answers_stay_the_same(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    before = found(prepared_db, "linjenätet")
    refresh_statistics(prepared_db.engine)  # ANALYZE; on PostgreSQL VACUUM and GIN pending lists merged
    assert found(prepared_db, "linjenätet") == before != set()
    with prepared_db.session() as session:
        assert queries.list_statuses(session=session, period=T1, committees=["TN"]).total == 3


def test_the_index_s_own_markers_are_never_an_answer(prepared_db, seed_text):
    """PostgreSQL's index holds reversed words ("0…") and period lexemes ("1p…") beside the
    words: a question that looks like one finds nothing, and real words are still found."""
    from dialogs import lookup  # the ranker decides what is an answer

    import_text(prepared_db, seed_text, filename="seed.txt")
    with prepared_db.session() as session:
        period_id = queries._period_row(session, T1).id
        for question in (f"{search_index.PERIOD_MARK}{period_id}", search_index.PERIOD_MARK, "0gni", "0t"):
            assert lookup.find(session, question, T1) == [], question
        assert lookup.find(session, "linjenätet", T1)


def test_a_word_too_long_for_the_index_is_kept_out_of_it_and_found_nowhere(prepared_db, seed_text):
    """PostgreSQL indexes words of up to 2,047 bytes, so neither database indexes a longer one
    (a pasted link, a run of letters); it breaks neither saving the comment nor a question."""
    import_text(prepared_db, seed_text, filename="seed.txt")
    long_word = "å" * 1500  # 3,000 bytes
    with prepared_db.session() as session:
        first = queries.find_statuses(session=session, period=T1)[0]
        queries.add_status_report(session=session, assignment_id=first.assignment_id, period=T1, category=C.ON_TRACK,
                                  sentence=None, comment=f"Snöröjning {long_word} samordnas.")
    assert found(prepared_db, "snöröjningen") == {first.title}
    assert found(prepared_db, long_word) == set()
    assert found(prepared_db, f"snöröjningen {long_word}") == {first.title}  # any of the words
    with prepared_db.session() as session:
        every = queries.search_candidates(session=session, period=T1, terms=word_terms(f"snöröjning {long_word}"),
                                          every=True)
    assert every == []  # each word: the long one is in no assignment


# Compounds in questions, through dialogs.lookup.find on the demo report: (question, words of the
# one title that must be found). A generic last part ("-uppdraget", "-frågan", "-arbetet", ...)
# names no subject; a compound the titles and comments do not hold whole is found by its two parts
# in one assignment.
COMPOUND_QUESTIONS = [
    ("stadsrumsuppdraget", "stadsrumsanalys"),  # the three
    ("överserveringsfrågan", "överservering"),
    ("beredskapsarbetet", "höjd beredskap"),
    ("dagvattenfrågan", "dagvattenhantering"),
    ("linjenätsarbetet", "linjenät"),
    ("trygghetsvandringsuppdraget", "trygghetsvandring"),
    ("purple flag-arbetet", "Purple Flag"),
    ("segregationsinsatserna", "motverka segregation"),
    ("gatumiljöfrågan", "dagvattenhantering"),
    ("stadstrafikuppdraget", "linjenät"),
    ("linjenätsdelen", "linjenät"),
    ("tillsynsarbetet", "överservering"),
    ("certifieringsarbetet", "Purple Flag"),
    ("vandringsuppdraget", "trygghetsvandring"),
    ("pandemiarbetet", "höjd beredskap"),  # only in the comment
    ("krisberedskapen", "höjd beredskap"),  # two parts, both in the title
    ("beredskapsstrategin", "höjd beredskap"),
    ("restaurangtillsynen", "överservering"),
    ("dagvattenlösningarna", "dagvattenhantering"),
    ("busstrafikfrågan", "linjenät"),  # "stadsbussarna" in the comment, "stadstrafiken" in the title
    ("linjenätsförslaget", "linjenät"),
    ("hur går det med stadsrumsuppdraget?", "stadsrumsanalys"),
]
UNRELATED_COMPOUNDS = [
    "skolskjutsfrågan", "budgetarbetet", "idrottsfrågan", "arbetsmiljöfrågan", "stadsdelsfrågan",
    "fotbollsstrategin", "budgetanalysen", "trafikanalysen", "uppdragsfrågan", "vattenskoterfrågan",
]


def test_compound_questions_find_their_assignment_and_unrelated_ones_nothing(prepared_db, seed_text):
    from dialogs import lookup

    import_text(prepared_db, seed_text, filename="seed.txt")
    with prepared_db.session() as session:
        answers = {question: [s.title for s, _ in lookup.find(session, question, T1)]
                   for question in [q for q, _ in COMPOUND_QUESTIONS] + UNRELATED_COMPOUNDS}
        est = [s.title for s, _ in lookup.find(session, "EST-arbetet", T1)]
        est_project = [s.title for s, _ in lookup.find(session, "EST-projektet", T1)]
    wrong = {question: answers[question] for question, part in COMPOUND_QUESTIONS
             if len(answers[question]) != 1 or part not in answers[question][0]}
    wrong |= {question: answers[question] for question in UNRELATED_COMPOUNDS if answers[question]}
    assert wrong == {}
    assert est == est_project  # "EST" is in another comment ("EST-projektet") too: that comes second
    assert est[0].endswith("trygghet, EST") and "Purple Flag" in est[1] and len(est) == 2


def test_the_index_finds_a_compound_by_its_meaning_or_by_both_parts(prepared_db, seed_text):
    import_text(prepared_db, seed_text, filename="seed.txt")
    assert [t for t in found(prepared_db, "stadsrumsuppdraget") if "stadsrumsanalys" in t]  # "stadsr*"
    assert found(prepared_db, "krisberedskapen") == set()  # not whole ...
    with prepared_db.session() as session:
        def by_parts(question: str) -> set[str]:
            ids = [c.assignment_id for c in queries.search_candidates(
                session=session, period=T1, terms=word_terms(question, split={question}), every=True)]
            return {s.title for s in queries.statuses(session=session, assignment_ids=ids, period=T1)}

        # ... but by "kris*" and "beredsk*" in one assignment
        assert by_parts("krisberedskapen") == {"Ta fram en kommunövergripande strategi för fredstida kriser och höjd beredskap"}
        assert by_parts("trafikanalysen") == set()  # "stadstrafiken" and "...analys" are in two assignments
