"""What the reliability commands print: reconcile results, dead letters and replay reports."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from streams.kafka.lag import PartitionLag
from streams.service.deadletters import DeadLetterInfo, ReplayReport
from streams.service.formats import text_table
from streams.service.reconcile import Result

#: The longest reason shown in the text table (JSON carries it whole).
REASON_WIDTH = 80


def render_reconcile(result: Result, fmt: str) -> str:
    """The differences as a text table or JSON (with a summary either way)."""
    if fmt == "json":
        body = {
            "as_of": result.as_of.isoformat(),
            "drift": result.drift,
            "differences": [asdict(d) for d in result.differences],
            "events": result.events,
            "clients": result.clients,
            "rejected": result.rejected,
            "attempts": result.attempts,
            "seconds": round(result.seconds, 3),
        }
        return json.dumps(body, indent=2) + "\n"
    summary = (
        f"{result.events} input messages, {result.clients} clients, "
        f"{sum(result.rejected.values())} skipped as the worker dead-letters them; "
        f"as of {result.as_of.isoformat()}; {result.attempts} attempt(s) in {result.seconds:.1f} s"
    )
    if not result.drift:
        return f"no drift: the counts topic equals the recomputation\n{summary}\n"
    table = text_table(
        ("region", "column", "expected", "actual"),
        [(d.region, d.column, str(d.expected), str(d.actual)) for d in result.differences],
        right=(2, 3),
    )
    return (
        f"DRIFT: {len(result.differences)} cell(s) of the counts topic differ from the "
        f"recomputation (expected = recomputed, actual = counts topic)\n{table}\n{summary}\n"
    )


def render_dead_letters(infos: Sequence[DeadLetterInfo], fmt: str) -> str:
    """The dead letters as a text table or as JSON (one object per dead letter)."""
    if fmt == "json":
        return json.dumps([asdict(i) for i in infos], indent=2) + "\n"

    def size(n: int | None) -> str:
        return "-" if n is None else f"{n} B"

    def short(reason: str) -> str:
        return reason if len(reason) <= REASON_WIDTH else reason[: REASON_WIDTH - 1] + "…"

    table = text_table(
        ("offset", "source", "error_class", "reason", "dead_lettered_at", "key", "value"),
        [
            (
                str(i.offset),
                f"{i.source_topic}[{i.source_partition}]@{i.source_offset}",
                i.error_class,
                short(i.reason),
                i.dead_lettered_at,
                size(i.key_bytes),
                size(i.value_bytes),
            )
            for i in infos
        ],
    )
    return table + f"\n{len(infos)} dead letter(s)\n"


def render_replay(report: ReplayReport) -> str:
    """A short text report of a replay."""
    verb = "would replay" if report.dry_run else "replayed"
    if not report.replayed:
        return f"{verb} 0 dead letters (none from offset {report.next_since_offset})\n"
    lines = [
        f"{verb} {report.replayed} dead letter(s), dead-letter offsets "
        f"{report.first_offset}..{report.last_offset}:"
    ]
    lines += [f"  {n:>8}  {topic}" for topic, n in sorted(report.by_topic.items())]
    if report.skipped:
        lines.append(
            f"  skipped {report.skipped} without a value (a tombstone, or too large to keep:"
            " see the source topic, partition and offset in `list`)"
        )
    if not report.dry_run:
        lines.append(
            "Messages that are still bad are dead-lettered again at new offsets; to replay only "
            f"what arrives after this run, use --since-offset {report.next_since_offset}."
        )
    return "\n".join(lines) + "\n"


def render_lag(group: str, rows: Sequence[PartitionLag], fmt: str) -> str:
    """The group's lag per topic and partition, as a text table or JSON, with the total."""
    total = sum(r.lag for r in rows)
    if fmt == "json":
        body = {"group": group, "total_lag": total, "partitions": [asdict(r) for r in rows]}
        return json.dumps(body, indent=2) + "\n"
    table = text_table(
        ("topic", "partition", "committed", "end", "lag"),
        [
            (
                r.topic,
                str(r.partition),
                "-" if r.committed is None else str(r.committed),
                str(r.end),
                str(r.lag),
            )
            for r in rows
        ],
        right=(1, 2, 3, 4),
    )
    return table + f"\ngroup {group}: {total} message(s) to process in all\n"
