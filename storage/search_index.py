"""The full-text index over assignments: their title and the comments of their current reports.

One row per assignment (keyed by its id) with the folded search words of the title, of its
current comments (every period's, kept in ``current_status.words``) and, reversed, of both
(``domain.words.word_list``, ``tails_of``).
Questions are prefix queries (``domain.words.word_terms``): a word's stem as the head of an
index word ("dagvat*" finds "dagvattenhantering") or, reversed, as its tail ("vandring" in
"trygghetsvandring"). What the index finds, dialogs/language/search.py ranks.

- SQLite: an FTS5 table (``unicode61`` tokens, diacritics kept: å, ä and ö are letters).
- PostgreSQL: the word lists with two ``tsvector`` columns and GIN indexes, ``simple``
  configuration: the words are folded and stemmed here, the same way for both databases (the
  ``swedish`` snowball stemmer would stem them a second time, differently).

``update`` is called in the transaction that changes a title or a current report.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Integer, bindparam, column, table, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from domain.words import tails_of, word_list

TABLE = "assignment_search"
INDEXES = {"document": f"ix_{TABLE}_document", "tail_document": f"ix_{TABLE}_tails"}  # PostgreSQL: GIN
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
        "title text NOT NULL, body text NOT NULL, tails text NOT NULL, "
        "document tsvector NOT NULL, tail_document tsvector NOT NULL)"))
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
        found: dict[int, tuple[str, list[str]]] = {}
        statement = text(
            "SELECT a.id, a.title, c.words FROM assignment a "
            "LEFT JOIN current_status c ON c.assignment_id = a.id WHERE a.id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        for assignment_id, title, listed in bind.execute(statement, {"ids": chunk}):
            _, comments = found.setdefault(assignment_id, (title, []))
            if listed:
                comments.append(listed)
        rows = []
        for assignment_id, (title, comments) in found.items():
            title_words = word_list(title)
            body_words = " ".join(sorted({w for listed in comments for w in listed.split()}))
            rows.append({"id": assignment_id, "title": title_words, "body": body_words,
                         "tails": tails_of([title_words, body_words])})
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
        bind.execute(text(
            f"INSERT INTO {TABLE} (assignment_id, title, body, tails, document, tail_document) "
            "VALUES (:id, :title, :body, :tails, setweight(to_tsvector('simple', :title), 'A') || "
            "setweight(to_tsvector('simple', :body), 'D'), "
            "to_tsvector('simple', :tails)) ON CONFLICT (assignment_id) DO UPDATE SET "
            "title = excluded.title, body = excluded.body, tails = excluded.tails, "
            "document = excluded.document, tail_document = excluded.tail_document"), rows)


def rebuild(bind: Connection | Session) -> None:
    """Index every assignment (a migration, or a repair)."""
    ids = [row[0] for row in bind.execute(text("SELECT id FROM assignment ORDER BY id"))]
    update(bind, ids)


def restrict(bind: Connection | Session, statement, assignment_id, terms: Sequence[tuple[str, str]], *,
             every: bool = False, titles: bool = False):
    """``statement`` joined to the index and kept to assignments (``assignment_id``, a column of
    it) with, for any (``every``: for each) of ``terms``' (head, tail) pairs, a word starting
    with the head or ending with the tail reversed (``domain.words.word_terms``); ``titles``:
    a title word starting with the head.

    A join, so that the database chooses which side to read first (the index for a rare word,
    the period's rows for a common one); None without terms.
    """
    if not terms:
        return None
    if _dialect(bind) == "sqlite":
        def quoted(term: str) -> str:
            return '"' + term.replace('"', '""') + '"*'

        groups = [f"title: {quoted(head)}" if titles else f"({{title body}}: {quoted(head)} OR tails: {quoted(tail)})"
                  for head, tail in terms]
        index = table(TABLE, column("rowid", Integer))
        return statement.join(index, index.c.rowid == assignment_id).where(
            text(f"{TABLE} MATCH :fts").bindparams(fts=(" AND " if every else " OR ").join(groups)))

    weight = "A" if titles else ""  # the title's words are weighted A in the document

    def prefix(term: str) -> str:
        return "'" + term.replace("'", "''").replace("\\", "\\\\") + "':*" + weight

    index = table(TABLE, column("assignment_id", Integer))
    params = {}
    if every:
        groups = []
        for n, (head, tail) in enumerate(terms):
            params[f"head{n}"] = prefix(head)
            if titles:
                groups.append(f"{TABLE}.document @@ to_tsquery('simple', :head{n})")
                continue
            groups.append(f"({TABLE}.document @@ to_tsquery('simple', :head{n}) "
                          f"OR {TABLE}.tail_document @@ to_tsquery('simple', :tail{n}))")
            params[f"tail{n}"] = prefix(tail)
        condition = " AND ".join(groups)
    else:
        condition = f"{TABLE}.document @@ to_tsquery('simple', :heads)"
        params = {"heads": " | ".join(prefix(h) for h, _ in terms)}
        if not titles:
            condition += f" OR {TABLE}.tail_document @@ to_tsquery('simple', :tails)"
            params["tails"] = " | ".join(prefix(t) for _, t in terms)
    return statement.join(index, index.c.assignment_id == assignment_id).where(
        text("(" + condition + ")").bindparams(**params))


def indexed(bind: Connection | Session, assignment_ids: Sequence[int]) -> dict[int, Indexed]:
    """The index rows of these assignments."""
    if not assignment_ids:
        return {}
    key = "rowid" if _dialect(bind) == "sqlite" else "assignment_id"
    rows = bind.execute(text(f"SELECT {key}, title, body FROM {TABLE} WHERE {key} IN :ids").bindparams(
        bindparam("ids", expanding=True)), {"ids": list(assignment_ids)})
    return {row[0]: Indexed(row[0], row[1], row[2]) for row in rows}



