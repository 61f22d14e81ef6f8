"""The published follow-up report format: parse and render (pure).

A report is a heading line ("T1 2022 Uppdrag. Kommentar T1 2022") followed by one block
per assignment, blocks separated by a line holding a single ".". A block is::

    [status label]                 optional, e.g. "Bedöms bli genomförd"
    title (KS, TN)                 or "title. KFN (KS, TN)" or "title. MSN, TN"
    [status sentence]              e.g. "Uppdraget bedöms bli genomfört under året."
    [comment paragraphs]           separated by blank lines

Blank lines are otherwise insignificant. Anything the parser does not understand raises
``ReportFormatError`` naming the file and line; nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from domain.committees import Committee
from domain.periods import Period, PeriodError
from domain.statuses import StatusCategory, classify
from domain.text import clean, fold

HEADING_EXAMPLE = "T1 2022 Uppdrag. Kommentar T1 2022"
TITLE_EXAMPLE = "... (KS)"


@dataclass(frozen=True)
class ReportItem:
    title: str  # without the committees, clean()ed
    committees: tuple[str, ...]  # abbreviations, lead committee first when given
    lead_committee: str | None  # only for the "title. KFN (KS, TN)" layout
    status_sentence: str | None  # as written, clean()ed; None if the report has none
    category: StatusCategory  # NOT_REPORTED when there is no sentence
    comment: str  # clean()ed paragraphs joined by "\n\n"; "" if none
    line: int  # 1-based line number of the title


@dataclass(frozen=True)
class Report:
    period: Period
    items: tuple[ReportItem, ...]


class ReportFormatError(ValueError):
    """A report that does not follow the format; ``str(e)`` is "file:line: message"."""

    def __init__(self, filename: str, line: int, message: str) -> None:
        super().__init__(f"{filename}:{line}: {message}")
        self.filename = filename
        self.line = line
        self.message = message


class _LineError(Exception):
    """Raised by the helpers; ``parse_report`` adds the file name."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(line, message)
        self.line = line
        self.message = message


# --------------------------------------------------------------------------- heading

_PERIOD = r"t\s*[123](?:\s*[-/ ]?\s*(?:19|20)\d\d)?"
_HEADING = re.compile(
    rf"^(?:(?P<first>{_PERIOD})\s*)?uppdrag\s*\.?(?:\s*kommentar)?"
    rf"(?:\s*(?P<last>{_PERIOD}))?\s*\.?$",
    re.IGNORECASE,
)


def _heading_period(number: int, text: str, given: Period | None) -> Period:
    match = _HEADING.match(text)
    if not match:
        raise _LineError(
            number, f"expected the report heading, e.g. '{HEADING_EXAMPLE}', found '{text}'"
        )
    named: set[Period] = set()
    for token in (match["first"], match["last"]):
        if token:
            try:
                named.add(Period.parse(token, default_year=given.year if given else None))
            except PeriodError:  # a term without a year, and no period given
                raise _LineError(number, _missing_period(text)) from None
    if len(named) > 1:
        labels = " and ".join(sorted(p.label for p in named))
        raise _LineError(number, f"the heading names two different periods ({labels})")
    if not named:
        if given is None:
            raise _LineError(number, _missing_period(text))
        return given
    (period,) = named
    if given is not None and given != period:
        raise _LineError(
            number, f"the heading says {period.label} but the period given is {given.label}"
        )
    return period


def _missing_period(text: str) -> str:
    return f"the period is missing from the heading '{text}'; pass --period \"T1 2022\""


# ------------------------------------------------------------------------ committees

_ABBREVIATION_LIKE = re.compile(r"^[A-ZÅÄÖ]{2,6}$")
_SEPARATORS = re.compile(r"[,;/]")


def _key(name: str) -> str:
    """"Social- och arbetsmarknadsnämnden" and "social och arbetsmarknadsnämnden" match."""
    return fold(name.replace("-", " ").rstrip(". "))


class _Committees:
    def __init__(self, committees: Sequence[Committee]) -> None:
        self.known = ", ".join(c.abbreviation for c in committees)
        self._by_key: dict[str, str] = {}
        for committee in committees:
            for name in (committee.abbreviation, committee.name, *committee.aliases):
                self._by_key.setdefault(_key(name), committee.abbreviation)

    def resolve(self, number: int, text: str, *, loose: bool) -> tuple[str, ...] | None:
        """The abbreviations in "MSN, Tekniska nämnden".

        Unknown names raise. With ``loose`` (text that may just be the end of a title)
        the text returns None instead unless every unknown part looks like an abbreviation.
        """
        parts = [p.strip() for p in _SEPARATORS.split(text) if p.strip()]
        found = [self._by_key.get(_key(p)) for p in parts]
        unknown = [p for p, abbreviation in zip(parts, found) if abbreviation is None]
        if not parts or (loose and not all(_ABBREVIATION_LIKE.match(p) for p in unknown)):
            return None
        if unknown:
            names = ", ".join(f"'{p}'" for p in unknown)
            raise _LineError(number, f"unknown committee {names}; known committees: {self.known}")
        return tuple(dict.fromkeys(found))  # type: ignore[arg-type]  # no None left


# ----------------------------------------------------------------------------- title

_PARENTHESES = re.compile(r"^(?P<head>.*?)\s*\((?P<names>[^()]*)\)\s*\.?$")


def _parse_title(
    number: int, text: str, committees: _Committees
) -> tuple[str, tuple[str, ...], str | None]:
    """(title, committees, lead) from "title (MSN, TN)", "title. KFN (KS, TN)" or "title. MSN"."""
    lead = None
    match = _PARENTHESES.match(text)
    if match:
        title, names = match["head"], committees.resolve(number, match["names"], loose=False)
        before, dot, last = title.rpartition(".")
        if names and dot and before.strip():
            lead_names = committees.resolve(number, last, loose=True)
            if lead_names is not None and len(lead_names) == 1:
                (lead,) = lead_names
                title = before
                names = (lead, *(n for n in names if n != lead))
    else:
        title, dot, tail = text.rstrip(". ").rpartition(".")
        names = committees.resolve(number, tail, loose=True) if dot else None
    title = clean(title)
    if not names or not title:
        raise _LineError(
            number,
            f"expected an assignment title ending with its committees, e.g. '{TITLE_EXAMPLE}' "
            f"(known committees: {committees.known}), found '{text}'",
        )
    return title, names, lead


# ------------------------------------------------------------------------ status line

_FIRST_SENTENCE = re.compile(r"^(?P<sentence>.+?[.!])\s+(?P<rest>\S.*)$")


def _split_status(text: str) -> tuple[str, str] | None:
    """("Uppdraget är genomfört.", "rest of line") when the line starts with a status sentence."""
    if classify(text) is not None:
        return text, ""
    match = _FIRST_SENTENCE.match(text)
    if match and classify(match["sentence"]) is not None:
        return match["sentence"], match["rest"]
    return None


# ----------------------------------------------------------------------------- blocks

_Line = tuple[int, str]  # (1-based number, clean()ed text; "" when blank)


def _lines(text: str) -> list[_Line]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [(number, clean(line)) for number, line in enumerate(text.split("\n"), start=1)]


def _blocks(lines: list[_Line]) -> list[list[_Line]]:
    blocks: list[list[_Line]] = [[]]
    for line in lines:
        if line[1] == ".":
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [block for block in blocks if any(text for _, text in block)]


def _parse_block(block: list[_Line], committees: _Committees) -> ReportItem:
    """One block: [label] title [sentence] [comment paragraphs], as a small state machine."""
    state = "label"
    label: _Line | None = None
    title, names, lead, title_line = "", (), None, 0
    sentence: str | None = None
    paragraphs: list[list[str]] = [[]]
    for number, text in block:
        if not text:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if state == "label" and classify(text) is not None:
            label, state = (number, text), "title"
            continue
        if state in ("label", "title"):
            title, names, lead = _parse_title(number, text, committees)
            title_line, state = number, "sentence"
            continue
        if state == "sentence":
            state = "comment"
            split = _split_status(text)
            if split:
                sentence, text = split
                if not text:
                    continue
        if classify(text) is not None:
            raise _LineError(
                number,
                f"unexpected status sentence in the comment of the assignment on line "
                f"{title_line}; is the '.' line missing before the next assignment?",
            )
        paragraphs[-1].append(text)
    if label is not None and state == "title":
        raise _LineError(
            label[0],
            f"expected an assignment title ending with its committees after the status "
            f"label '{label[1]}', e.g. '{TITLE_EXAMPLE}'",
        )
    if label is not None and sentence is not None and classify(label[1]) != classify(sentence):
        raise _LineError(
            label[0], f"the status label '{label[1]}' contradicts the status sentence '{sentence}'"
        )
    if sentence is None and label is not None:
        sentence = label[1]
    return ReportItem(
        title=title,
        committees=names,
        lead_committee=lead,
        status_sentence=sentence,
        category=(classify(sentence) if sentence else None) or StatusCategory.NOT_REPORTED,
        comment="\n\n".join(clean(" ".join(p)) for p in paragraphs if p),
        line=title_line,
    )


# ------------------------------------------------------------------------- public API


def parse_report(
    text: str,
    *,
    committees: Sequence[Committee],
    filename: str = "<text>",
    period: Period | None = None,
) -> Report:
    """Parse a published report. ``period`` is required when the heading names none."""
    try:
        lines = _lines(text)
        first = next((i for i, (_, line) in enumerate(lines) if line), None)
        if first is None:
            raise _LineError(
                1, f"the report is empty; expected a heading such as '{HEADING_EXAMPLE}'"
            )
        heading_number, heading = lines[first]
        report_period = _heading_period(heading_number, heading, period)
        known = _Committees(committees)
        items: list[ReportItem] = []
        seen: dict[str, int] = {}
        for block in _blocks(lines[first + 1 :]):
            item = _parse_block(block, known)
            key = fold(item.title)
            if key in seen:
                raise _LineError(
                    item.line, f"duplicate assignment '{item.title}', already on line {seen[key]}"
                )
            seen[key] = item.line
            items.append(item)
        if not items:
            raise _LineError(heading_number, "the report has no assignments after the heading")
    except _LineError as error:
        raise ReportFormatError(filename, error.line, error.message) from None
    return Report(period=report_period, items=tuple(items))


def _render_title(item: ReportItem) -> str:
    co = [c for c in item.committees if c != item.lead_committee]
    if item.lead_committee and co:
        return f"{item.title}. {item.lead_committee} ({', '.join(co)})"
    return f"{item.title} ({', '.join(item.committees)})"


def render_report(report: Report) -> str:
    """The published format; ``parse_report(render_report(r))`` gives ``r`` back (but lines)."""
    label = report.period.label
    out = [f"{label} Uppdrag. Kommentar {label}"]
    for item in report.items:
        out += [".", _render_title(item), ""]
        if item.status_sentence:
            out += [item.status_sentence, ""]
        for paragraph in item.comment.split("\n\n"):
            if paragraph.strip():
                out += [paragraph, ""]
    return "\n".join(out) + "\n"
