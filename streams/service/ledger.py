"""In-memory subtotals per input partition, derived from client states (never persisted).

The ledger keeps, for every owned partition, how many clients sit in each cell of the table
on the current day, and an index of the days on which a client's classification may change
by itself. It is rebuilt from the client table after recovery and maintained from the
before/after state of every applied event. Pure Python: no Faust, no Kafka.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from streams.domain import Cell, ClientState, Regions, cell_of, classify, next_change


def cell_on(state: ClientState | None, day: date, regions: Regions) -> Cell | None:
    """The cell a client state adds 1 to on a day, if any."""
    return None if state is None else cell_of(classify(state, day, regions))


@dataclass
class PartitionLedger:
    """Subtotals and due dates of the clients of one input partition."""

    cells: Counter[Cell] = field(default_factory=Counter)
    due_on: dict[str, date] = field(default_factory=dict)
    due_clients: defaultdict[date, set[str]] = field(default_factory=lambda: defaultdict(set))

    def set_due(self, client_id: str, day: date | None) -> None:
        """Remember the next day on which a client must be re-evaluated (None: never)."""
        if self.due_on.get(client_id) == day:
            return  # most events do not move the day (and None stays None)
        old = self.due_on.pop(client_id, None)
        if old is not None:
            clients = self.due_clients[old]
            clients.discard(client_id)
            if not clients:
                del self.due_clients[old]
        if day is not None:
            self.due_on[client_id] = day
            self.due_clients[day].add(client_id)

    def move(self, old: Cell | None, new: Cell | None) -> None:
        """A client leaves cell `old` for cell `new` (either may be None: in no cell)."""
        if old != new:
            if old is not None:
                self.cells[old] -= 1
            if new is not None:
                self.cells[new] += 1


class Ledger:
    """Subtotals for the partitions this worker owns, on one day of counting."""

    def __init__(self, regions: Regions, day: date) -> None:
        self.regions = regions
        self.day = day
        self.partitions: dict[int, PartitionLedger] = {}

    def cell(self, state: ClientState | None) -> Cell | None:
        """The cell a client state adds 1 to on the ledger's day, if any."""
        return cell_on(state, self.day, self.regions)

    def rebuild_partitions(
        self, partitions: Iterable[int], clients: Iterable[tuple[int, str, ClientState]]
    ) -> None:
        """Recompute the given partitions from (partition, client id, state) in one pass (a
        million clients are never all decoded at once); clients of other partitions are
        skipped."""
        fresh = {p: PartitionLedger() for p in partitions}
        day, regions = self.day, self.regions
        # `cell` and `set_due` inlined: this loop runs a million times after a recovery
        for partition, client_id, state in clients:
            ledger = fresh.get(partition)
            if ledger is None:
                continue
            found = cell_of(classify(state, day, regions))
            if found is not None:
                ledger.cells[found] += 1
            due, due_on = next_change(state, day), ledger.due_on
            if client_id in due_on:  # seen before (not in one store): replace its due day
                ledger.set_due(client_id, due)
            elif due is not None:
                due_on[client_id] = due
                ledger.due_clients[due].add(client_id)
        self.partitions.update(fresh)

    def drop(self, partition: int) -> PartitionLedger | None:
        """Forget a partition this worker no longer owns."""
        return self.partitions.pop(partition, None)

    def update(
        self, partition: int, client_id: str, before: ClientState | None, after: ClientState | None
    ) -> None:
        """Move a client from its old cell to its new one, and re-index its next due day."""
        ledger = self.partitions.get(partition)
        if ledger is None:  # (not setdefault: that would make a PartitionLedger every time)
            ledger = self.partitions[partition] = PartitionLedger()
        ledger.move(self.cell(before), self.cell(after))
        ledger.set_due(client_id, None if after is None else next_change(after, self.day))

    def advance(self, new_day: date, state_of: Callable[[int, str], ClientState | None]) -> None:
        """Move to a later day: re-evaluate every client whose due day has come."""
        old_day, regions = self.day, self.regions
        for partition, ledger in self.partitions.items():
            due_days = [d for d in ledger.due_clients if d <= new_day]
            for client_id in {c for d in due_days for c in ledger.due_clients[d]}:
                state = state_of(partition, client_id)
                ledger.move(cell_on(state, old_day, regions), cell_on(state, new_day, regions))
                ledger.set_due(client_id, None if state is None else next_change(state, new_day))
        self.day = new_day

    def totals(self) -> Counter[Cell]:
        """Subtotals summed over the owned partitions."""
        total: Counter[Cell] = Counter()
        for ledger in self.partitions.values():
            total.update(ledger.cells)
        return total
