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
from types import MappingProxyType
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
    #: the input positions the cells reflect: (topic, partition) -> the first offset not in
    #: them (the provenance of a history snapshot; empty when the sender did not know them)
    positions: Mapping[tuple[str, int], int] = MappingProxyType({})


class Kept(NamedTuple):
    """A report as the aggregator keeps it: with the offset of its message in the subtotals
    topic (-1 when not known)."""

    offset: int
    report: SubtotalReport


def supersedes(incoming: Kept, stored: Kept | None, current: int) -> bool:
    """Whether `incoming` replaces the `stored` report of its partition, given the current
    generation. Of one generation the later message wins: one at a lower offset is read again
    after the aggregator restarted (its table is ahead of its committed offset), and would
    take the partition back in time. A report of an older generation than the stored one is
    a late message of a former owner, unless the stored one is of a generation above the
    current one (the group was recreated and its generations started again)."""
    if stored is None:
        return True
    new, old = incoming.report, stored.report
    if new.generation == old.generation:
        return incoming.offset > stored.offset
    if new.generation > old.generation:
        return True
    return new.generation == current or old.generation > current


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
