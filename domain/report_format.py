"""The published follow-up report format: parse and render (pure).

A report is a heading line naming the period ("T1 2022 Uppdrag. Kommentar T1 2022", also
without the full stop, the "Kommentar" part or one of the periods: "Uppdrag T1 2022",
"Uppdrag. Kommentar T1 2022") followed by one block per assignment. A block is::

    [status label]                 optional, e.g. "Bedöms bli genomförd"
    title (KS, TN)                 or "title. KFN (KS, TN)" or "title. MSN, TN"; the title
                                   may be wrapped over up to three lines
    [status sentence]              e.g. "Uppdraget bedöms bli genomfört under året."
    [comment paragraphs]           separated by blank lines

Where a block has both a label and a sentence they must agree (else an error names the
label's line and both texts); a block with a label only takes the label as its sentence.
Anything the parser does not understand raises ``ReportFormatError`` naming the file and
line; nothing is skipped silently (but page headers and footers, see below).

Layouts: how blocks are separated (``_layout`` picks one per report, ``_starts_block``
holds the rules):

* dots, the published layout and what ``render_report`` writes: a line holding a single
  "." between blocks. Only these lines start a block, so a status sentence inside a
  comment is an error ("is the '.' line missing?").
* status words (no "." line; the first block starts with a status label): each block
  starts with its status label, "Genomförd", "Bedöms bli genomförd", "Bedöms ej bli
  genomförd", "Ej genomförd" (any case, full stop or not, -d or -t; no "Uppdraget"). Such
  a line starts the next block once the comment has begun, or right after the title when
  a title follows it; otherwise it is the block's status sentence.
* titles (no "." line, no label first; blocks separated by blank lines only): a new block
  starts at a title whose committees are in parentheses and all known, when it follows a
  blank line or a line that ends a sentence, the title (wrapped or not) holds no sentence
  end (".", "!", "?"; so a comment's last line is not taken for its first line), and a
  status sentence follows it (after blank lines, if any). So a comment line that ends with
  "(KS)" stays in the comment unless a status sentence follows it, and in this layout only
  the first block may lack a status sentence. (A whole comment that reads as a title and is
  followed by a status sentence cannot be told from one: it is read as a title.)

Comments: the lines of a paragraph are joined with spaces. A line starting with a bullet
("•", "-", "–", "*", ...) starts a list item, and the lines after it (up to the next item or
blank line) continue that item. A comment is stored as its paragraphs joined by "\\n\\n";
within a paragraph, its text before the list and each item, as "• item", are joined by
"\\n"::

    "Arbetet har påbörjats:\\n• inventering\\n• upphandling\\n\\nAndra stycket."

``render_report`` writes each of those lines as a line, so parsing gives the comment back.

Text copied or extracted from a PDF has the pages' headers and footers in it, even in the
middle of a comment. ``_without_page_noise`` drops them first: a line is page noise when

1. it is a page number: "3", "Sida 3", "Sida 3 av 12", "3 (12)", "3/12", "- 3 -";
2. it is one of the ``noise`` texts the caller knows (e.g. the municipality's name);
3. it is the heading line again;
4. it comes before the heading and occurs again later (the first page's header; lines
   before the heading that are not noise make the heading missing), or it is a later
   occurrence of such a line;
5. it occurs at least twice right next to other page noise (only blank lines between),
   as a header or footer of several pages does: those occurrences are dropped.

Lines are compared case-insensitively with their digits ignored ("Östersunds kommun 2 (5)"
repeats), and the report's own structure (".", status lines, list items) is never noise by
rules 4 and 5. Where noise was dropped and the line before it does not end a sentence, the
blank lines around it go too, so a paragraph split by a page break is one paragraph again.
Lines keep their numbers in the original text. Not handled: a header on the same line as
body text, a status sentence wrapped over two lines, and paragraph breaks that a PDF's text
does not show (its comment paragraphs then read as one).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal, Sequence

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
    comment: str  # clean()ed paragraphs joined by "\n\n", list items by "\n"; "" if none
    line: int  # 1-based line number of the title (its first line)


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


_Line = tuple[int, str]  # (1-based number, clean()ed text; "" when blank)
_Layout = Literal["dots", "words", "titles"]

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


# ------------------------------------------------------------------- lines and words

_SENTENCE_END = re.compile(r"[.!?][)\"'”’»]*$")
_BULLET = re.compile(r"^(?:[•●▪◦‣∙\uf0b7]\s*|[-–—*]\s+)(?P<text>\S.*)$")
_FIRST_SENTENCE = re.compile(r"^(?P<sentence>.+?[.!])\s+(?P<rest>\S.*)$")


def _ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def _split_status(text: str) -> tuple[str, str] | None:
    """("Uppdraget är genomfört.", "rest of line") when the line starts with a status sentence."""
    if classify(text) is not None:
        return text, ""
    match = _FIRST_SENTENCE.match(text)
    if match and classify(match["sentence"]) is not None:
        return match["sentence"], match["rest"]
    return None


def _is_status_label(text: str) -> bool:
    """"Genomförd", "Bedöms ej bli genomfört.": a status without "Uppdraget"."""
    return classify(text) is not None and not fold(text).startswith("uppdrag")


def _structural(text: str) -> bool:
    """A separator, status or list item line: never a page header or footer."""
    return text == "." or classify(text) is not None or bool(_BULLET.match(text))


def _next_text(lines: Sequence[_Line], index: int) -> int | None:
    """The index of the first non-blank line from ``index`` on."""
    return next((i for i in range(index, len(lines)) if lines[i][1]), None)


# ----------------------------------------------------------------------------- title

_PARENTHESES = re.compile(r"^(?P<head>.*?)\s*\((?P<names>[^()]*)\)\s*\.?$")
_SENTENCE_BREAK = re.compile(r"[.!?](?:\s|$)")  # "Arbetet pågår. Det har ..." is no title
_TITLE_LINES = 3  # a title wrapped over more lines is not recognised


def _title_parts(
    number: int, text: str, committees: _Committees
) -> tuple[str, tuple[str, ...], str | None] | None:
    """(title, committees, lead) from "title (MSN, TN)", "title. KFN (KS, TN)" or "title. MSN".

    None when the text does not end with committees; unknown committees raise.
    """
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
    return (title, names, lead) if names and title else None


def _read_title(
    lines: Sequence[_Line],
    start: int,
    committees: _Committees,
    *,
    probe: bool = False,
    parenthesised: bool = False,
) -> tuple[str, tuple[str, ...], str | None, int] | None:
    """(title, committees, lead, index after the title) for the title at ``lines[start]``.

    The title is the fewest consecutive lines (up to three) that together end with the
    committees. Where a block starts, anything else raises. A ``probe`` (could a block start
    here?) returns None instead and wants a title without a full stop (but before a lead
    committee); with ``parenthesised`` it only takes committees in parentheses.
    """
    texts: list[str] = []
    for index in range(start, min(start + _TITLE_LINES, len(lines))):
        number, text = lines[index]
        if not text or _BULLET.match(text) or _split_status(text) is not None or text == ".":
            break
        texts.append(text)
        joined = clean(" ".join(texts))
        if parenthesised and not _PARENTHESES.match(joined):
            continue
        try:
            parts = _title_parts(number, joined, committees)
        except _LineError:
            if probe:
                continue
            raise
        if parts and not (probe and _SENTENCE_BREAK.search(parts[0])):
            return (*parts, index + 1)
    if probe:
        return None
    number, text = lines[start]
    raise _LineError(
        number,
        f"expected an assignment title ending with its committees, e.g. '{TITLE_EXAMPLE}' "
        f"(known committees: {committees.known}), found '{text}'",
    )


# ------------------------------------------------------------------------ page noise

_PAGE_NUMBER = re.compile(
    r"^(?:"
    r"(?:sida|sid\.?|page) ?\d{1,3}(?: ?(?:av|of|/) ?\d{1,3})?"  # Sida 3, Sida 3 av 12
    r"|\d{1,3} ?(?:/|av|of) ?\d{1,3}"  # 3/12, 3 av 12
    r"|\d{1,3} ?\(\d{1,3}\)"  # 3 (12)
    r"|[-–—] ?\d{1,3} ?[-–—]"  # - 3 -
    r"|\d{1,3}"  # 3
    r")$"
)
_DIGITS = re.compile(r"\d+")


def _page_key(folded: str) -> str:
    """Texts that count as the same header or footer: case and digits ignored."""
    return _DIGITS.sub("#", folded)


def _without_page_noise(lines: list[_Line], noise: Sequence[str]) -> list[_Line]:
    """The lines from the heading on, without the pages' headers, footers and numbers.

    The rules are in the module docstring; the heading is the first line that is not noise.
    """
    known = {fold(text) for text in noise if clean(text)}
    folded = [text.casefold() for _, text in lines]  # the lines are clean() already
    keys = [_page_key(text) for text in folded]
    anchors = [bool(text) and bool(_PAGE_NUMBER.match(text) or text in known) for text in folded]
    last = {key: index for index, key in enumerate(keys)}
    heading = next(
        (i for i, (_, text) in enumerate(lines)
         if text and not anchors[i]
         and (_HEADING.match(text) or _structural(text) or last[keys[i]] == i)),
        None,
    )  # rule 4: a line before it that occurs again later is a page header
    if heading is None:
        return []
    headers = {keys[i] for i in range(heading) if lines[i][1] and not anchors[i]}
    head = folded[heading]
    noisy = [False] * len(lines)
    for i in range(heading + 1, len(lines)):
        text = lines[i][1]
        noisy[i] = bool(text) and (
            anchors[i]  # rules 1 and 2
            or folded[i] == head  # rule 3
            or (keys[i] in headers and not _structural(text))  # rule 4
        )
    _mark_repeated_page_lines(lines, keys, noisy, heading)
    out: list[_Line] = [lines[heading]]
    blanks: list[_Line] = []
    page_break = False
    for i in range(heading + 1, len(lines)):
        if noisy[i]:
            page_break = True
        elif not lines[i][1]:
            blanks.append(lines[i])
        else:
            if not (page_break and not _ends_sentence(out[-1][1])):
                out += blanks  # else one paragraph across the page break
            out.append(lines[i])
            blanks, page_break = [], False
    return out


def _mark_repeated_page_lines(
    lines: list[_Line], keys: list[str], noisy: list[bool], heading: int
) -> None:
    """Rule 5: a text found 2+ times next to page noise is a header or footer there."""
    body = [i for i in range(heading + 1, len(lines))
            if lines[i][1] and not noisy[i] and not _structural(lines[i][1])]
    counts = Counter(keys[i] for i in body)
    candidates = [i for i in body if counts[keys[i]] >= 2]
    accepted: Counter[str] = Counter()

    def next_to_noise(i: int) -> bool:
        above = next((j for j in range(i - 1, heading, -1) if lines[j][1]), None)
        below = _next_text(lines, i + 1)
        return below is None or noisy[below] or (above is not None and noisy[above])

    while True:
        near: dict[str, list[int]] = {}
        for i in candidates:
            if not noisy[i] and next_to_noise(i):
                near.setdefault(keys[i], []).append(i)
        new = [i for key, found in near.items() if len(found) + accepted[key] >= 2 for i in found]
        if not new:
            return
        for i in new:
            noisy[i] = True
            accepted[keys[i]] += 1


# ----------------------------------------------------------------------------- blocks


def _lines(text: str) -> list[_Line]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return [(number, clean(line)) for number, line in enumerate(text.split("\n"), start=1)]


def _layout(body: Sequence[_Line]) -> _Layout:
    texts = [text for _, text in body if text]
    if "." in texts:
        return "dots"
    return "words" if texts and _is_status_label(texts[0]) else "titles"


def _starts_block(
    layout: _Layout, lines: Sequence[_Line], index: int, state: str, committees: _Committees
) -> bool:
    """Whether ``lines[index]``, after a title, starts the next block ("." lines aside)."""
    text = lines[index][1]
    if layout == "words":
        if not _is_status_label(text):
            return False
        if state == "comment":
            return True
        after = _next_text(lines, index + 1)  # right after the title: a label or the sentence?
        return after is not None and _read_title(lines, after, committees, probe=True) is not None
    if layout == "titles":
        before = lines[index - 1][1]
        if before and not _ends_sentence(before) and classify(before) is None:
            return False
        title = _read_title(lines, index, committees, probe=True, parenthesised=True)
        after = _next_text(lines, title[-1]) if title else None
        return after is not None and _split_status(lines[after][1]) is not None
    return False


_MISSING_SEPARATOR = {
    "dots": "is the '.' line missing before the next assignment?",
    "words": "is the status label (e.g. 'Bedöms bli genomförd') missing before the next "
             "assignment?",
    "titles": "does the next assignment's title end with its committees in parentheses, "
              f"e.g. '{TITLE_EXAMPLE}', after a blank line?",
}


@dataclass
class _Block:
    """One block as it is read: label → title → sentence → comment."""

    state: str = "label"
    label: _Line | None = None
    title: str = ""
    names: tuple[str, ...] = ()
    lead: str | None = None
    title_line: int = 0
    sentence: _Line | None = None
    paragraphs: list[list[list[str]]] = field(default_factory=lambda: [[]])  # of lines of items

    def blank(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def add_comment(self, text: str) -> None:
        bullet = _BULLET.match(text)
        paragraph = self.paragraphs[-1]
        if bullet:
            paragraph.append([f"• {bullet['text']}"])
        elif paragraph:
            paragraph[-1].append(text)  # continues the paragraph's text or its last item
        else:
            paragraph.append([text])

    def item(self) -> ReportItem | None:
        """The finished block's item; None for a block with nothing in it."""
        if self.state == "label":
            return None
        if self.label is not None and self.state == "title":
            raise _LineError(
                self.label[0],
                f"expected an assignment title ending with its committees after the status "
                f"label '{self.label[1]}', e.g. '{TITLE_EXAMPLE}'",
            )
        label, sentence = self.label, self.sentence
        if label and sentence and classify(label[1]) != classify(sentence[1]):
            raise _LineError(
                label[0],
                f"the status label '{label[1]}' contradicts the status sentence '{sentence[1]}' "
                f"on line {sentence[0]}",
            )
        text = sentence[1] if sentence else label[1] if label else None
        comment = "\n\n".join(
            "\n".join(clean(" ".join(lines)) for lines in paragraph)
            for paragraph in self.paragraphs
            if paragraph
        )
        return ReportItem(
            title=self.title,
            committees=self.names,
            lead_committee=self.lead,
            status_sentence=text,
            category=(classify(text) if text else None) or StatusCategory.NOT_REPORTED,
            comment=comment,
            line=self.title_line,
        )


def _items(body: list[_Line], committees: _Committees) -> list[ReportItem]:
    """The blocks after the heading, read line by line (a small state machine)."""
    layout = _layout(body)
    items: list[ReportItem] = []
    block = _Block()

    def close() -> _Block:
        item = block.item()
        if item is not None:
            items.append(item)
        return _Block()

    index = 0
    while index < len(body):
        number, text = body[index]
        if text == ".":
            block = close()
            index += 1
            continue
        if not text:
            block.blank()
            index += 1
            continue
        if block.state in ("sentence", "comment") and _starts_block(
            layout, body, index, block.state, committees
        ):
            block = close()
        if block.state == "label" and classify(text) is not None:
            block.label, block.state = (number, text), "title"
            index += 1
            continue
        if block.state in ("label", "title"):
            title = _read_title(body, index, committees)
            assert title is not None  # without probe it raises rather than answer None
            block.title, block.names, block.lead, index = title
            block.title_line, block.state = number, "sentence"
            continue
        index += 1
        if block.state == "sentence":
            block.state = "comment"
            split = _split_status(text)
            if split:
                block.sentence, text = (number, split[0]), split[1]
                if not text:
                    continue
        if classify(text) is not None:
            raise _LineError(
                number,
                f"unexpected status sentence in the comment of the assignment on line "
                f"{block.title_line}; {_MISSING_SEPARATOR[layout]}",
            )
        block.add_comment(text)
    close()
    return items


# ------------------------------------------------------------------------- public API


def parse_report(
    text: str,
    *,
    committees: Sequence[Committee],
    filename: str = "<text>",
    period: Period | None = None,
    noise: Sequence[str] = (),
) -> Report:
    """Parse a report in any of the layouts above.

    ``period`` is required when the heading names none. ``noise``: texts of page headers
    and footers to drop wherever they are (e.g. the municipality's name), besides those
    found by themselves.
    """
    try:
        lines = _without_page_noise(_lines(text), noise)
        if not lines:
            raise _LineError(
                1, f"the report is empty; expected a heading such as '{HEADING_EXAMPLE}'"
            )
        heading_number, heading = lines[0]
        report_period = _heading_period(heading_number, heading, period)
        items = _items(lines[1:], _Committees(committees))
        seen: dict[str, int] = {}
        for item in items:
            key = fold(item.title)
            if key in seen:
                raise _LineError(
                    item.line, f"duplicate assignment '{item.title}', already on line {seen[key]}"
                )
            seen[key] = item.line
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
    """The published format; ``parse_report(render_report(r))`` gives ``r`` back (but lines).

    A comment's paragraphs are written with blank lines between them, and the lines within
    a paragraph (its text and list items, see the module docstring) as lines.
    """
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
