"""The live benchmark's figures: written as JSON and printed as a Markdown table and lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def fmt_row(name: str, r: dict[str, Any]) -> str:
    """One contender's row of the throughput table."""
    return (
        f"| {name} | {r['events_per_s']:,.0f} | {r['cpu_s_per_million']:.0f} "
        f"| {r['broker_cpu_s_per_million']:.0f} | {r['peak_rss'] / 2**20:,.0f} MiB "
        f"| {r['state_bytes_per_client']:,.0f} B |"
    )


# (contender, reference): every ratio the run can give; `plain` stands for three references:
# the plain loop before the others, after them, and the mean of the two (the bracket)
PAIRS = (("worker", "plain"), ("worker_memory", "plain"), ("quix", "plain"), ("naive", "plain"),
         ("worker", "quix"), ("worker_memory", "quix"), ("worker_memory", "worker"),
         ("worker", "naive"))  # fmt: skip
PLAIN_RUNS = {"plain_before": "plain", "plain_after": "plain_after"}


def references(results: dict[str, dict[str, Any]], name: str) -> dict[str, dict[str, float]]:
    """The figures a ratio can be taken against for `name`: for `plain`, each plain run and
    their mean (events/s and CPU per event averaged); else the one contender, if it ran."""
    if name != "plain":
        return {name: results[name]} if name in results else {}
    runs = {label: results[key] for label, key in PLAIN_RUNS.items() if key in results}
    if len(runs) == 2:
        runs["plain_mean"] = {
            f: sum(r[f] for r in runs.values()) / 2 for f in ("events_per_s", "cpu_s_per_million")
        }
    return runs


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Every ratio of the run, as `a/b`: `events_per_s` is a's events/s over b's, and
    `cpu_per_event` b's CPU per event over a's (so both read "a is this many times b")."""
    out: dict[str, dict[str, float]] = {}
    for name, reference in PAIRS:
        if name not in results:
            continue
        a = results[name]
        for label, b in references(results, reference).items():
            out[f"{name}/{label}"] = {
                "events_per_s": a["events_per_s"] / b["events_per_s"],
                "cpu_per_event": b["cpu_s_per_million"] / a["cpu_s_per_million"],
            }
    return out


def write(figures: dict[str, Any], out: Path) -> None:
    """Every figure of a run, as JSON."""
    out.write_text(json.dumps(figures, indent=2))


def summary(figures: dict[str, Any]) -> str:
    """The figures of a run as a reader wants them: throughput table, ratios, latency, recovery."""
    pop = figures["population"]
    lines = [
        f"machine: {figures['machine']}; load {figures['load_before']:.1f} -> "
        f"{figures['load_after']:.1f}; population {pop['clients']} clients, {pop['events']} events",
        "| contender | events/s | CPU s / M events | broker CPU s / M | peak RSS | state / client |",
        "|---|---|---|---|---|---|",
    ]
    results: dict[str, dict[str, Any]] = figures.get("throughput", {})
    lines += [fmt_row(name, r) for name, r in results.items()]
    for pair, r in figures.get("ratios", {}).items():
        lines.append(
            f"{pair}: {r['events_per_s']:.2f} (events/s), {r['cpu_per_event']:.2f} (CPU per event)"
        )
    if "two_workers" in figures:
        two = figures["two_workers"]
        lines.append(
            f"two workers: {two['events_per_s']:,.0f} events/s, {two['cpu_s_per_million']:.1f} "
            f"CPU s / M events (both), efficiency {two['efficiency']:.2f} of twice one worker"
        )
    if "latency" in figures:
        lat = figures["latency"]
        lines.append(
            f"latency at {lat['rate_sent']:,.0f} events/s: event->ledger p50 "
            f"{lat['histogram_p50']:.3f} s p99 {lat['histogram_p99']:.3f} s; event->counts topic "
            f"p50 {lat['probe_p50']:.3f} s p99 {lat['probe_p99']:.3f} s "
            f"({lat['probes_seen']}/{lat['probes']} probes)"
        )
    if "recovery" in figures:
        rec = figures["recovery"]
        lines.append(
            f"recovery of {rec['clients']} clients ({rec['changelog_offsets']} changelog "
            f"records written, {rec['changelog_disk_bytes'] / 2**20:,.0f} MiB after "
            f"compaction): rocksdb from changelog "
            f"{rec['rocksdb_from_changelog']['seconds_to_ready']:.1f} s, "
            f"rocksdb from local {rec['rocksdb_from_local']['seconds_to_ready']:.1f} s, memory "
            f"from changelog {rec['memory_from_changelog']['seconds_to_ready']:.1f} s "
            f"({rec['memory_bytes_per_client']:,.0f} B per client over an empty worker)"
        )
    return "\n".join(lines)
