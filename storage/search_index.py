"""The full-text index over assignments: their title and the comments of their current reports.

One row per assignment (keyed by its id) with the folded search words of the title, of its
current comments (every period's, kept in ``current_status.words``) and, reversed, of both
(``domain.words.word_list``, ``tails_of``).
Questions are prefix queries (``domain.words.word_terms``): a word's stem as the head of an
index word ("dagvat*" finds "dagvattenhantering") or, reversed, as its tail ("vandring" in
"trygghetsvandring"); a compound of the question that no index word matches whole, by its two
parts in one assignment ("kris*" and "beredsk*" for "krisberedskapen"). What the index finds,
dialogs/language/search.py ranks.

- SQLite: an FTS5 table (``unicode61`` tokens, diacritics kept: å, ä and ö are letters).
- PostgreSQL: two ``tsvector`` columns with a GIN index each: the title's words, and every
  word with the reversed words marked by TAIL_MARK ("0gnirdnav"); both also hold a lexeme for
  each period the assignment is in (PERIOD_MARK and the period's id), so that a question's
  condition is one ``tsquery`` that the index answers on its own, for the asked period only
  (the join with the period's rows stays the rule; the lexeme makes it fast). The lexemes are
  the words as folded and stemmed here, the same way for both databases, stored and asked
  for as they are (``array_to_tsvector``, a ``tsquery`` literal): no text search
  configuration parses them again (the ``swedish`` snowball stemmer would stem them a second
  time, differently).

``update`` is called in the transaction that changes a title or a current report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, column, table, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from domain.words import Part, WordTerms, tails_of, word_list

TABLE = "assignment_search"
# PostgreSQL: a GIN index per tsvector. The title's words have their own column, not a weight in
# ``document``: a GIN index does not hold weights, so a weighted query would recheck every row.
INDEXES = {"title_document": f"ix_{TABLE}_title", "document": f"ix_{TABLE}_document"}
# Before a reversed word in ``document``. A search word starting with it (a head such as
# "0a") could also meet reversed words; the ranker, which compares real words, drops those.
TAIL_MARK = "0"
PERIOD_MARK = "1p"  # "1p30": the assignment is in period 30
# PostgreSQL's limit for a lexeme is 2,047 bytes; a word is indexed (in both databases) when it
# fits with TAIL_MARK before it. A longer one (a pasted link, a run of letters) is in no
# assignment's index entry.
MAX_WORD_BYTES = 2047 - len(TAIL_MARK)
BATCH = 500


@dataclass(frozen=True)
class Indexed:
    """An assignment as the index holds it: its title words and comment words."""

    assignment_id: int
    title: str
    body: str


def _dialect(bind: Connection | Session) -> str:
    return bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name


def create(bind: Connection) -> None:
    if _dialect(bind) == "sqlite":
        bind.execute(text(
            f"CREATE VIRTUAL TABLE {TABLE} USING fts5(title, body, tails, "
            "tokenize = 'unicode61 remove_diacritics 0')"))
        return
    bind.execute(text(
        f"CREATE TABLE {TABLE} (assignment_id integer PRIMARY KEY REFERENCES assignment(id), "
        "title text NOT NULL, body text NOT NULL, title_document tsvector NOT NULL, "
        "document tsvector NOT NULL) WITH (toast_tuple_target = 128)"))
    # Every value but the id out of line: a row of the table is a few pointers, so reading the
    # rows an index scan found (or walking the ids) reads a few pages, not the word lists.
    bind.execute(text(f"ALTER TABLE {TABLE} " + ", ".join(
        f"ALTER COLUMN {name} SET STORAGE EXTERNAL"
        for name in ("title", "body", "title_document", "document"))))
    for column_name, index in INDEXES.items():
        bind.execute(text(f"CREATE INDEX {index} ON {TABLE} USING gin ({column_name})"))


def merge_pending(bind: Connection) -> None:
    """PostgreSQL: merge the entries a bulk insert left in the GIN indexes' pending lists,
    which every search reads through until autovacuum merges them."""
    for index in INDEXES.values():
        bind.execute(text("SELECT gin_clean_pending_list(CAST(:index AS regclass))"), {"index": index})


def drop(bind: Connection) -> None:
    bind.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))


def update(bind: Connection | Session, assignment_ids: Iterable[int]) -> None:
    """Index these assignments as they are now in this transaction."""
    ids = sorted(set(assignment_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        found: dict[int, tuple[str, list[str], list[int]]] = {}
        statement = text(
            "SELECT a.id, a.title, c.words, c.period_id FROM assignment a "
            "LEFT JOIN current_status c ON c.assignment_id = a.id WHERE a.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        for assignment_id, title, listed, period_id in bind.execute(statement, {"ids": chunk}):
            _, comments, periods = found.setdefault(assignment_id, (title, [], []))
            if listed:
                comments.append(listed)
            if period_id is not None:
                periods.append(period_id)
        rows = []
        for assignment_id, (title, comments, periods) in found.items():
            title_words = " ".join(_indexable(word_list(title).split()))
            body_words = " ".join(sorted(_indexable({w for listed in comments for w in listed.split()})))
            rows.append({"id": assignment_id, "title": title_words, "body": body_words,
                         "tails": tails_of([title_words, body_words]), "periods": sorted(periods)})
        _write(bind, chunk, rows)


def _write(bind, ids: list[int], rows: list[dict]) -> None:
    if _dialect(bind) == "sqlite":
        bind.execute(text(f"DELETE FROM {TABLE} WHERE rowid IN :ids").bindparams(
            bindparam("ids", expanding=True)), {"ids": ids})
        if rows:
            bind.execute(text(f"INSERT INTO {TABLE} (rowid, title, body, tails) "
                              "VALUES (:id, :title, :body, :tails)"), rows)
        return
    if rows:
        # One statement a batch: the rows as arrays, each row's lexemes one space-separated string.
        documents = [_documents(row) for row in rows]
        bind.execute(text(
            f"INSERT INTO {TABLE} (assignment_id, title, body, title_document, document) "
            "SELECT id, title, body, array_to_tsvector(string_to_array(titles, ' ')), "
            "array_to_tsvector(string_to_array(words, ' ')) "
            "FROM unnest(CAST(:ids AS integer[]), CAST(:titles AS text[]), CAST(:bodies AS text[]), "
            "CAST(:title_lexemes AS text[]), CAST(:lexemes AS text[])) AS given (id, title, body, titles, words) "
            "ON CONFLICT (assignment_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
            "title_document = excluded.title_document, document = excluded.document"),
            {key: [d[n] for d in documents] for n, key in enumerate(("ids", "titles", "bodies", "title_lexemes",
                                                                      "lexemes"))})


def _documents(row: dict) -> tuple[int, str, str, str, str]:
    """A row for PostgreSQL: id, title words, body words, and the lexemes of ``title_document``
    and ``document``, space-separated, as they are (no text search parser: a question's terms
    are lexemes too)."""
    periods = " ".join(f"{PERIOD_MARK}{period_id}" for period_id in row["periods"])
    tails = " ".join(TAIL_MARK + t for t in row["tails"].split())
    return (row["id"], row["title"], row["body"], " ".join(filter(None, (row["title"], periods))),
            " ".join(filter(None, (row["title"], row["body"], tails, periods))))


def _indexable(words: Iterable[str]) -> list[str]:
    return [w for w in words if len(w.encode()) <= MAX_WORD_BYTES]


def rebuild(bind: Connection | Session) -> None:
    """Index every assignment (a migration, or a repair)."""
    ids = [row[0] for row in bind.execute(text("SELECT id FROM assignment ORDER BY id"))]
    update(bind, ids)


def restrict(bind: Connection | Session, statement, assignment_id, terms: Sequence[WordTerms], *,
             period_id: int, every: bool = False, titles: bool = False):
    """``statement`` joined to the index and kept to assignments (``assignment_id``, a column of
    it) that hold any (``every``: each) of the question words ``terms``
    (``domain.words.word_terms``). A word is held by any of its alternatives, an alternative by
    all of its parts (a word whole, or a compound's two parts), a part by an index word starting
    with one of its heads or ending with one of its tails reversed; ``titles``: a title word
    starting with a head.

    ``statement`` holds the rows of period ``period_id``; on PostgreSQL the index is asked for
    that period's assignments only. A join, so that the database chooses which side to read
    first (the index for a rare word, the period's rows for a common one); None without terms.
    """
    if not terms:
        return None
    # A word too long to be in the index is in no assignment; so is a part of one.
    fitting = [alternatives for word in terms if (alternatives := [
        alternative for alternative in word.alternatives
        if all(len(_indexable(p.heads + p.tails)) == len(p.heads + p.tails) for p in alternative)])]
    if not fitting or (every and len(fitting) < len(terms)):
        return statement.where(text("1 = 0"))
    if _dialect(bind) == "sqlite":
        def quoted(term: str) -> str:
            return '"' + term.replace('"', '""') + '"*'

        def sqlite_part(part: Part) -> str:
            if titles:
                return "(" + " OR ".join(f"title: {quoted(head)}" for head in part.heads) + ")"
            return "(" + " OR ".join([f"{{title body}}: {quoted(head)}" for head in part.heads]
                                     + [f"tails: {quoted(tail)}" for tail in part.tails]) + ")"

        groups = [_joined([_joined([sqlite_part(p) for p in alternative], " AND ") for alternative in word], " OR ")
                  for word in fitting]
        index = table(TABLE, column("rowid", Integer))
        return statement.join(index, index.c.rowid == assignment_id).where(
            text(f"{TABLE} MATCH :fts").bindparams(fts=(" AND " if every else " OR ").join(groups)))

    def prefix(term: str) -> str:
        return "'" + term.replace("'", "''").replace("\\", "\\\\") + "':*"

    def postgres_part(part: Part) -> str:
        found = [prefix(head) for head in part.heads] + ([] if titles else [prefix(TAIL_MARK + t) for t in part.tails])
        return "(" + " | ".join(found) + ")"

    groups = [_joined([_joined([postgres_part(p) for p in alternative], " & ") for alternative in word], " | ")
              for word in fitting]
    index = table(TABLE, column("assignment_id", Integer))
    return statement.join(index, index.c.assignment_id == assignment_id).where(text(
        f"{TABLE}.{'title_document' if titles else 'document'} @@ CAST(:query AS tsquery)"
    ).bindparams(query=f"{PERIOD_MARK}{int(period_id)} & (" + (" & " if every else " | ").join(groups) + ")"))


def _joined(conditions: list[str], joint: str) -> str:
    return conditions[0] if len(conditions) == 1 else "(" + joint.join(conditions) + ")"


def indexed(bind: Connection | Session, assignment_ids: Sequence[int]) -> dict[int, Indexed]:
    """The index rows of these assignments."""
    if not assignment_ids:
        return {}
    key = "rowid" if _dialect(bind) == "sqlite" else "assignment_id"
    rows = bind.execute(text(f"SELECT {key}, title, body FROM {TABLE} WHERE {key} IN :ids").bindparams(
        bindparam("ids", expanding=True)), {"ids": list(assignment_ids)})
    return {row[0]: Indexed(row[0], row[1], row[2]) for row in rows}



