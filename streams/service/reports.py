"""Subtotal reports: what the owner of one input partition says about it, and when a set of
reports is the whole truth.

A report carries the partition's absolute counts, the day they are counted on, the number of
input partitions its sender counts with, and the consumer-group generation in which the sender
recovered the partition. Every rebalance revokes every partition of every worker and each owner
reports again, with the new generation, after its recovery: a report of an older generation
comes from a worker that no longer owns the partition (or from before its last recovery).

The aggregator publishes only a complete set: one report for every partition 0..N-1, all of
the current generation and all of the same day. So it never sums an empty or partial set, a
partition before its new owner's recovery, a revoked owner's late report, or two days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from typing import NamedTuple

from streams.domain import Cell

#: The generation of a report that names none (a message of an older version): never current.
NO_GENERATION = -1


class SubtotalReport(NamedTuple):
    """One partition's subtotals, as its owner publishes them."""

    partition: int
    partitions: int  # how many input partitions the sender counts with
    generation: int  # the consumer-group generation in which the sender recovered it
    day: date  # the day of counting of the cells
    cells: Mapping[Cell, int]


def supersedes(incoming: SubtotalReport, stored: SubtotalReport | None, current: int) -> bool:
    """Whether `incoming` replaces the `stored` report of its partition, given the current
    generation: a report of an older generation than the stored one is a late message of a
    former owner, unless the stored one is of a generation above the current one (the group
    was recreated and its generations started again)."""
    if stored is None or incoming.generation >= stored.generation:
        return True
    return incoming.generation == current or stored.generation > current


class Complete(NamedTuple):
    """The sum of a complete set of reports, and the day it is counted on."""

    day: date
    cells: Counter[Cell]


def complete(reports: Iterable[SubtotalReport], partitions: int, current: int) -> Complete | None:
    """The sum of the reports when they are one per partition 0..partitions-1, all of the
    `current` generation, counting with `partitions` and on one day; None otherwise."""
    days: set[date] = set()
    seen: set[int] = set()
    total: Counter[Cell] = Counter()
    for report in reports:
        if report.generation != current:
            continue  # a former owner's, or one from before the last rebalance
        if report.partitions != partitions or report.partition in seen:
            return None  # a sender configured otherwise: never sum what does not add up
        seen.add(report.partition)
        days.add(report.day)
        total.update(report.cells)
    if seen != set(range(partitions)) or len(days) != 1:
        return None
    return Complete(days.pop(), total)
