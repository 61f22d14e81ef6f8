"""A generated municipality archive in the published report format, with a fixed seed.

    python -m bench.archive --assignments 100000 --out /tmp/archive

Writes one report per period and year (``uppdrag-T1-2015.txt`` ...), in the format
``uppdragsbot import`` reads (domain/report_format.py): a heading naming the period, then one
block per assignment between "." lines: an optional status label, the title ending with its
committees — "(KS)", "(MSN, TN)", a lead committee "title. KFN (KS, TN)", or "title. MSN, TN",
sometimes with full names — the status sentence and the comment paragraphs.

Every year's assignments are reported in T1, T2 and T3, with statuses that move on the way a
follow-up does ("ej genomfört" only in T3, "genomfört" stays so). Titles are unique per year.
Comments are several paragraphs of municipal Swedish: sentences of the demo report, and
sentences from templates filled with place names, organisations and generated compound words
("dagvattenhanteringsplanen") drawn from a Zipf-like distribution, so the number of distinct
words grows with the archive like real text does (Heaps' law).

Also writes ``manifest.json``: the files and their periods, and words drawn from the newest
year's titles for the benchmark's free-text and history questions.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import re
import string
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

END_YEAR = 2024  # the newest year in the archive: fixed, and before any date the bench runs on
DEFAULT_YEARS = 10
DEFAULT_SEED = 1

# --- the committees -------------------------------------------------------------------------

# How often a committee is given an assignment (KS, the executive committee, gets the most).
COMMITTEE_WEIGHTS = {"KS": 25, "SAN": 12, "MSN": 12, "TN": 15, "VON": 10, "BUN": 13, "KFN": 10, "VN": 3}


def load_committees() -> list[dict]:
    """The bot's committee list (domain/data/committees.json)."""
    text = resources.files("domain").joinpath("data", "committees.json").read_text("utf-8")
    return json.loads(text)["committees"]


# --- the vocabulary -------------------------------------------------------------------------

# First parts of compounds, with their linking letter ("trafiksäkerhets-").
PREFIXES = """
barn skol förskole gymnasie elev lärar fritids ungdoms äldre omsorgs vård hemtjänst boende
bostads hyres trafik buss cykel gång gatu väg park grönyte vatten dagvatten avlopps avfalls
energi klimat miljö natur skogs jordbruks livsmedels folkhälso hälso social arbetsmarknads
integrations närings turism besöks evenemangs kultur biblioteks idrotts frilufts bad is skid
musei konst musik digital informations kommunikations medborgar invånar demokrati val
trygghets beredskaps kris säkerhets brand räddnings upphandlings inköps ekonomi budget
personal kompetens rekryterings ledarskaps arbetsmiljö lokal fastighets mark exploaterings
detaljplane översiktsplane bygglov stads stadskärne landsbygds centrum tätorts hamn flyg
järnvägs kollektivtrafik laddinfrastruktur belysnings snöröjnings renhållnings tillstånds
tillsyns alkohol tobaks drog förenings bidrags taxe avgifts jämställdhets tillgänglighets
mångfalds barnrätts funktionsstöds missbruks familje försörjningsstöds sysselsättnings
praktik lärlings vuxenutbildnings språk läs simskole kost måltids skolskjuts matsals
""".split()

# Last parts of compounds, each with its inflected forms (base form first).
HEADS = [tuple(forms.split("/")) for forms in """
plan/planen/planer/planerna strategi/strategin/strategier program/programmet/programmen
utredning/utredningen/utredningar analys/analysen/analyser projekt/projektet/projekten
insats/insatsen/insatser/insatserna arbete/arbetet samverkan process/processen/processer
rutin/rutinen/rutiner/rutinerna modell/modellen/modeller riktlinje/riktlinjer/riktlinjerna
policy/policyn uppföljning/uppföljningen verksamhet/verksamheten/verksamheter
anläggning/anläggningen/anläggningar område/området/områden hantering/hanteringen
system/systemet tjänst/tjänsten/tjänster åtgärd/åtgärden/åtgärder/åtgärderna
satsning/satsningen/satsningar dialog/dialogen kartläggning/kartläggningen översyn/översynen
organisation/organisationen nätverk/nätverket lösning/lösningen/lösningar
investering/investeringen/investeringar förstudie/förstudien utbildning/utbildningen/utbildningar
kampanj/kampanjen enkät/enkäten mätning/mätningen/mätningar samordning/samordningen
bidrag/bidraget/bidragen taxa/taxan avtal/avtalet/avtalen budget/budgeten lokal/lokalen/lokaler
byggnad/byggnaden/byggnader väg/vägen/vägar plats/platsen/platser nät/nätet register/registret
stöd/stödet utveckling/utvecklingen digitalisering/digitaliseringen effektivisering/effektiviseringen
handbok/handboken styrdokument/styrdokumentet redovisning/redovisningen vandring/vandringen
certifiering/certifieringen beredskap/beredskapen tillsyn/tillsynen upphandling/upphandlingen
""".split()]

ADJECTIVES = """
nya gemensamma kommunövergripande långsiktiga hållbara digitala lokala regionala effektiva
förebyggande tydligare ökade minskade trygga tillgängliga fossilfria socioekonomiska
strategiska samlade befintliga särskilda övergripande förbättrade utökade flexibla
""".split()

ORGANISATIONS = [
    "förvaltningen", "Kommunledningsförvaltningen", "Samhällsbyggnad", "teknisk förvaltning",
    "Polisen", "Region Jämtland Härjedalen", "Länsstyrelsen", "Trafikverket", "Destinationsbolaget",
    "Mittuniversitetet", "Jämtkraft", "Östersundshem", "Räddningstjänsten", "föreningslivet",
    "näringslivet", "civilsamhället", "Försäkringskassan", "Arbetsförmedlingen",
    "Barn- och utbildningsförvaltningen", "Vård- och omsorgsförvaltningen", "Kultur- och fritidsförvaltningen",
]

PLACES = """
Torvalla Odensala Lugnvik Odenskog Frösön Brunflo Lit Tandsbyn Orrviken Fåker Marieby Hallen
Oviken Myrviken Häggenås Nälden Ås Optand Sandviken Körfältet Valla Östbacken Karlslund
Lillänge Storsjöstrand Litsbyn Stadsdel-Norr Söder Torvalla-Odensala Ope Fillstabäcken
""".replace("-", " ").split() + ["stadskärnan", "centrala Östersund", "landsbygden", "hela kommunen"]

TIMES = [
    "våren", "hösten", "året", "första kvartalet", "andra kvartalet", "tredje kvartalet",
    "andra halvåret", "årets första månader", "sommaren", "nästa år", "perioden",
]
MONTHS = "januari februari mars april maj juni augusti september oktober november december".split()

VERBS = [  # imperatives, as the council writes its assignments
    "Genomför", "Utred", "Utveckla", "Ta fram", "Öka", "Minska", "Stärk", "Inför", "Se över",
    "Säkerställ", "Verka för", "Utvärdera", "Kartlägg", "Förbättra", "Tydliggör", "Skapa",
    "Prioritera", "Främja", "Underlätta", "Samordna", "Bygg ut", "Arbeta fram", "Undersök",
    "Möjliggör", "Effektivisera", "Digitalisera", "Påbörja", "Förstärk", "Revidera", "Upprätta",
]
PURPOSES = "öka minska stärka motverka förbättra främja underlätta säkerställa utveckla effektivisera".split()

TITLE_TEMPLATES = [
    "{V} {c} i {place}",
    "{V} en {a} {cb} för {c2}",
    "{V} arbetet med {c} inom {c2}",
    "{V} {c} för att {p} {c2}",
    "{V} förutsättningarna för {c} i {place}",
    "{V} {c} tillsammans med {org}",
    "{V} {c} och {c2} i {place}",
    "{V} hur {c} kan {p} {c2}",
    "{V} {a} {c} för {c2} i {place}",
]

SENTENCE_TEMPLATES = [
    "Arbetet med {c} har påbörjats och beräknas vara klart under {time}.",
    "{Org} har tillsammans med {org} genomfört {n} {c} under {time}.",
    "En {cb} har tagits fram och ska behandlas av {name} i {month}.",
    "Arbetet har försenats på grund av {c} och bristande {c2}.",
    "Dialog pågår med {org} om {c} i {place}.",
    "Det fortsatta arbetet med {c} kommer att ske inom ramen för {c2}.",
    "Förvaltningen bedömer att {c} kan införas i {place} under {time}.",
    "Kartläggningen av {c} visar att {c2} behöver stärkas.",
    "Medel för {c} har avsatts i budgeten för {year}.",
    "En förstudie om {c} har genomförts och resultatet redovisas för {name} under {time}.",
    "Inga formella beslut om {c} har fattats under {time}, men {c2} har påbörjats.",
    "Under {time} har {n} {c} genomförts i {place} och {place2}.",
    "Samverkan med {org} kring {c} fungerar väl och fortsätter under {time}.",
    "Arbetet sker i samarbete mellan {org} och {org2}.",
    "En ny {cb} kommer att upphandlas som ett verktyg i arbetet med {c2}.",
    "Resultatet av {c} följs upp löpande och rapporteras till {name}.",
    "På grund av {a} {c} har arbetet med {c2} fått prioriteras ned.",
    "Nästa steg är att ta fram {a} {c} för {place}.",
    "Enkäten om {c} besvarades av {n} procent av de tillfrågade.",
    "Kostnaden för {c} beräknas till {n} miljoner kronor.",
    "Ett förslag till {cb} har skickats på remiss till {org}.",
    "Personalen har fått utbildning i {c} och {c2}.",
    "Åtgärderna har lett till {a} {c} i {place}.",
    "Arbetet har samordnats med {c} för att undvika dubbelarbete.",
    "En arbetsgrupp med representanter från {org} och {org2} har bildats.",
    "Frågan om {c} har lyfts i {c2} och hanteras vidare av {org}.",
    "Nya lösningar för {c} diskuteras från fall till fall och anpassas till de lokala förutsättningarna.",
    "Arbetet med {c} är en del av {a} {c2} som {org} leder.",
]
OPENERS = [  # the first sentence of a comment names the assignment's subject
    "Arbetet med {c} pågår enligt den plan som beslutades i {month}.",
    "Under {time} har fokus legat på {c}.",
    "Arbetet med {c} har fortsatt under perioden.",
    "{Org} ansvarar för arbetet med {c}.",
]
NOT_REPORTED_COMMENTS = [
    "Rapport saknas för perioden.",
    "Ingen rapportering har lämnats.",
    "Arbetet har ännu inte startat.",
]

# --- statuses -------------------------------------------------------------------------------

DONE, ON_TRACK, AT_RISK, NOT_DONE, NOT_REPORTED = "done", "on_track", "at_risk", "not_done", "not_reported"
SENTENCES = {  # the variants published reports use (domain/statuses.py classify() reads them all)
    DONE: ["Uppdraget är genomfört.", "Uppdraget är genomfört. ", "Uppdrag är genomfört."],
    ON_TRACK: ["Uppdraget bedöms bli genomfört under året.", "Uppdraget bedöms bli genomfört under året. ",
               "Uppdrag bedöms bli genomfört."],
    AT_RISK: ["Uppdraget bedöms inte bli genomfört under året.", "Uppdraget bedöms ej bli genomfört."],
    NOT_DONE: ["Uppdraget är inte genomfört under året.", "Uppdraget är ej genomfört."],
}
LABELS = {DONE: "Genomförd", ON_TRACK: "Bedöms bli genomförd", AT_RISK: "Bedöms inte bli genomförd",
          NOT_DONE: "Ej genomförd"}
# term -> previous status -> (next statuses, weights). "Ej genomfört" only at the year end (T3).
TRANSITIONS = {
    1: {None: ((ON_TRACK, DONE, AT_RISK, NOT_REPORTED), (70, 8, 10, 12))},
    2: {ON_TRACK: ((ON_TRACK, DONE, AT_RISK, NOT_REPORTED), (62, 25, 9, 4)),
        AT_RISK: ((AT_RISK, ON_TRACK, DONE), (60, 28, 12)),
        NOT_REPORTED: ((ON_TRACK, NOT_REPORTED, AT_RISK), (65, 25, 10)),
        DONE: ((DONE,), (1,))},
    3: {ON_TRACK: ((DONE, NOT_DONE, NOT_REPORTED), (72, 24, 4)),
        AT_RISK: ((NOT_DONE, DONE), (75, 25)),
        NOT_REPORTED: ((DONE, NOT_DONE, NOT_REPORTED), (40, 30, 30)),
        DONE: ((DONE,), (1,))},
}

COMMENT_LIMIT = 4_000  # what a reporter may write (domain/rules.py)


# --- words ----------------------------------------------------------------------------------


class Words:
    """Compound words by popularity rank, and draws from a Zipf-like distribution over ranks.

    Rank 0, 1, ... walk two-part compounds in base form, then inflected, then three-part
    ones; each layer is permuted (a multiplier coprime to its size), so neighbouring ranks
    are unrelated words.
    """

    ALPHA = 0.3  # tail of the rank distribution: smaller = more rare words
    SCALE = 40  # ranks below this are about equally common: no single word dominates

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        p, h = len(PREFIXES), len(HEADS)
        self.layers = [  # (size, word at an index)
            (p * h, lambda i: PREFIXES[i // h] + HEADS[i % h][0]),
            (p * h * 3, lambda i: PREFIXES[i // (h * 3)] + _form(HEADS[(i // 3) % h], 1 + i % 3)),
            (p * p * h, lambda i: PREFIXES[i // (p * h)] + PREFIXES[(i // h) % p] + HEADS[i % h][0]),
            (p * p * h * 3, lambda i: PREFIXES[i // (p * h * 3)] + PREFIXES[(i // (h * 3)) % p]
             + _form(HEADS[(i // 3) % h], 1 + i % 3)),
        ]

    @lru_cache(maxsize=None)
    def word(self, rank: int, base: bool = False) -> str:
        """The word at ``rank``; with ``base``, among base forms only ("en plan", not "en planen")."""
        layers = self.layers[::2] if base else self.layers
        rank %= sum(size for size, _ in layers)
        for size, make in layers:
            if rank < size:
                return make((rank * 7919 + 104729) % size)  # 7919 is prime, coprime to every size
            rank -= size
        raise AssertionError("unreachable")

    def draw(self, *, base: bool = False) -> str:
        return self.word(int(self.SCALE * (self.rng.paretovariate(self.ALPHA) - 1)), base)


def _form(forms: tuple[str, ...], index: int) -> str:
    return forms[index] if index < len(forms) else forms[-1]


def seed_sentences() -> list[str]:
    """The sentences of the demo report's comments (storage/demo), as written."""
    text = resources.files("storage").joinpath("demo", "uppdrag-T1-2022.txt").read_text("utf-8")
    blocks = text.split("\n.\n")[1:]
    sentences = []
    for block in blocks:
        paragraphs = [p.strip() for p in block.strip().split("\n\n")]
        for paragraph in paragraphs[2:]:  # after the title and the status sentence
            sentences += [s.strip() + "." for s in re.split(r"(?<=[a-zåäö0-9)])\.\s+", paragraph.rstrip(". "))
                          if s.strip()]
    return sentences


class Writer:
    """Titles and sentences, from one seeded random generator.

    Comments are built from a pool of sentences made per year (1.5 per assignment): filling
    templates for every sentence of every comment would make 100,000 assignments take a
    minute instead of seconds, and a reporter's wording repeats across reports anyway.
    """

    POOL_PER_ASSIGNMENT = 1.5
    SEED_SHARE = 0.08  # sentences taken from the demo report as written

    def __init__(self, rng: random.Random, committee_names: list[str]) -> None:
        self.rng = rng
        self.words = Words(rng)
        self.committee_names = committee_names
        self.seed_sentences = seed_sentences()
        self.pool: list[str] = []
        self.fillers = {
            "c": lambda: self.words.draw(), "c2": lambda: self.words.draw(),
            "cb": lambda: self.words.draw(base=True), "a": lambda: self.pick(ADJECTIVES),
            "org": lambda: self.pick(ORGANISATIONS), "org2": lambda: self.pick(ORGANISATIONS),
            "place": lambda: self.pick(PLACES), "place2": lambda: self.pick(PLACES),
            "time": lambda: self.pick(TIMES), "month": lambda: self.pick(MONTHS),
            "name": lambda: self.pick(self.committee_names), "n": lambda: 2 + int(self.rng.random() * 39),
            "V": lambda: self.pick(VERBS), "p": lambda: self.pick(PURPOSES),
            "Org": lambda: (lambda org: org[0].upper() + org[1:])(self.pick(ORGANISATIONS)),
        }

    def pick(self, items):
        return items[int(self.rng.random() * len(items))]

    def fill(self, template: str, year: int, **given) -> tuple[str, dict]:
        slots = dict(given, year=year)
        for name in _fields(template):
            if name not in slots:
                slots[name] = self.fillers[name]()
        return template.format(**slots), slots

    def title(self, year: int) -> tuple[str, list[str]]:
        """A title and the compound words in it (what a user would search for)."""
        text, slots = self.fill(self.pick(TITLE_TEMPLATES), year)
        return text, [slots[k] for k in ("c", "cb", "c2") if k in slots]

    def new_pool(self, year: int, assignments: int) -> None:
        self.pool = [
            self.pick(self.seed_sentences) if self.rng.random() < self.SEED_SHARE
            else self.fill(self.pick(SENTENCE_TEMPLATES), year)[0]
            for _ in range(max(200, int(assignments * self.POOL_PER_ASSIGNMENT)))
        ]

    def sentence(self) -> str:
        return self.pick(self.pool)

    def opener(self, subject: str, year: int) -> str:
        return self.fill(self.pick(OPENERS), year, c=subject)[0]


def weighted(rng: random.Random, options: tuple, weights: tuple):
    """``rng.choices(options, weights)[0]``, without summing the weights on every call."""
    cumulative = _cumulative(weights)
    return options[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


@lru_cache(maxsize=None)
def _cumulative(weights: tuple) -> list[float]:
    return list(itertools.accumulate(weights))


@lru_cache(maxsize=None)
def _fields(template: str) -> tuple[str, ...]:
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


# --- the archive ----------------------------------------------------------------------------


@dataclass
class Assignment:
    title: str
    subject: str  # a compound word of the title, which its comments talk about
    title_line: str  # the title with its committees, as the report writes it
    status: str | None = None
    comment: list[str] = field(default_factory=list)  # paragraphs


@dataclass
class ReportFile:
    path: str
    period: str  # "T1 2015"
    assignments: int
    bytes: int


@dataclass
class Manifest:
    seed: int
    assignments: int
    years: list[int]
    files: list[ReportFile]
    distinct_words: int
    seconds: float
    newest_year: int
    title_words: list[str]  # compound words from the newest year's titles (free-text questions)
    title_phrases: list[str]  # two or three consecutive title words (history questions)

    def save(self, directory: Path) -> None:
        (directory / "manifest.json").write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), "utf-8")

    @classmethod
    def load(cls, directory: Path) -> "Manifest":
        data = json.loads((directory / "manifest.json").read_text("utf-8"))
        data["files"] = [ReportFile(**f) for f in data["files"]]
        return cls(**data)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)


class Generator:
    def __init__(self, seed: int = DEFAULT_SEED) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.committees = load_committees()
        self.abbreviations = tuple(c["abbreviation"] for c in self.committees)
        self.full_names = {c["abbreviation"]: c["name"] for c in self.committees}
        self.weights = tuple(COMMITTEE_WEIGHTS.get(a, 5) for a in self.abbreviations)
        self.writer = Writer(self.rng, [c["name"] for c in self.committees])

    def _committees(self) -> list[str]:
        r = self.rng
        count = weighted(r, (1, 2, 3), (70, 22, 8))
        chosen: list[str] = []
        while len(chosen) < count:
            pick = weighted(r, self.abbreviations, self.weights)
            if pick not in chosen:
                chosen.append(pick)
        return chosen

    def _title_line(self, title: str, committees: list[str]) -> str:
        r = self.rng
        names = [self.full_names[c] if r.random() < 0.02 else c for c in committees]
        layout = r.random()
        if len(committees) > 1 and layout < 0.3:  # "title. KFN (KS, TN)": a lead committee
            return f"{title}. {committees[0]} ({', '.join(names[1:])})"
        if layout > 0.97:  # "title. MSN, TN": committees after a full stop
            return f"{title}. {', '.join(committees)}"
        return f"{title} ({', '.join(names)})"

    def assignments(self, year: int, count: int) -> list[Assignment]:
        seen: set[str] = set()
        out = []
        while len(out) < count:
            title, words = self.writer.title(year)
            key = title.casefold()
            if key in seen:
                continue
            seen.add(key)
            subject = words[0] if words else self.writer.words.draw()
            out.append(Assignment(title, subject, self._title_line(title, self._committees())))
        return out

    def _paragraph(self) -> str:
        count = weighted(self.rng, (1, 2, 3, 4), (30, 35, 25, 10))
        return " ".join(self.writer.sentence() for _ in range(count))

    def _comment(self, item: Assignment, year: int, before: str | None) -> list[str]:
        r = self.rng
        if item.status == NOT_REPORTED:
            return [r.choice(NOT_REPORTED_COMMENTS)] if r.random() < 0.3 else []
        if before not in (None, NOT_REPORTED) and r.random() < 0.5:  # adds to what was written before
            paragraphs = [self._paragraph()] + item.comment
        else:
            count = weighted(r, (1, 2, 3, 4), (30, 35, 25, 10))
            paragraphs = [self.writer.opener(item.subject, year) + " " + self._paragraph()]
            paragraphs += [self._paragraph() for _ in range(count - 1)]
        while len("\n\n".join(paragraphs)) > COMMENT_LIMIT and len(paragraphs) > 1:
            paragraphs.pop()
        return paragraphs

    def report(self, items: list[Assignment], year: int, term: int) -> str:
        r = self.rng
        label = f"T{term} {year}"
        lines = [f"{label} Uppdrag. Kommentar {label}"]
        for item in items:
            before = item.status if term > 1 else None
            options, weights = TRANSITIONS[term][before]
            item.status = weighted(r, options, weights)
            item.comment = self._comment(item, year, before)
            lines.append(".")
            if item.status != NOT_REPORTED and r.random() < 0.05:
                lines.append(LABELS[item.status])
            lines += [item.title_line, ""]
            if item.status != NOT_REPORTED:
                lines += [r.choice(SENTENCES[item.status]), ""]
            for paragraph in item.comment:
                lines += [paragraph, ""]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path, assignments: int, years: int = DEFAULT_YEARS) -> Manifest:
        start = time.monotonic()
        directory.mkdir(parents=True, exist_ok=True)
        year_list = list(range(END_YEAR - years + 1, END_YEAR + 1))
        per_year = [assignments // years + (1 if i < assignments % years else 0) for i in range(years)]
        files, title_words, title_phrases = [], [], []
        words: set[str] = set(_WORD.findall(re.sub(r"{\w+}", " ", " ".join(FIXED_TEXT)).casefold()))
        for year, count in zip(year_list, per_year):
            items = self.assignments(year, count)
            self.writer.new_pool(year, count)
            words.update(_WORD.findall(" ".join([*self.writer.pool, *(i.title for i in items)]).casefold()))
            for term in (1, 2, 3):
                text = self.report(items, year, term)
                path = directory / f"uppdrag-T{term}-{year}.txt"
                data = text.encode("utf-8")
                path.write_bytes(data)
                files.append(ReportFile(str(path), f"T{term} {year}", len(items), len(data)))
            if year == END_YEAR:
                title_words, title_phrases = self._question_words(items)
        manifest = Manifest(
            seed=self.seed, assignments=assignments, years=year_list, files=files,
            distinct_words=len(words), seconds=0.0, newest_year=END_YEAR,
            title_words=title_words, title_phrases=title_phrases,
        )
        manifest.seconds = round(time.monotonic() - start, 2)
        return manifest

    def _question_words(self, items: list[Assignment]) -> tuple[list[str], list[str]]:
        sample = self.rng.sample(items, min(500, len(items)))
        words = [item.subject for item in sample]
        phrases = []
        for item in sample:  # the subject and the word or two around it
            parts = [w for w in item.title.split() if len(w) > 3]
            at = parts.index(item.subject) if item.subject in parts else 0
            first = max(0, at - self.rng.choice((0, 1)))
            phrases.append(" ".join(parts[first:first + self.rng.choice((2, 3))]))
        return words, phrases


_WORD = re.compile(r"[^\W\d_]+")
# Words of the archive outside titles and the sentence pool (distinct words are counted on
# what is generated, not by reading the files back: that would take longer than writing them).
FIXED_TEXT = [*OPENERS, *NOT_REPORTED_COMMENTS, *ORGANISATIONS, *TIMES, *MONTHS,
              *(s for v in SENTENCES.values() for s in v), *LABELS.values(), "Uppdrag Kommentar"]


def generate(directory: Path, assignments: int, *, years: int = DEFAULT_YEARS, seed: int = DEFAULT_SEED) -> Manifest:
    manifest = Generator(seed).write(directory, assignments, min(years, max(1, assignments)))
    manifest.save(directory)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", type=int, default=int(os.environ.get("BENCH_ASSIGNMENTS", 100_000)))
    parser.add_argument("--years", type=int, default=DEFAULT_YEARS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    m = generate(args.out, args.assignments, years=args.years, seed=args.seed)
    print(f"{m.assignments} assignments, {len(m.files)} files, {m.total_bytes / 1e6:.1f} MB, "
          f"{m.distinct_words} distinct words, {m.seconds:.1f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
