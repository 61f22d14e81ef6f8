"""How long ``understand`` takes per message, over the language table (tests/language_table.py).

    python -m bench.language [--rounds N]      # the figures as JSON on stdout

Every message of the table is read ``rounds`` times, each call timed on its own with
``time.perf_counter_ns``; the first round (each message seen for the first time in the process,
its caches cold) is reported apart and left out of the rest. As a yardstick measured in the same
run: ``domain.text.fold`` over the same messages, the least any reading of a message does. No
database, no network: the committees are the bundled default list, today the table's day.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from dialogs.language.understand import understand
from domain.committees import load_committees
from domain.text import fold
from tests.language_table import TABLE, TODAY

DEFAULT_ROUNDS = 100  # about 25,000 readings: 2–3 s


def _timed(call: Callable[[str], object], messages: Sequence[str], rounds: int) -> tuple[list[int], list[int]]:
    """Nanoseconds per call: (the first round, the other rounds)."""
    gc.collect()
    samples: list[int] = []
    clock = time.perf_counter_ns
    for _ in range(rounds):
        for message in messages:
            start = clock()
            call(message)
            samples.append(clock() - start)
    return samples[: len(messages)], samples[len(messages):]


def _figures(first: list[int], rest: list[int]) -> dict:
    ordered = sorted(rest)
    return {
        "mean_us": round(statistics.fmean(rest) / 1000, 2),
        "p50_us": round(ordered[len(ordered) // 2] / 1000, 2),
        "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000, 2),
        "max_us": round(ordered[-1] / 1000, 1),
        "first_round_mean_us": round(statistics.fmean(first) / 1000, 2),
    }


def run(rounds: int = DEFAULT_ROUNDS) -> dict:
    rounds = max(2, rounds)
    committees = load_committees()
    messages = [message for rows in TABLE.values() for message, _ in rows]
    kinds = [kind for kind, rows in TABLE.items() for _ in rows]

    def read(message: str) -> object:
        return understand(message, committees, today=TODAY)

    started = time.monotonic()
    first, rest = _timed(read, messages, rounds)
    baseline_first, baseline_rest = _timed(fold, messages, rounds)
    understood, baseline = _figures(first, rest), _figures(baseline_first, baseline_rest)

    # Per message (its mean over the timed rounds) and per kind of the table.
    per_message = [statistics.fmean(rest[i::len(messages)]) / 1000 for i in range(len(messages))]
    slowest = max(range(len(messages)), key=per_message.__getitem__)
    per_kind: dict[str, list[float]] = {}
    for kind, mean in zip(kinds, per_message):
        per_kind.setdefault(kind, []).append(mean)
    return {
        "messages": len(messages), "rounds": rounds, "seconds": round(time.monotonic() - started, 2),
        "understand": understood, "fold": baseline,
        "understand/fold": round(understood["mean_us"] / max(baseline["mean_us"], 1e-9), 1),
        "slowest": {"message": messages[slowest], "kind": kinds[slowest], "mean_us": round(per_message[slowest], 1)},
        "kinds_mean_us": {kind: round(statistics.fmean(means), 1) for kind, means in per_kind.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.language", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                        help="readings of every message (default %(default)s)")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.rounds), ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
