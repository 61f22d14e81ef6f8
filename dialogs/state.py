"""botbuilder ``Storage`` over the database, so dialogs survive restarts and span instances.

``ConversationState``/``UserState`` hand storage a plain dict per scope, but the values in it
are Python objects: the dialog stack is a ``DialogState`` of ``DialogInstance`` objects, whose
state holds ``PromptOptions`` with ``Activity`` prompts, ``Choice``/``FoundChoice`` objects, a
``ListStyle`` enum, datetimes, and whatever a waterfall keeps in ``step.values``.

How they are stored: as plain JSON in which every value that JSON cannot hold is an object
``{"$type": <tag>, ...}``:

- ``botbuilder.schema`` models (Activity, CardAction, Attachment, ...): ``"schema:<Class>"``
  with the Bot Framework wire JSON from ``botbuilder.core.serializer_helper``;
- classes registered with :func:`register_state_class` (the dialog classes below, and the
  bot's own): ``"<module>.<Class>"`` with their attributes (enums: their value);
- ``datetime``, ``date``, ``tuple``, ``frozenset``; and a dict that itself has a ``"$type"`` key.

Anything else (a set, an unregistered object) is refused with a TypeError on write, instead
of being stored in a shape nobody can read back. Reading only ever creates registered classes,
so the database never decides which Python code runs (unlike jsonpickle, which botbuilder's
Azure storages use). Each stored item's e-tag is handed to BotState as ``"e_tag"``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum

from botbuilder.core import Storage, StoreItem
from botbuilder.core.serializer_helper import (
    DEPENDICIES_DICT,
    deserializer_helper,
    serializer_helper,
)
from botbuilder.dialogs import DialogInstance, DialogState
from botbuilder.dialogs.choices import (
    Choice,
    FoundChoice,
    FoundValue,
    ListStyle,
    SortedValue,
)
from botbuilder.dialogs.prompts import DateTimeResolution, PromptOptions

from storage import bot_state
from storage.gateway import Database

TYPE = "$type"
ETAG = "e_tag"
_SCHEMA = "schema:"
_CLASSES: dict[str, type] = {}


class StateConflictError(Exception):
    """A state item's e-tag is stale: another turn (maybe on another instance) saved it after
    this turn read it. Nothing of the failed ``write`` was stored; the turn should tell the
    user to try again, and the next turn reads the newer state."""

    def __init__(self, key: str) -> None:
        super().__init__(f"bot state {key!r} was changed by another turn")
        self.key = key


def register_state_class(cls: type) -> type:
    """Allow instances of ``cls`` in bot state (restored without calling ``__init__``)."""
    _CLASSES[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return cls


for _cls in (
    StoreItem, DialogState, DialogInstance, PromptOptions, DateTimeResolution,
    Choice, FoundChoice, FoundValue, SortedValue, ListStyle,
):
    register_state_class(_cls)


def to_json(value: object) -> object:
    """``value`` as JSON-native data (see the module docstring)."""
    cls = type(value)
    name = f"{cls.__module__}.{cls.__qualname__}"
    if isinstance(value, Enum):
        if _CLASSES.get(name) is not cls:
            raise TypeError(f"{name} cannot be stored in bot state: register_state_class() it")
        return {TYPE: name, "value": to_json(value.value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [to_json(item) for item in value]
    if isinstance(value, tuple):
        return {TYPE: "tuple", "items": [to_json(item) for item in value]}
    if isinstance(value, frozenset):
        return {TYPE: "frozenset", "items": sorted((to_json(item) for item in value), key=repr)}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError("bot state dict keys must be strings")
        items = {key: to_json(item) for key, item in value.items()}
        return {TYPE: "dict", "items": items} if TYPE in value else items
    if isinstance(value, datetime):
        return {TYPE: "datetime", "value": value.isoformat()}
    if isinstance(value, date):
        return {TYPE: "date", "value": value.isoformat()}
    if DEPENDICIES_DICT.get(cls.__name__) is cls:
        return {TYPE: _SCHEMA + cls.__name__, "value": serializer_helper(value)}
    if _CLASSES.get(name) is cls:
        return {TYPE: name, "attrs": to_json(vars(value))}
    raise TypeError(f"{name} cannot be stored in bot state: register_state_class() it")


def from_json(data: object) -> object:
    """The inverse of :func:`to_json`."""
    if isinstance(data, list):
        return [from_json(item) for item in data]
    if not isinstance(data, dict):
        return data
    tag = data.get(TYPE)
    if tag is None:
        return {key: from_json(item) for key, item in data.items()}
    if tag == "dict":
        return {key: from_json(item) for key, item in data["items"].items()}
    if tag == "tuple":
        return tuple(from_json(item) for item in data["items"])
    if tag == "frozenset":
        return frozenset(from_json(item) for item in data["items"])
    if tag == "datetime":
        return datetime.fromisoformat(data["value"])
    if tag == "date":
        return date.fromisoformat(data["value"])
    if tag.startswith(_SCHEMA):
        return deserializer_helper(DEPENDICIES_DICT[tag[len(_SCHEMA):]], data["value"])
    cls = _CLASSES.get(tag)
    if cls is None:
        raise TypeError(f"bot state holds {tag}, which is not registered")
    if issubclass(cls, Enum):
        return cls(from_json(data["value"]))
    instance = cls.__new__(cls)
    instance.__dict__.update(from_json(data["attrs"]))
    return instance


def _encode_item(value: object) -> tuple[str | None, dict]:
    """(expected e-tag, JSON to store without the e-tag) for one change handed to write()."""
    if isinstance(value, dict):
        return value.get(ETAG), to_json({k: v for k, v in value.items() if k != ETAG})
    encoded = to_json(value)
    if not isinstance(encoded, dict) or "attrs" not in encoded:
        raise TypeError(f"bot state items must be dicts or objects, not {type(value).__name__}")
    encoded["attrs"].pop(ETAG, None)
    return getattr(value, ETAG, None), encoded


def _decode_item(data: dict, etag: str) -> object:
    item = from_json(data)
    if isinstance(item, dict):
        item[ETAG] = etag
    else:
        setattr(item, ETAG, etag)
    return item


@dataclass
class TurnUnit:
    """What one turn's state reads and writes share with the turn's own bookkeeping, so that a
    turn costs the database as few transactions as it can.

    ``preloaded``: items read in the transaction that claimed the turn (``None`` = absent);
    a ``read`` of exactly those keys is answered from here, once (a forced reload after a
    conflict reads the database again). ``with_write``: storage work committed in the same
    transaction as the turn's state write, if the turn writes state; ``written`` tells.
    """

    preloaded: dict[str, tuple[dict, str] | None] = field(default_factory=dict)
    with_write: Callable[..., None] | None = None
    written: bool = False


_UNIT: ContextVar[TurnUnit | None] = ContextVar("uppdragsboten.turn_unit", default=None)


class SqlStorage(Storage):
    """Stores bot state in the ``bot_state`` table; the DB work runs in a worker thread.

    ``write`` honours e-tags like botbuilder's storages: an item whose ``e_tag`` is None or
    "*" is written unconditionally, any other e-tag must match the stored one or the whole
    write fails with StateConflictError. After a write the new e-tag is set on the caller's
    dict/object, so saving the same state again in the same turn works.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    @staticmethod
    @contextmanager
    def turn(unit: TurnUnit) -> Iterator[TurnUnit]:
        """Reads and writes inside this block (the current task) share ``unit``."""
        token = _UNIT.set(unit)
        try:
            yield unit
        finally:
            _UNIT.reset(token)

    async def read(self, keys: list[str]) -> dict[str, object]:
        keys = list(keys or ())
        unit = _UNIT.get()
        if unit is not None and keys and all(key in unit.preloaded for key in keys):
            found = {key: unit.preloaded.pop(key) for key in keys}
            items = {key: item for key, item in found.items() if item is not None}
        else:
            items = await self._db.run(bot_state.read_items, keys=keys)
        return {key: _decode_item(data, etag) for key, (data, etag) in items.items()}

    async def write(self, changes: dict[str, object]) -> None:
        if changes is None:
            raise TypeError("SqlStorage.write(): changes are required")
        if not changes:
            return
        encoded = {key: _encode_item(value) for key, value in changes.items()}

        unit = _UNIT.get()
        also = unit.with_write if unit is not None else None

        def work(*, session) -> dict[str, str]:
            etags = {
                key: bot_state.write_item(session=session, key=key, data=data, expected_etag=expected)
                for key, (expected, data) in encoded.items()
            }
            if also is not None:
                also(session=session)
            return etags

        try:
            new_etags = await self._db.run(work)
        except bot_state.ETagConflict as conflict:
            raise StateConflictError(conflict.key) from conflict
        if unit is not None and also is not None:
            unit.written = True
        for key, value in changes.items():  # only once everything is committed
            if isinstance(value, dict):
                value[ETAG] = new_etags[key]
            else:
                setattr(value, ETAG, new_etags[key])

    async def delete(self, keys: Iterable[str]) -> None:
        await self._db.run(bot_state.delete_items, keys=list(keys or ()))
