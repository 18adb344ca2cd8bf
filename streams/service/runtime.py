"""The worker's client side, without Faust: batches of input messages in, states and subtotals out.

It owns the ledger of the input partitions this worker holds, knows which partitions changed
since they were last published, and whether the state is recovered (ready). The engine hands
in the wire codecs and the metrics sink (streams/service/ports.py) and moves the bytes.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date
from enum import Enum
from typing import NamedTuple

from streams.domain import ClientState, Regions
from streams.service.admission import Admission
from streams.service.clock import Clock
from streams.service.deadletters import dead_letter_record
from streams.service.ledger import Ledger
from streams.service.ports import StoredClient, Wire, WorkerMetrics
from streams.service.reports import NO_GENERATION, SubtotalReport

log = logging.getLogger(__name__)

#: One input message: (topic, partition, offset, timestamp in epoch seconds or None, key, value).
Message = tuple[str, int, int, float | None, bytes | None, bytes | None]

#: Reads a stored client from the table partition it belongs to (None when unknown).
ReadStored = Callable[[int, bytes], StoredClient | None]


class Batch(NamedTuple):
    """What a batch of input messages changed."""

    changed: dict[bytes, StoredClient]  # client key -> latest state, to store and changelog
    dead_letters: list[tuple[bytes | None, bytes]]  # (key, encoded DeadLetter)


class DayChange(Enum):
    """What a clock tick found: the day of counting stayed, moved on, or went back."""

    SAME = "same"
    LATER = "later"  # the due clients were re-evaluated
    EARLIER = "earlier"  # the ledger must be rebuilt from the table for the earlier day


def log_dead_letter(topic: str, partition: int, offset: int, rejection: str, reason: str) -> None:
    """One warning per dead-lettered message: where it is and why, never its key or value."""
    log.warning(
        "dead-lettered %s partition %d offset %d (%s): %s", topic, partition, offset, rejection,
        reason, extra={"topic": topic, "partition": partition, "offset": offset,
                       "rejection": rejection, "reason": reason},
    )  # fmt: skip


class Runtime:
    """State that lives beside the Faust app in one worker process, for the client partitions."""

    def __init__(
        self, regions: Regions, clock: Clock, wire: Wire, metrics: WorkerMetrics, partitions: int
    ) -> None:
        self.regions = regions
        self.clock = clock
        self.wire = wire
        self.metrics = metrics
        self.partitions = partitions  # input partitions in all, said in every report
        self.ledger = Ledger(regions, clock.today())
        self.admission = Admission(wire.decoders, regions)
        self.owned: set[int] = set()  # the partitions rebuilt since the last revocation
        self.generation = NO_GENERATION  # the group generation of the last rebuild
        self.dirty: set[int] = set()
        self.positions: dict[tuple[str, int], int] = {}
        self.recovered = False

    def today(self) -> date:
        """The day of counting now."""
        return self.clock.today()

    def handle_batch(self, messages: Iterable[Message], get: ReadStored) -> Batch:
        """Process input messages in order; `get(partition, key)` reads the stored client.

        A client changed earlier in the batch is read from the batch, so the ledger moves it
        from its in-batch latest cell. Returns each changed client's latest state (to store
        and changelog once) and the dead letters; metrics are updated once per batch."""
        changed: dict[bytes, StoredClient] = {}
        dead_letters: list[tuple[bytes | None, bytes]] = []
        outcomes: Counter[tuple[str, str]] = Counter()
        rejections: Counter[tuple[str, str]] = Counter()
        unknown: Counter[str] = Counter()
        applied_at: list[float] = []
        handle = self.admission.handle
        update = self.ledger.update
        positions = self.positions
        for topic, partition, offset, timestamp, key, value in messages:
            stored = None
            if key is not None:
                stored = changed.get(key)
                if stored is None or stored.partition != partition:
                    stored = get(partition, key)
            before: ClientState | None = None if stored is None else stored.state
            handled = handle(topic, key, value, before)
            outcomes[(topic, handled.outcome)] += 1
            if handled.state is not None:
                assert key is not None
                update(partition, handled.client_id, before, handled.state)
                changed[key] = StoredClient(partition, handled.state)
                if timestamp:
                    applied_at.append(timestamp)
                if handled.unknown_gemeente:
                    unknown[topic] += 1
            elif handled.rejection is not None:
                assert handled.reason is not None
                record = dead_letter_record(
                    topic, partition, offset, key, value, handled.rejection.value, handled.reason
                )
                dead_letters.append((key, self.wire.encode_dead_letter(record)))
                rejections[(topic, handled.rejection.value)] += 1
                log_dead_letter(topic, partition, offset, handled.rejection.value, handled.reason)
            positions[(topic, partition)] = offset + 1
        now = time.time() if changed else None
        if changed:
            self.dirty.update(stored.partition for stored in changed.values())
        latencies = [max(0.0, now - at) for at in applied_at] if now is not None else []
        self.metrics.record_batch(outcomes, rejections, unknown, latencies, now)
        return Batch(changed, dead_letters)

    def rebuild(
        self, clients: Iterable[tuple[bytes, StoredClient]], partitions: set[int], generation: int
    ) -> None:
        """Recompute the ledger for the owned partitions from the client table, recovered in
        the group's `generation`; a state that cannot be read (ValueError) leaves the worker
        not ready."""
        self.owned = set()
        self.ledger.day = self.today()
        lost = set(self.ledger.partitions) - partitions
        for p in lost:
            self.ledger.drop(p)
        self.metrics.forget_partitions(lost)
        try:
            self.ledger.rebuild_partitions(
                partitions,
                ((s.partition, key.decode(), s.state) for key, s in clients if s is not None),
            )
        except ValueError:
            self._set_recovered(False)
            raise
        self.owned = set(partitions)
        self.generation = generation
        self.dirty = set(partitions)
        self._set_recovered(True)

    def revoke(self, partitions: set[int]) -> None:
        """Forget partitions this worker lost; not ready until recovery completes."""
        for p in partitions:
            self.ledger.drop(p)
            self.dirty.discard(p)
        self.owned -= partitions
        self.positions = {tp: o for tp, o in self.positions.items() if tp[1] not in partitions}
        self.metrics.forget_partitions(partitions)
        self._set_recovered(False)

    def _set_recovered(self, recovered: bool) -> None:
        self.recovered = recovered
        self.metrics.set_ready(recovered)

    def tick_clock(self, state_of: Callable[[int, str], ClientState | None]) -> DayChange:
        """Re-evaluate the clients whose start or end date has come, when the day moved on."""
        day = self.today()
        if day == self.ledger.day:
            return DayChange.SAME
        if day < self.ledger.day:
            return DayChange.EARLIER
        self.ledger.advance(day, state_of)
        self.dirty.update(self.owned)  # the day is in every report
        return DayChange.LATER

    def subtotal_messages(self, everything: bool = False) -> list[tuple[bytes, bytes]]:
        """(key, value) report messages for the dirty partitions (or all owned ones); none
        before recovery, and only for partitions rebuilt since they were last revoked."""
        if not self.recovered:
            return []
        partitions = self.owned if everything else self.dirty & self.owned
        self.dirty = set()
        messages = []
        for p in sorted(partitions):
            cells = self.ledger.partitions[p].cells
            self.metrics.set_partition_cells(p, cells)  # cells that fell to 0 stay, as 0
            report = SubtotalReport(p, self.partitions, self.generation, self.ledger.day, cells)
            messages.append((str(p).encode(), self.wire.encode_subtotals(report)))
        return messages

    def resend(self) -> None:
        """A report may not have reached the topic: report every owned partition again."""
        self.dirty.update(self.owned)
