"""The client ledger counted while its partitions are restored (streams/service/restoring.py).

Faust's recovery tells `begin_restore` the active partitions of each recovery as it begins
(CheckedRecovery, after discarding local state ahead of its changelog), and `recover_fetch`
hands `count_restored` each fetch of an active changelog partition, the records that go into
the store. Partitions whose store was empty at the beginning are counted record by record;
the ledger takes them after the recovery, if it read every changelog to its end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import faust

from streams.codecs import state as statecodec
from streams.engine.internals import TableIO, WorkerApp
from streams.service.restoring import Restoring

TP = faust.types.TP


def wire_restore(
    app: faust.App,
    restoring: Restoring,
    table_io: TableIO,
    changelog: str,
    today: Callable[[], date],
) -> None:
    """Count the client changelog's partitions that are restored into an empty store."""

    def begin_restore(tps: set[TP]) -> None:
        partitions = {tp.partition for tp in tps if tp.topic == changelog}
        empty = table_io.empty(partitions)
        restoring.begin(today(), empty, partitions - empty)

    def count_restored(tp: TP, records: Sequence[Any]) -> None:
        partition = tp.partition
        if tp.topic != changelog or not restoring.counts(partition):
            return
        take, loads = restoring.take, statecodec.loads
        try:
            for r in records:
                if r.value is None:  # a tombstone: the client is gone
                    take(partition, r.key.decode(), None)
                    continue
                stored = loads(r.value)
                if stored.partition != partition:  # the table's rebuild would count it elsewhere
                    raise ValueError("a state of another partition")
                take(partition, r.key.decode(), stored.state)
        except (ValueError, AttributeError):
            # unreadable: the rebuild reads this partition from the store, and says what it found
            restoring.spoil(partition)

    if isinstance(app, WorkerApp):
        app.begin_restore = begin_restore
        app.count_restored = count_restored
