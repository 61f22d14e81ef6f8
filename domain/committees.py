"""The municipality's committees (nämnder), loaded from data, not code (pure).

The default list is ``domain/data/committees.json`` (Östersunds kommun). Another
municipality points ``COMMITTEES_FILE`` at its own file of the same shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Committee:
    abbreviation: str
    name: str
    aliases: tuple[str, ...] = field(default=())

    @property
    def display(self) -> str:
        """"Tekniska nämnden (TN)"."""
        return f"{self.name} ({self.abbreviation})"


class CommitteeFileError(ValueError):
    pass


def load_committees(path: str | Path | None = None) -> list[Committee]:
    """Read a committee file; ``None`` reads the bundled default."""
    if path is None:
        text = resources.files("domain").joinpath("data/committees.json").read_text("utf-8")
        source = "domain/data/committees.json"
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as exc:
            raise CommitteeFileError(f"{source}: cannot read committee file: {exc}") from exc
    try:
        entries = json.loads(text)["committees"]
        committees = [
            Committee(
                abbreviation=str(e["abbreviation"]).strip().upper(),
                name=str(e["name"]).strip(),
                aliases=tuple(str(a).strip() for a in e.get("aliases", [])),
            )
            for e in entries
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise CommitteeFileError(
            f"{source}: expected {{\"committees\": [{{\"abbreviation\", \"name\", \"aliases\"}}]}}: {exc}"
        ) from exc
    abbreviations = [c.abbreviation for c in committees]
    if len(set(abbreviations)) != len(abbreviations):
        raise CommitteeFileError(f"{source}: duplicate committee abbreviations")
    return committees
