"""The ledger of partitions restored from the start of their changelog, counted as it is read.

After a cold start the worker used to read every client's state twice over: once from the
changelog into the store (as bytes), then from the store to rebuild the ledger (decode,
classify, due date), all before it is ready. For a partition whose store was empty when its
recovery began, every record of its changelog passes by, in order: counting each as it passes
gives the same ledger as reading the store afterwards, and the counting happens while the
worker would otherwise wait for the next fetch. A partition counted so is used only when the
recovery that read it is complete and current (the engine checks that, as for any rebuild), on
the same day of counting; any other partition is rebuilt from the store as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from streams.domain import Cell, ClientState, Regions, cell_of, classify, next_change
from streams.service.ledger import PartitionLedger


class _Counting:
    """One partition being counted: its ledger, and each client's cell (a client's later
    record replaces its earlier one, as in the store)."""

    def __init__(self) -> None:
        self.ledger = PartitionLedger()
        self.cell_of: dict[str, Cell | None] = {}


class Restoring:
    """Ledgers of the partitions being restored from the start of their changelog."""

    def __init__(self, regions: Regions) -> None:
        self.regions = regions
        self.day: date | None = None
        self._counting: dict[int, _Counting] = {}

    def begin(self, day: date, from_start: Iterable[int], others: Iterable[int]) -> None:
        """A recovery begins: count `from_start` (their stores are empty) from nothing, on
        `day`; forget whatever was counted for `others` (their stores are not empty)."""
        self.day = day
        for partition in others:
            self._counting.pop(partition, None)
        for partition in from_start:
            self._counting[partition] = _Counting()

    def counts(self, partition: int) -> bool:
        """Whether the records of `partition` are being counted."""
        return partition in self._counting

    def take(self, partition: int, client_id: str, state: ClientState | None) -> None:
        """The next changelog record of a counted partition (None: a tombstone)."""
        counting = self._counting[partition]
        ledger, day = counting.ledger, self.day
        assert day is not None
        cell = None if state is None else cell_of(classify(state, day, self.regions))
        known = counting.cell_of
        if client_id in known:  # a record the log cleaner has not compacted away yet
            ledger.move(known[client_id], cell)
        elif cell is not None:
            ledger.cells[cell] += 1
        if state is None:
            known.pop(client_id, None)
            ledger.set_due(client_id, None)
        else:
            known[client_id] = cell
            ledger.set_due(client_id, next_change(state, day))

    def spoil(self, partition: int) -> None:
        """Stop counting a partition (a record could not be read): rebuild it from the store."""
        self._counting.pop(partition, None)

    def finish(self, day: date, partitions: Iterable[int]) -> dict[int, PartitionLedger]:
        """The counted ledgers of `partitions`, when counted on `day`; forgets everything."""
        counting, self._counting = self._counting, {}
        if day != self.day:
            return {}
        return {p: counting[p].ledger for p in partitions if p in counting}

    def clear(self) -> None:
        """Forget every count (the partitions were revoked)."""
        self._counting = {}
