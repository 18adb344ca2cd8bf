"""Summarise .cache/chaos/results.jsonl as the Markdown table in docs/reliability.md."""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict

from tests.chaos.harness import RESULTS


def main() -> None:
    """Print one row per fault: runs, exact, min/median/max time to converge."""
    runs: defaultdict[str, list[dict[str, object]]] = defaultdict(list)
    for line in RESULTS.read_text().splitlines() if RESULTS.exists() else []:
        result = json.loads(line)
        runs[str(result["fault"])].append(result)
    if not runs:
        sys.exit(f"no results in {RESULTS}")
    print("| fault | runs | counts exact after each | converge s (min / median / max) |")
    print("|---|---:|---|---|")
    for fault, results in runs.items():
        times = [float(str(r["converge_seconds"])) for r in results]
        exact = all(r["exact"] for r in results)
        spread = f"{min(times):.1f} / {statistics.median(times):.1f} / {max(times):.1f}"
        print(f"| {fault} | {len(results)} | {'yes' if exact else 'NO'} | {spread} |")


if __name__ == "__main__":
    main()
