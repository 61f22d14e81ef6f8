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
