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


@dataclass
class PartitionLedger:
    """Subtotals and due dates of the clients of one input partition."""

    cells: Counter[Cell] = field(default_factory=Counter)
    due_on: dict[str, date] = field(default_factory=dict)
    due_clients: defaultdict[date, set[str]] = field(default_factory=lambda: defaultdict(set))

    def set_due(self, client_id: str, day: date | None) -> None:
        """Remember the next day on which a client must be re-evaluated (None: never)."""
        old = self.due_on.pop(client_id, None)
        if old is not None:
            clients = self.due_clients[old]
            clients.discard(client_id)
            if not clients:
                del self.due_clients[old]
        if day is not None:
            self.due_on[client_id] = day
            self.due_clients[day].add(client_id)


class Ledger:
    """Subtotals for the partitions this worker owns, on one day of counting."""

    def __init__(self, regions: Regions, day: date) -> None:
        self.regions = regions
        self.day = day
        self.partitions: dict[int, PartitionLedger] = {}

    def cell(self, state: ClientState | None) -> Cell | None:
        """The cell a client state adds 1 to today, if any."""
        return None if state is None else cell_of(classify(state, self.day, self.regions))

    def rebuild_partitions(
        self, partitions: Iterable[int], clients: Iterable[tuple[int, str, ClientState]]
    ) -> None:
        """Recompute the given partitions from (partition, client id, state) in one pass (a
        million clients are never all decoded at once); clients of other partitions are
        skipped."""
        fresh = {p: PartitionLedger() for p in partitions}
        cell_of_state, day = self.cell, self.day
        for partition, client_id, state in clients:
            ledger = fresh.get(partition)
            if ledger is None:
                continue
            cell = cell_of_state(state)
            if cell is not None:
                ledger.cells[cell] += 1
            ledger.set_due(client_id, next_change(state, day))
        self.partitions.update(fresh)

    def drop(self, partition: int) -> PartitionLedger | None:
        """Forget a partition this worker no longer owns."""
        return self.partitions.pop(partition, None)

    def update(
        self, partition: int, client_id: str, before: ClientState | None, after: ClientState | None
    ) -> tuple[Cell | None, Cell | None]:
        """Move a client from its old cell to its new one; return (old cell, new cell)."""
        ledger = self.partitions.setdefault(partition, PartitionLedger())
        old, new = self.cell(before), self.cell(after)
        if old != new:
            if old is not None:
                ledger.cells[old] -= 1
            if new is not None:
                ledger.cells[new] += 1
        ledger.set_due(client_id, None if after is None else next_change(after, self.day))
        return old, new

    def advance(
        self, new_day: date, state_of: Callable[[int, str], ClientState | None]
    ) -> set[tuple[int, Cell]]:
        """Move to a later day: re-evaluate every client that is due; return changed cells."""
        changed: set[tuple[int, Cell]] = set()
        old_day = self.day
        for partition, ledger in self.partitions.items():
            due_days = [d for d in ledger.due_clients if d <= new_day]
            clients = {c for d in due_days for c in ledger.due_clients[d]}
            befores = {c: state_of(partition, c) for c in clients}
            self.day = old_day
            old_cells = {c: self.cell(s) for c, s in befores.items()}
            self.day = new_day
            for client_id, state in befores.items():
                old, new = old_cells[client_id], self.cell(state)
                if old != new:
                    if old is not None:
                        ledger.cells[old] -= 1
                        changed.add((partition, old))
                    if new is not None:
                        ledger.cells[new] += 1
                        changed.add((partition, new))
                ledger.set_due(client_id, None if state is None else next_change(state, new_day))
        self.day = new_day
        return changed

    def totals(self) -> Counter[Cell]:
        """Subtotals summed over the owned partitions."""
        total: Counter[Cell] = Counter()
        for ledger in self.partitions.values():
            total.update(ledger.cells)
        return total
