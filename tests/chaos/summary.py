"""Summarise .cache/chaos/results.jsonl as the Markdown tables in docs/reliability.md."""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from typing import Any

from tests.chaos.harness import RESULTS


def main() -> None:
    """Print one row per fault (runs, exact, min/median/max time to converge), then what was
    published during the faults with no input: messages and answers checked, and false."""
    runs: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    published: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in RESULTS.read_text().splitlines() if RESULTS.exists() else []:
        result = json.loads(line)
        into = published if "messages_checked" in result else runs
        into[str(result["fault"])].append(result)
    if not runs:
        sys.exit(f"no results in {RESULTS}")
    print("| fault | runs | counts exact after each | converge s (min / median / max) |")
    print("|---|---:|---|---|")
    for fault, results in runs.items():
        times = [float(r["converge_seconds"]) for r in results]
        exact = all(r["exact"] for r in results)
        spread = f"{min(times):.1f} / {statistics.median(times):.1f} / {max(times):.1f}"
        print(f"| {fault} | {len(results)} | {'yes' if exact else 'NO'} | {spread} |")
    if not published:
        return
    print()
    print("| fault, no input | runs | counts messages checked | false | /counts answers checked"
          " | false |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|")
    totals = [0, 0, 0, 0]
    for fault, results in published.items():
        figures = [sum(int(r[k]) for r in results) for k in
                   ("messages_checked", "messages_false", "answers_checked", "answers_false")]  # fmt: skip
        totals = [t + f for t, f in zip(totals, figures, strict=True)]
        print(f"| {fault} | {len(results)} | " + " | ".join(str(f) for f in figures) + " |")
    print(f"| all | {sum(len(r) for r in published.values())} | "
          + " | ".join(str(t) for t in totals) + " |")  # fmt: skip
    print(f"\n{totals[0]} counts messages and {totals[2]} /counts answers checked after"
          f" convergence: {totals[1]} and {totals[3]} false.")  # fmt: skip


if __name__ == "__main__":
    main()
