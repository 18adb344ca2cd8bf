"""`history backfill` on the topics: each partition number of the input topics read once and
folded day by day (streams/service/backfill.py), in this process or in a pool of processes
(the partition numbers are independent: a machine with cores to spare folds them side by
side), and the days written to the history topic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context

from streams.domain import Regions
from streams.kafka.history import read_snapshots, write_snapshots
from streams.kafka.jobs import Inputs
from streams.kafka.reader import end_offsets, partitions_of
from streams.service.backfill import BackfillReport, DayOf, PartitionDays, PartitionPass, snapshots
from streams.service.history import Source
from streams.service.reference import load_regions
from streams.settings import Settings

TopicPartition = tuple[str, int]


async def fold_number(
    settings: Settings,
    regions: Regions,
    day_of: DayOf,
    number: int,
    horizon: Mapping[TopicPartition, int],
) -> PartitionDays:
    """Read partition `number` of every input topic up to `horizon` and fold it day by day."""
    source = Inputs(settings, regions)
    started = time.monotonic()
    one = PartitionPass(source.admission, regions, day_of, number, horizon)
    async for batch in source.read(horizon):
        one.add(batch)
    read_seconds = time.monotonic() - started
    part = one.fold()
    part.read_seconds = read_seconds
    return part


def fold_number_in_process(
    settings: Settings, first: date, last: date, number: int, horizon: dict[TopicPartition, int]
) -> PartitionDays:
    """`fold_number` in a process of its own (what a process pool runs)."""
    day_of = DayOf(first, last)
    return asyncio.run(fold_number(settings, load_regions(), day_of, number, horizon))


async def backfill_history(
    settings: Settings,
    regions: Regions,
    first: date,
    last: date,
    replace: bool = False,
    processes: int = 1,
) -> BackfillReport:
    """Rebuild the days from `first` to `last` from the input topics in one pass and write them
    to the history topic; days with a live snapshot keep it unless `replace`. With `processes`
    above 1 the partition numbers are folded in that many processes (at most one each)."""
    inputs = list(settings.event_topics())
    partitions = await partitions_of(settings, [*inputs, settings.topic_history])
    horizon = await end_offsets(settings, inputs)
    live = {
        s.peildatum
        for s in await read_snapshots(settings, first, last)
        if s.provenance.source is Source.LIVE
    }
    numbers = sorted({p for t in inputs for p in partitions[t]})
    mine = {n: {(t, n): horizon[(t, n)] for t in inputs if n in partitions[t]} for n in numbers}
    processes = max(1, min(processes, len(numbers)))
    day_of = DayOf(first, last)
    if processes == 1:
        parts = [await fold_number(settings, regions, day_of, n, mine[n]) for n in numbers]
    else:
        # spawned, not forked: a fresh interpreter, with no event loop or sockets of this one
        with ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool:
            loop = asyncio.get_running_loop()
            parts = list(
                await asyncio.gather(*(
                    loop.run_in_executor(
                        pool, fold_number_in_process, settings, first, last, n, mine[n]
                    )
                    for n in numbers
                ))
            )  # fmt: skip
    every = snapshots(parts, day_of, regions)
    chosen = [s for s in every if replace or s.peildatum not in live]
    await write_snapshots(settings, chosen)
    report = BackfillReport(chosen, sorted(d for d in live if not replace), processes=processes)
    for part in parts:
        report.add(part)
    return report
