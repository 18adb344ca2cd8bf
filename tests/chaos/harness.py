"""Populations in rounds, cumulative expected tables and a results log for the chaos suite."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from streams.devtools.stack import PROJECT, Worker, cli, load_expected
from tests.chaos.watch import Verdict

AS_OF = "2026-11-29"
FIELDS = ("gemeente_met_profiel", "gemeente_zonder_profiel", "uwv_met_profiel",
          "uwv_zonder_profiel", "totaal", "beschut_wsw")  # fmt: skip
RESULTS = PROJECT / ".cache" / "chaos" / "results.jsonl"


def population(tmp: Path, round_: int, clients: int) -> Path:
    """A population of its own clients for one round (the seed makes the client ids differ)."""
    out = tmp / f"round-{round_}"
    cli({}, "generate", "--clients", str(clients), "--seed", str(1000 + round_), "--out",
        str(out), "--as-of", AS_OF, "--no-progress")  # fmt: skip
    return out


def add_tables(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The expected table of two disjoint populations: cell by cell sums, same row rules."""
    rows: dict[str, dict[str, Any]] = {}
    for row in [*a, *b]:
        into = rows.setdefault(row["regio_code"], {**row, **dict.fromkeys(FIELDS, 0)})
        for f in FIELDS:
            into[f] += row[f]
    regions = sorted(code for code in rows if code not in ("ONBEKEND", "NL"))
    tail = ["ONBEKEND"] if "ONBEKEND" in rows else []
    return [rows[code] for code in [*regions, *tail, "NL"]]


def cumulative(populations: list[Path]) -> list[dict[str, Any]]:
    """The expected table of all populations produced so far."""
    total: list[dict[str, Any]] = load_expected(populations[0])
    for pop in populations[1:]:
        total = add_tables(total, load_expected(pop))
    return total


def produce_in_background(env: dict[str, str], pop: Path, rate: int) -> subprocess.Popen[bytes]:
    """Start `transparantie produce` at a steady rate."""
    return subprocess.Popen(
        [sys.executable, "-m", "streams", "produce", str(pop), "--rate", str(rate), "--no-progress"],
        env=env, cwd=PROJECT,
    )  # fmt: skip


def all_equal(workers: list[Worker], expected: list[dict[str, Any]]) -> bool:
    """Every live worker's /counts equals the expected table."""
    live = [w for w in workers if w.alive()]
    return bool(live) and all(w.counts() == expected for w in live)


def record(fault: str, round_: int, seconds: float, exact: bool) -> None:
    """Append one outcome to .cache/chaos/results.jsonl (summarised in docs/reliability.md)."""
    _append({"fault": fault, "round": round_, "converge_seconds": round(seconds, 1),
             "exact": exact})  # fmt: skip
    outcome = "converged exactly" if exact else "did NOT converge"
    print(f"{fault} round {round_}: {outcome} in {seconds:.1f} s")


def record_published(fault: str, round_: int, messages: Verdict, answers: Verdict) -> None:
    """Append what was published during a fault after convergence: counts messages and
    /counts answers checked, and how many were false."""
    _append({"fault": fault, "round": round_, "messages_checked": messages.checked,
             "messages_false": len(messages.false), "answers_checked": answers.checked,
             "answers_false": len(answers.false)})  # fmt: skip
    print(f"{fault} round {round_}: {messages.checked} counts messages checked,"
          f" {len(messages.false)} false; {answers.checked} /counts answers checked,"
          f" {len(answers.false)} false")  # fmt: skip


def _append(line: dict[str, Any]) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps({**line, "at": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
