"""The published report format: parsing the seed, its variants, errors and the round trip."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from domain.committees import Committee, load_committees
from domain.periods import Period
from domain.report_format import (
    Report,
    ReportFormatError,
    ReportItem,
    parse_report,
    render_report,
)
from domain.statuses import StatusCategory

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "storage" / "demo" / "uppdrag-T1-2022.txt"  # byte-identical to the published seed
REPORTS = Path(__file__).resolve().parent / "reports"
COMMITTEES = load_committees()
KNOWN = "KS, SAN, MSN, TN, VON, BUN, KFN, VN"


def seed_text() -> str:
    return SEED.read_text("utf-8")


def parse(text: str, **kwargs) -> Report:
    return parse_report(text, committees=COMMITTEES, **kwargs)


def parse_error(text: str, **kwargs) -> ReportFormatError:
    with pytest.raises(ReportFormatError) as info:
        parse(text, filename="r.txt", **kwargs)
    return info.value


def without_lines(items: tuple[ReportItem, ...]) -> list[ReportItem]:
    return [dataclasses.replace(item, line=0) for item in items]


# ------------------------------------------------------------------------------ seed


def test_seed_file_has_the_quirks_the_parser_must_handle() -> None:
    raw = seed_text()
    assert "\u00a0" in raw
    assert "\u00a0\n" in raw  # trailing (non-breaking) spaces
    assert not raw.rstrip().endswith("\n.")


def test_seed_parses_into_eight_items_with_period_titles_and_lines() -> None:
    report = parse(seed_text(), filename=str(SEED))
    assert report.period == Period(2022, 1)
    assert [item.line for item in report.items] == [3, 10, 17, 24, 31, 38, 45, 52]
    assert [item.title for item in report.items] == [
        "Genomför insatser kopplade till stadsrumsanalys Torvalla-Odensala för att motverka "
        "segregation och socioekonomiska ojämlikheter",
        "Tillsammans med polisen genomföra förebyggande utbildningsinsatser och tillsynen på "
        "restauranger och krogar för att minimera risken för överservering",
        "Ta fram en kommunövergripande strategi för fredstida kriser och höjd beredskap",
        "Utveckla arbetet med effektiv samordning för trygghet, EST",
        "Utveckla ett nytt linjenät för stadstrafiken",
        "Utred nya lösningar på dagvattenhantering i vår gatumiljö, både vid nybyggnationer och "
        "inom befintlig gatumiljö",
        "Öka tryggheten i stadskärnan genom att arbeta för att nå en Purple Flag-certifiering",
        "Genomför trygghetsvandring på de områden/platser i kommunen som identifierats i "
        "polisens och kommunens lägesbild inom det brottsförebyggande arbetet",
    ]


def test_seed_committees() -> None:
    items = parse(seed_text()).items
    assert [item.committees for item in items] == [
        ("KS",), ("SAN",), ("KS",), ("KS",), ("MSN",), ("MSN", "TN"), ("KS", "TN"), ("TN",)
    ]
    assert all(item.lead_committee is None for item in items)
    counts = Counter(code for item in items for code in item.committees)
    assert counts == {"KS": 4, "TN": 3, "MSN": 2, "SAN": 1}
    tn = [item.title for item in items if "TN" in item.committees]
    assert [t.split()[-1] for t in tn] == ["gatumiljö", "Flag-certifiering", "arbetet"]


def test_seed_statuses() -> None:
    items = parse(seed_text()).items
    categories = [item.category for item in items]
    assert categories.count(StatusCategory.ON_TRACK) == 7
    (done,) = [item for item in items if item.category is StatusCategory.DONE]
    assert done.title.endswith("trygghet, EST")
    assert done.status_sentence == "Uppdraget är genomfört."
    # The sentence is kept as written, only whitespace-normalised (it had "året.\xa0 ").
    assert items[0].status_sentence == "Uppdraget bedöms bli genomfört under året."
    assert items[4].status_sentence == "Uppdrag bedöms bli genomfört."


def test_seed_comments_are_whitespace_normalised() -> None:
    items = parse(seed_text()).items
    for item in items:
        assert item.comment
        assert "\u00a0" not in item.comment and "  " not in item.comment
        assert item.comment == item.comment.strip()
        assert "\n" not in item.comment  # each comment in the seed is one paragraph
    assert items[4].comment.startswith("Arbete pågår för att ta fram det slutliga förslaget")
    assert items[1].comment == (
        "Tillståndsenheten och Polisen har hittills under året genomfört tillsyn gemensamt vid "
        "3 tillfällen, med 3,7 respektive 11 restauranger per tillfälle. Utbildning i "
        "alkoholservering samt narkotika planeras till den 16 maj."
    )
    assert items[7].comment == (
        "Någon trygghetsvandring har ännu inte anordnats under året men beräknas komma att "
        "genomföras senare under året."
    )


def test_windows_line_endings_and_bom_give_the_same_items_and_lines() -> None:
    crlf = "\ufeff" + seed_text().replace("\n", "\r\n")
    assert parse(crlf) == parse(seed_text())


# --------------------------------------------------------------------------- heading


@pytest.mark.parametrize(
    "heading",
    [
        "T1 2022 Uppdrag Kommentar T1 2022",
        "T1  2022   Uppdrag.  Kommentar\u00a0T1 2022  ",
        "t1 2022 uppdrag. kommentar",
        "Uppdrag. Kommentar T1 2022",
        "Uppdrag T1 2022",
        "T1 2022 Uppdrag.",
        "T1 2022 Uppdrag. Kommentar T1 2022.",
    ],
)
def test_heading_variants_name_the_period(heading: str) -> None:
    text = seed_text().replace("T1 2022 Uppdrag. Kommentar T1 2022", heading, 1)
    report = parse(text)
    assert report.period == Period(2022, 1)
    assert len(report.items) == 8


def test_blank_lines_before_the_heading_are_fine() -> None:
    report = parse("\n  \n" + seed_text())
    assert report.period == Period(2022, 1)
    assert report.items[0].line == 5


def test_heading_without_period_takes_the_period_argument() -> None:
    text = (REPORTS / "uppdrag-utan-period.txt").read_text("utf-8")
    report = parse(text, period=Period(2023, 2))
    assert report.period == Period(2023, 2)
    assert [(i.title, i.committees, i.category) for i in report.items] == [
        ("Utveckla ett nytt linjenät för stadstrafiken", ("MSN",), StatusCategory.ON_TRACK)
    ]


def test_heading_without_period_and_no_argument_is_an_error_on_line_1() -> None:
    text = (REPORTS / "uppdrag-utan-period.txt").read_text("utf-8")
    error = parse_error(text)
    assert error.line == 1
    assert error.filename == "r.txt"
    assert "period is missing" in error.message
    assert '--period "T1 2022"' in error.message
    assert str(error).startswith("r.txt:1: ")


def test_heading_period_that_differs_from_the_argument_is_an_error() -> None:
    error = parse_error(seed_text(), period=Period(2022, 2))
    assert error.line == 1
    assert "T1 2022" in error.message and "T2 2022" in error.message


def test_heading_period_equal_to_the_argument_is_fine() -> None:
    assert parse(seed_text(), period=Period(2022, 1)).period == Period(2022, 1)


def test_heading_naming_two_different_periods_is_an_error() -> None:
    text = seed_text().replace("Kommentar T1 2022", "Kommentar T2 2022", 1)
    error = parse_error(text)
    assert error.line == 1
    assert "two different periods (T1 2022 and T2 2022)" in error.message


def test_missing_heading_is_an_error_naming_the_line() -> None:
    error = parse_error("\n.\nUtveckla friluftslivet (KFN)\n")
    assert error.line == 2
    assert "expected the report heading" in error.message


@pytest.mark.parametrize("text", ["", "   \n\u00a0\n\n", "\ufeff"])
def test_empty_report_is_an_error(text: str) -> None:
    error = parse_error(text)
    assert error.line == 1
    assert "empty" in error.message


def test_heading_without_assignments_is_an_error() -> None:
    error = parse_error("T1 2022 Uppdrag. Kommentar T1 2022\n.\n\n.\n")
    assert error.line == 1
    assert "no assignments" in error.message


# -------------------------------------------------------------------------- variants


@pytest.fixture(scope="module")
def variants() -> Report:
    path = REPORTS / "uppdrag-T3-2023-varianter.txt"
    return parse_report(path.read_text("utf-8"), committees=COMMITTEES, filename=str(path))


def test_variants_period_from_heading_without_full_stop(variants: Report) -> None:
    assert variants.period == Period(2023, 3)
    assert [item.line for item in variants.items] == [5, 9, 18, 23, 28, 34]


def test_status_label_before_lead_and_co_committees(variants: Report) -> None:
    item = variants.items[0]
    assert item.title == "Utveckla friluftslivet i hela kommunen"
    assert item.committees == ("KFN", "KS", "TN")
    assert item.lead_committee == "KFN"
    # The block has a label and no sentence: the label is the sentence.
    assert item.status_sentence == "Bedöms bli genomförd"
    assert item.category is StatusCategory.ON_TRACK
    assert item.comment == "Arbetet med friluftsplanen pågår tillsammans med föreningarna."


def test_committees_after_full_stop_and_not_done_and_paragraphs(variants: Report) -> None:
    item = variants.items[1]
    assert item.title == "Utveckla ett nytt linjenät för stadstrafiken"
    assert item.committees == ("MSN", "TN")
    assert item.lead_committee is None
    assert item.status_sentence == "Uppdraget är inte genomfört under året."
    assert item.category is StatusCategory.NOT_DONE
    assert item.comment == "Första stycket fortsätter på nästa rad.\n\nAndra stycket."


def test_full_committee_names(variants: Report) -> None:
    election, playgrounds, sports = variants.items[2], variants.items[3], variants.items[4]
    assert (election.title, election.committees) == ("Förbered valet 2026", ("VN",))
    assert election.category is StatusCategory.DONE
    assert election.status_sentence == "Uppdraget är genomfört under året"
    assert election.comment == ""
    assert playgrounds.title == "Rusta upp lekplatser i ytterområdena"
    assert playgrounds.committees == ("TN",)
    assert playgrounds.category is StatusCategory.AT_RISK
    assert playgrounds.status_sentence == "uppdraget bedöms inte bli genomfört under året."
    assert sports.committees == ("KFN", "BUN")
    assert sports.lead_committee is None


def test_label_and_sentence_keeps_the_sentence(variants: Report) -> None:
    item = variants.items[4]
    assert item.title == "Ta fram en idrottsplan"
    assert item.status_sentence == "Uppdraget bedöms bli genomfört under året."
    assert item.category is StatusCategory.ON_TRACK
    assert item.comment == "Planen remitteras i höst."


def test_block_without_status_sentence_is_not_reported(variants: Report) -> None:
    item = variants.items[5]  # also the last block, without a final "."
    assert (item.title, item.committees) == ("Inventera konstsamlingen", ("KFN",))
    assert item.status_sentence is None
    assert item.category is StatusCategory.NOT_REPORTED
    assert item.comment == "Inventeringen har inte påbörjats."


def test_status_sentence_with_comment_on_the_same_line() -> None:
    report = parse("T2 2022 Uppdrag\n.\nGör X (KS)\nUppdraget är genomfört. Allt klart.\nMer.\n")
    (item,) = report.items
    assert item.status_sentence == "Uppdraget är genomfört."
    assert item.category is StatusCategory.DONE
    assert item.comment == "Allt klart. Mer."


def test_separator_with_spaces_and_nbsp_and_no_leading_separator() -> None:
    text = "T1 2022 Uppdrag. Kommentar T1 2022\nGör X (KS)\n \u00a0.\u00a0 \nGör Y (tn)\n"
    report = parse(text)
    assert [(i.title, i.committees, i.line) for i in report.items] == [
        ("Gör X", ("KS",), 2),
        ("Gör Y", ("TN",), 4),
    ]


def test_committees_are_data_not_code() -> None:
    own = [Committee("GN", "Gymnasienämnden", ("gymnasie nämnden",))]
    report = parse_report("T1 2024 Uppdrag\n.\nGör X (Gymnasienämnden)\n", committees=own)
    assert report.items[0].committees == ("GN",)
    with pytest.raises(ReportFormatError) as info:
        parse_report("T1 2024 Uppdrag\n.\nGör X (KS)\n", committees=own)
    assert "'KS'" in info.value.message and "known committees: GN" in info.value.message


# ---------------------------------------------------------------------------- errors


def test_unknown_committee_names_the_line_and_lists_known_ones() -> None:
    text = (
        "T1 2022 Uppdrag. Kommentar T1 2022\n.\nGör X (KS)\n\nUppdraget är genomfört.\n"
        ".\nGör Y (KS, XYZ)\n"
    )
    error = parse_error(text)
    assert error.line == 7
    assert "unknown committee 'XYZ'" in error.message
    assert KNOWN in error.message
    assert str(error) == f"r.txt:7: {error.message}"


@pytest.mark.parametrize(
    "title", ["Utveckla friluftslivet. FRN (KS)", "Utveckla friluftslivet. MSN, FRN"]
)
def test_unknown_committee_in_the_other_layouts(title: str) -> None:
    error = parse_error(f"T1 2022 Uppdrag\n.\n{title}\n")
    assert error.line == 3
    assert "unknown committee 'FRN'" in error.message


@pytest.mark.parametrize(
    "title",
    ["Utveckla friluftslivet", "Utveckla friluftslivet. I hela kommunen", "(KS)", "Gör X ()"],
)
def test_title_without_committees_names_the_line(title: str) -> None:
    text = f"T1 2022 Uppdrag\n.\nGör X (KS)\n.\n\n{title}\n\nUppdraget är genomfört.\n"
    error = parse_error(text)
    assert error.line == 6
    expected = "expected an assignment title ending with its committees, e.g. '... (KS)'"
    assert expected in error.message


def test_junk_block_is_an_error_not_skipped() -> None:
    error = parse_error("T1 2022 Uppdrag\n.\nGör X (KS)\n.\n\nlorem ipsum\n.\n")
    assert error.line == 6
    assert "expected an assignment title" in error.message


def test_status_label_without_title_is_an_error() -> None:
    error = parse_error("T1 2022 Uppdrag\n.\nGör X (KS)\n.\nBedöms bli genomförd\n\n.\n")
    assert error.line == 5
    assert "after the status label" in error.message


def test_label_contradicting_the_sentence_is_an_error() -> None:
    text = (
        "T1 2022 Uppdrag\n.\nBedöms bli genomförd\nGör X (KS)\n"
        "Uppdraget är inte genomfört under året.\n"
    )
    error = parse_error(text)
    assert error.line == 3
    assert "contradicts" in error.message


def test_missing_separator_between_assignments_is_an_error() -> None:
    text = (
        "T1 2022 Uppdrag\n.\nGör X (KS)\n\nUppdraget är genomfört.\n\nKlart.\n"
        "Gör Y (TN)\n\nUppdraget är genomfört.\n"
    )
    error = parse_error(text)
    assert error.line == 10
    assert "'.' line missing" in error.message


def test_duplicate_title_names_the_second_line() -> None:
    text = "T1 2022 Uppdrag\n.\nGör X (KS)\n.\nGör Y (TN)\n.\ngör  x (MSN)\n"
    error = parse_error(text)
    assert error.line == 7
    assert "duplicate" in error.message and "line 3" in error.message


# ------------------------------------------------------------------------ round trip


def test_render_layout() -> None:
    report = Report(
        Period(2023, 3),
        (
            ReportItem("Gör X", ("KFN", "KS", "TN"), "KFN", "Bedöms bli genomförd",
                       StatusCategory.ON_TRACK, "Ett.\n\nTvå.", 0),
            ReportItem("Gör Y", ("MSN", "TN"), None, None, StatusCategory.NOT_REPORTED, "", 0),
        ),
    )
    assert render_report(report) == (
        "T3 2023 Uppdrag. Kommentar T3 2023\n"
        ".\nGör X. KFN (KS, TN)\n\nBedöms bli genomförd\n\nEtt.\n\nTvå.\n\n"
        ".\nGör Y (MSN, TN)\n\n"
    )


def test_round_trip_seed() -> None:
    report = parse(seed_text())
    again = parse(render_report(report))
    assert again.period == report.period
    assert without_lines(again.items) == without_lines(report.items)
    assert render_report(again) == render_report(report)


def test_round_trip_variants(variants: Report) -> None:
    again = parse(render_report(variants))
    assert again.period == variants.period
    assert without_lines(again.items) == without_lines(variants.items)


# --------------------------------------------------------------------------- layouts
# One fixture per layout, made of the seed's real blocks: each parses to the same items as
# the seed's blocks (but lines), and renders to the standard layout.

T1 = Period(2022, 1)
SAN_WITH_BULLETS = (
    "Tillståndsenheten och Polisen har hittills under året:\n"
    "• genomfört tillsyn gemensamt vid 3 tillfällen, med 3,7 respektive 11 restauranger "
    "per tillfälle,\n"
    "• planerar utbildning i alkoholservering samt narkotika till den 16 maj."
)


def layout(name: str) -> str:
    return (REPORTS / f"layout-{name}.txt").read_text("utf-8")


def seed_items(*indexes: int) -> list[ReportItem]:
    items = without_lines(parse(seed_text()).items)
    return [items[i] for i in indexes]


def pdf_text_expected() -> list[ReportItem]:
    """The seed's blocks 1, 2, 4, 6 and 7; block 2's comment made a list."""
    first, san, *rest = seed_items(0, 1, 3, 5, 6)
    return [first, dataclasses.replace(san, comment=SAN_WITH_BULLETS), *rest]


LAYOUTS = {
    # name: (the items expected, their title lines)
    "status-word-separators": (lambda: seed_items(0, 1, 3, 4), [4, 11, 19, 24]),
    "no-separators": (lambda: seed_items(2, 4, 5, 6, 7), [3, 10, 16, 23, 27]),
    "pdf-text": (pdf_text_expected, [5, 11, 25, 30, 47]),
}


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_gives_the_seeds_items(name: str) -> None:
    expected, lines = LAYOUTS[name]
    report = parse(layout(name))
    assert report.period == T1
    assert [item.line for item in report.items] == lines
    assert [(i.title, i.committees, i.category, i.status_sentence) for i in report.items] == [
        (i.title, i.committees, i.category, i.status_sentence) for i in expected()
    ]
    assert [item.comment for item in report.items] == [item.comment for item in expected()]
    assert without_lines(report.items) == expected()


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_round_trip_renders_the_standard_layout(name: str) -> None:
    report = parse(layout(name))
    rendered = render_report(report)
    assert rendered == render_report(Report(T1, tuple(LAYOUTS[name][0]())))
    assert rendered.startswith("T1 2022 Uppdrag. Kommentar T1 2022\n.\n")
    assert rendered.count("\n.\n") == len(report.items)
    again = parse(rendered)
    assert again.period == report.period
    assert without_lines(again.items) == without_lines(report.items)
    assert render_report(again) == rendered


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_with_windows_line_endings_gives_the_same_items_and_lines(name: str) -> None:
    text = layout(name)
    crlf = "\ufeff" + text.replace("\n", "\r\n")
    assert "\r\n" in crlf
    assert parse(crlf) == parse(text)


def test_rendered_seed_is_unchanged_by_the_new_layouts() -> None:
    # The export's exact round trip: the seed renders as it always did.
    rendered = render_report(parse(seed_text()))
    assert rendered.startswith(
        "T1 2022 Uppdrag. Kommentar T1 2022\n.\n"
        "Genomför insatser kopplade till stadsrumsanalys Torvalla-Odensala för att motverka "
        "segregation och socioekonomiska ojämlikheter (KS)\n\n"
        "Uppdraget bedöms bli genomfört under året.\n\n"
        "Identifiering av vilka analyser som ska göras är genomförd medan insatser utifrån "
        "analyserna kvarstår att göra.\n\n.\n"
    )


# ------------------------------------------------------------- status word separators


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("Genomförd", StatusCategory.DONE),
        ("genomfört.", StatusCategory.DONE),
        ("Bedöms bli genomförd", StatusCategory.ON_TRACK),
        ("BEDÖMS BLI GENOMFÖRT.", StatusCategory.ON_TRACK),
        ("Bedöms ej bli genomförd", StatusCategory.AT_RISK),
        ("bedöms inte bli genomfört", StatusCategory.AT_RISK),
        ("Ej genomförd.", StatusCategory.NOT_DONE),
        ("ej genomfört", StatusCategory.NOT_DONE),
    ],
)
def test_status_word_starts_a_block_and_gives_its_status(
    word: str, category: StatusCategory
) -> None:
    text = f"Uppdrag T1 2022\n{word}\nGör X (KS)\n\nKlart i maj.\n{word}\nGör Y (TN)\n"
    report = parse(text)
    assert [(i.title, i.committees, i.status_sentence, i.category, i.comment, i.line)
            for i in report.items] == [
        ("Gör X", ("KS",), word, category, "Klart i maj.", 3),
        ("Gör Y", ("TN",), word, category, "", 7),
    ]


def test_status_word_right_after_a_title_is_the_next_label_only_before_a_title() -> None:
    # "Ej genomförd" before a title starts the next block; before a comment it is the
    # block's status sentence.
    text = (
        "Uppdrag T1 2022\n"
        "Genomförd\nGör X (KS)\n\n"
        "Ej genomförd\nGör Y (TN)\n"
        "Ej genomförd\nArbetet har inte börjat.\n"
        "Bedöms bli genomförd\nGör Z\n(MSN)\n"
    )
    report = parse(text)
    assert [(i.title, i.status_sentence, i.category, i.comment) for i in report.items] == [
        ("Gör X", "Genomförd", StatusCategory.DONE, ""),
        ("Gör Y", "Ej genomförd", StatusCategory.NOT_DONE, "Arbetet har inte börjat."),
        ("Gör Z", "Bedöms bli genomförd", StatusCategory.ON_TRACK, ""),
    ]


def test_status_word_disagreeing_with_the_sentence_names_the_line_and_both_texts() -> None:
    text = layout("status-word-separators").replace("\nGenomfört\n", "\nEj genomfört\n")
    error = parse_error(text)
    assert str(error) == (
        "r.txt:18: the status label 'Ej genomfört' contradicts the status sentence "
        "'Uppdraget är genomfört.' on line 20"
    )


def test_status_sentence_in_a_comment_of_the_status_word_layout_is_an_error() -> None:
    text = "Uppdrag T1 2022\nGenomförd\nGör X (KS)\nKlart.\n\nUppdraget är genomfört.\n"
    error = parse_error(text)
    assert error.line == 6
    assert error.message == (
        "unexpected status sentence in the comment of the assignment on line 3; is the status "
        "label (e.g. 'Bedöms bli genomförd') missing before the next assignment?"
    )


def test_status_word_without_a_title_after_it_is_an_error() -> None:
    text = "Uppdrag T1 2022\nGenomförd\nGör X (KS)\nKlart.\nGenomförd\nInget mer att säga.\n"
    error = parse_error(text)
    assert error.line == 6
    assert "expected an assignment title ending with its committees" in error.message
    assert "found 'Inget mer att säga.'" in error.message


# -------------------------------------------------------------------- no separators


def no_separators(comment: str) -> Report:
    """Two blocks without separators, the first with ``comment``."""
    return parse(
        "T1 2022 Uppdrag\n\nGör X (TN)\n\nUppdraget bedöms bli genomfört.\n\n"
        f"{comment}\n\nGör Y (MSN)\n\nUppdraget är genomfört.\n"
    )


def test_comment_line_ending_with_committees_stays_in_the_comment() -> None:
    # Not followed by a status sentence: not a title.
    report = no_separators("Arbetet samordnas med kommunstyrelsen (KS)\n\nMer om det.")
    assert [(i.title, i.comment) for i in report.items] == [
        ("Gör X", "Arbetet samordnas med kommunstyrelsen (KS)\n\nMer om det."),
        ("Gör Y", ""),
    ]


def test_comment_ending_with_committees_before_the_next_title_stays_in_the_comment() -> None:
    report = no_separators("Samordnas med kommunstyrelsen (KS)")
    assert [(i.title, i.committees, i.comment) for i in report.items] == [
        ("Gör X", ("TN",), "Samordnas med kommunstyrelsen (KS)"),
        ("Gör Y", ("MSN",), ""),
    ]


@pytest.mark.parametrize("ending", ["(RSA)", "(risk- och sårbarhetsanalys).", "(KS, XYZ)"])
def test_comment_line_ending_with_other_parentheses_stays_in_the_comment(ending: str) -> None:
    report = no_separators(f"Det görs i samband med nästa analys {ending}")
    assert report.items[0].comment == f"Det görs i samband med nästa analys {ending}"
    assert [i.title for i in report.items] == ["Gör X", "Gör Y"]


def test_title_like_line_continuing_a_sentence_is_not_a_title() -> None:
    # "kommunstyrelsen (KS)" ends a sentence that began on the line before, after another
    # sentence: no title; the status sentence after it is an error, not a guess.
    text = (
        "T1 2022 Uppdrag\nGör X (TN)\nUppdraget är genomfört.\nKlart.\n"
        "Arbetet pågår. Det har samordnats med\nkommunstyrelsen (KS)\n"
        "Uppdraget bedöms bli genomfört.\n"
    )
    error = parse_error(text)
    assert error.line == 7
    assert error.message == (
        "unexpected status sentence in the comment of the assignment on line 2; does the next "
        "assignment's title end with its committees in parentheses, e.g. '... (KS)', after a "
        "blank line?"
    )


def test_wrapped_title_after_a_comment_does_not_take_the_comments_last_line() -> None:
    text = (
        "T1 2022 Uppdrag\nGör X (TN)\nUppdraget bedöms bli genomfört.\nArbetet pågår.\n"
        "Allt är klart.\nGör Y för\nhela kommunen (MSN)\nUppdraget är genomfört.\n"
    )
    assert [(i.title, i.comment, i.line) for i in parse(text).items] == [
        ("Gör X", "Arbetet pågår. Allt är klart.", 2),
        ("Gör Y för hela kommunen", "", 6),
    ]


def test_only_a_title_with_committees_in_parentheses_starts_a_block_without_separators() -> None:
    text = "T1 2022 Uppdrag\nGör X (TN)\n\nKlart.\n\nGör Y. MSN\n\nUppdraget är genomfört.\n"
    error = parse_error(text)
    assert error.line == 8
    assert "committees in parentheses" in error.message


def test_first_block_without_status_sentence_in_the_no_separator_layout() -> None:
    report = parse(
        "T1 2022 Uppdrag\n\nGör X (KS)\n\nEj påbörjat.\n\nGör Y (TN)\n\nUppdraget är genomfört.\n"
    )
    assert [(i.title, i.category, i.status_sentence, i.comment) for i in report.items] == [
        ("Gör X", StatusCategory.NOT_REPORTED, None, "Ej påbörjat."),
        ("Gör Y", StatusCategory.DONE, "Uppdraget är genomfört.", ""),
    ]


# ------------------------------------------------------------------ text from a PDF


@pytest.mark.parametrize(
    "page_number", ["Sida 2 av 3", "Sida 2", "2 (3)", "2/3", "- 2 -", "– 2 –", "2", "Page 2 of 3"]
)
def test_page_numbers_are_dropped(page_number: str) -> None:
    text = layout("pdf-text").replace("Sida 2 av 3", page_number)
    assert without_lines(parse(text).items) == pdf_text_expected()


def test_page_break_inside_a_comment_joins_the_paragraph() -> None:
    (item,) = [i for i in parse(layout("pdf-text")).items if "MSN" in i.committees]
    assert item.title == (
        "Utred nya lösningar på dagvattenhantering i vår gatumiljö, både vid nybyggnationer "
        "och inom befintlig gatumiljö"
    )
    assert "\n" not in item.comment
    assert "anpassas till de lokala förutsättningar som gäller." in item.comment
    assert "Östersunds kommun" not in item.comment and "Sida" not in item.comment


def test_page_break_after_a_full_sentence_keeps_a_blank_line_as_a_paragraph_break() -> None:
    text = (
        "Östersunds kommun\nT1 2022 Uppdrag\n.\nGör X (KS)\nUppdraget är genomfört.\n"
        "Första stycket slutar här.\n\nSida 1 av 2\nÖstersunds kommun\n\nAndra stycket.\n"
        "Sida 2 av 2\n"
    )
    (item,) = parse(text).items
    assert item.comment == "Första stycket slutar här.\n\nAndra stycket."


def test_page_break_between_two_lines_of_a_title() -> None:
    text = (
        "T1 2022 Uppdrag\n.\nÖka tryggheten i stadskärnan genom att arbeta för att nå en\n"
        "3 (4)\n\nT1 2022 Uppdrag\n\nPurple Flag-certifiering (KS, TN)\n"
        "Uppdraget bedöms bli genomfört under året.\n"
    )
    (item,) = parse(text).items
    assert item.title == (
        "Öka tryggheten i stadskärnan genom att arbeta för att nå en Purple Flag-certifiering"
    )
    assert (item.committees, item.line) == (("KS", "TN"), 3)


def test_repeated_comment_text_next_to_one_page_break_is_kept() -> None:
    text = (
        "T1 2022 Uppdrag\n.\nGör X (KS)\nArbete pågår.\nSida 1 av 2\n.\nGör Y (TN)\n"
        "Arbete pågår.\n.\nGör Z (MSN)\nKlart.\nSida 2 av 2\n"
    )
    assert [i.comment for i in parse(text).items] == ["Arbete pågår.", "Arbete pågår.", "Klart."]


def test_text_repeated_next_to_two_page_breaks_is_a_footer() -> None:
    # The limit of the rule: a comment that is the same text just before two page numbers
    # reads as the pages' footer.
    text = (
        "T1 2022 Uppdrag\n.\nGör X (KS)\nArbete pågår.\nSida 1 av 2\n.\nGör Y (TN)\n"
        "Arbete pågår.\n.\nGör Z (MSN)\nArbete pågår.\nSida 2 av 2\n"
    )
    assert [i.comment for i in parse(text).items] == ["", "Arbete pågår.", ""]


def test_header_before_the_heading_is_dropped_where_it_comes_again() -> None:
    text = (
        "Östersunds kommun\nT1 2022 Uppdrag\n.\nGör X (KS)\nArbetet\nÖSTERSUNDS  KOMMUN\n"
        "pågår.\n"
    )
    (item,) = parse(text).items
    assert item.comment == "Arbetet pågår."


def test_a_whole_comment_that_reads_as_a_title_before_a_status_sentence_is_a_title() -> None:
    # The limit of the layout without separators: nothing tells these lines from a title.
    text = (
        "T1 2022 Uppdrag\nGör X (TN)\nUppdraget är genomfört.\nArbetet har samordnats med\n"
        "kommunstyrelsen (KS)\nUppdraget bedöms bli genomfört.\n"
    )
    assert [(i.title, i.line) for i in parse(text).items] == [
        ("Gör X", 2), ("Arbetet har samordnats med kommunstyrelsen", 4)
    ]


def test_known_header_text_is_dropped_where_it_is_not_repeated() -> None:
    text = (
        "Östersunds kommun\nT1 2022 Uppdrag\n.\nGör X (KS)\nArbetet\n"
        "Kommunfullmäktige 2022-06-20\npågår.\n"
    )
    error = parse_error(text)
    assert str(error) == (
        "r.txt:1: expected the report heading, e.g. 'T1 2022 Uppdrag. Kommentar T1 2022', "
        "found 'Östersunds kommun'"
    )
    (item,) = parse(text, noise=["Östersunds kommun", "kommunfullmäktige 2022-06-20"]).items
    assert item.comment == "Arbetet pågår."


# -------------------------------------------------------------------- bullet lists


@pytest.mark.parametrize("marker", ["• ", "•", "- ", "– ", "* ", "● "])
def test_bullets_keep_their_lines_with_one_marker(marker: str) -> None:
    text = (
        "T1 2022 Uppdrag\n.\nGör X (KS)\nUppdraget är genomfört.\nDet här har gjorts:\n"
        f"{marker}tillsyn vid 3\ntillfällen\n{marker}utbildning\n\nAndra stycket.\n"
    )
    (item,) = parse(text).items
    assert item.comment == (
        "Det här har gjorts:\n• tillsyn vid 3 tillfällen\n• utbildning\n\nAndra stycket."
    )
    rendered = render_report(parse(text))
    assert (
        "Det här har gjorts:\n• tillsyn vid 3 tillfällen\n• utbildning\n\nAndra stycket.\n"
    ) in rendered
    assert parse(rendered).items[0].comment == item.comment
