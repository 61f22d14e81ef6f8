"""Import a generated archive the way ``uppdragsbot import FILE --period P`` does, file by file.

    DATABASE_URL=... python -m bench.imports ARCHIVE_DIR

The same code path as the CLI (bot/cli.py): one Container from the environment's settings,
``prepare_database(demo=False)``, then ``storage.importer.import_file`` per file — in one
process, so the figure is the import's own time and not 30 interpreter start-ups. Prints a line
per file on stderr and the figures as one JSON object on stdout.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

from bench.archive import Manifest
from bot.container import Container
from bot.settings import Settings
from domain.periods import Period
from storage.importer import import_file


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: DATABASE_URL=... python -m bench.imports ARCHIVE_DIR", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    manifest = Manifest.load(Path(argv[0]))
    container = Container.build(Settings.from_env(env_file=None))
    files = []
    try:
        container.prepare_database(demo=False)
        for report in manifest.files:
            start = time.perf_counter()
            result = import_file(container.db, report.path, period=Period.parse(report.period))
            seconds = time.perf_counter() - start
            files.append({"period": report.period, "assignments": report.assignments, "seconds": seconds,
                          "summary": result.summary()})
            print(f"  imported {Path(report.path).name} in {seconds:.1f} s: {result.summary()}",
                  file=sys.stderr, flush=True)
    finally:
        container.close()
    print(json.dumps({"files": files, "seconds": sum(f["seconds"] for f in files)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
