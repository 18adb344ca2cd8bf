"""Local table state that its changelog does not back is discarded and restored, not fatal.

Faust's recovery raises `ConsistencyError` and the worker crashes when a RocksDB partition
remembers a changelog offset beyond the end of that changelog partition: the topics were
recreated or truncated (a test environment reset, a restore, a worker pointed at another
cluster) under a data dir that outlived them. The changelog is the truth. `CheckedRecovery`
compares every partition's local offset with the end of its changelog before Faust does, and
for a partition that is ahead it deletes the partition's local store and lets recovery read
the changelog from its start, with one warning line naming the partitions and the offsets.
(The other way a data dir can belong to another incarnation, another cluster altogether, is
checked by its cluster id at start: streams/engine/localstate.py.)
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import MutableMapping
from typing import Any, NamedTuple

from faust.stores import rocksdb as rocksdb_store
from faust.tables.manager import TableManager
from faust.tables.recovery import Recovery
from faust.types import TP

log = logging.getLogger(__name__)


class Discarded(NamedTuple):
    """A changelog partition whose local state was ahead of it."""

    tp: TP
    local_offset: int  # the last changelog offset the local store says it holds
    last_offset: int  # the last offset the changelog partition has (-1: empty)


def ahead_of(local: MutableMapping[TP, int], ends: dict[TP, int | None]) -> list[Discarded]:
    """The partitions whose local offset lies beyond the last offset of the changelog."""
    found = []
    for tp, offset in local.items():
        end = ends.get(tp)
        last = -1 if end is None else end - 1
        if offset is not None and offset > last:
            found.append(Discarded(tp, offset, last))
    return found


def describe(discarded: list[Discarded]) -> str:
    """One line for the operator: which partitions, what they held, and what is done."""
    parts = ", ".join(
        f"{d.tp.topic}[{d.tp.partition}] (local offset {d.local_offset}, "
        + ("changelog empty" if d.last_offset < 0 else f"changelog ends at {d.last_offset}")
        + ")"
        for d in sorted(discarded)
    )
    return (
        f"local state is ahead of its changelog for {parts}: the changelog was recreated or "
        "truncated under this data dir; discarded the local state of these partitions and "
        "restoring them from the changelog"
    )


def discard_partition(store: Any, partition: int) -> bool:
    """Delete the local RocksDB store of one partition and open an empty one in its place;
    False for a store that keeps nothing across restarts (memory)."""
    if not isinstance(store, rocksdb_store.Store):
        return False
    db = store._dbs.pop(partition, None)
    if db is not None:
        db.close()
    shutil.rmtree(store.partition_path(partition), ignore_errors=True)
    index = store._key_index
    for key in [k for k, p in index.items() if p == partition]:
        index.pop(key, None)
    store._db_for_partition(partition)  # a new, empty database
    return True


class CheckedRecovery(Recovery):
    """Faust's recovery, discarding a partition's local state when it is ahead of its
    changelog instead of raising ConsistencyError (the check Faust makes right after this)."""

    async def _build_offsets(
        self, consumer: Any, tps: set[TP], destination: Any, title: str
    ) -> None:
        await super()._build_offsets(consumer, tps, destination, title)
        # -1: nothing local (Faust's "before the first offset")
        local = {
            tp: offset for tp in tps if (offset := destination[tp]) is not None and offset >= 0
        }
        if not local:
            return
        ends: dict[TP, int | None] = dict(await consumer.highwaters(*local))
        tables: Any = self.tp_to_table
        discarded = [
            d for d in ahead_of(local, ends) if discard_partition(tables[d.tp].data, d.tp.partition)
        ]
        for d in discarded:
            destination[d.tp] = -1  # read the changelog from its start
        if discarded:
            log.warning(describe(discarded))


class CheckedTableManager(TableManager):
    """Faust's table manager with `CheckedRecovery` (the app setting `TableManager`), started
    without Faust's one-second sleep: Faust waits for tables declared late, and every table of
    the worker is declared in `create_app`, before the app starts (a second of every start
    and every recovery, docs/performance.md "Recovery, session 4")."""

    async def on_start(self) -> None:
        """Faust's `TableManager.on_start` without its `sleep(1.0)`."""
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()

    @property
    def recovery(self) -> Recovery:
        """The recovery service, made on first use as Faust's property does."""
        if self._recovery is None:
            self._recovery = CheckedRecovery(self.app, self, beacon=self.beacon, loop=self.loop)
        return self._recovery
