"""The ledger counted while partitions are restored equals the one rebuilt from the table."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest

from streams.codecs.events import event_from_record
from streams.codecs.files import read_records
from streams.devtools.generate import generate
from streams.domain import ClientState, fold
from streams.service.ledger import Ledger, PartitionLedger
from streams.service.reference import load_regions
from streams.service.replay import read_events
from streams.service.restoring import Restoring

DAY = date(2026, 6, 1)
REGIONS = load_regions()


@pytest.fixture(scope="module")
def history() -> list[tuple[int, str, ClientState]]:
    """Every state every client of a small population went through, in order, per partition
    of its id: what an uncompacted changelog holds."""
    with tempfile.TemporaryDirectory() as tmp:
        generate(400, 7, Path(tmp), DAY)
        records = [r for path in sorted(Path(tmp).glob("*.avro")) for r in read_records(path)]
    states: dict[str, ClientState] = {}
    changes = []
    for event in read_events(records, event_from_record, Counter()):
        state, _ = fold(states.get(event.client_id), event)
        states[event.client_id] = state
        changes.append((hash(event.client_id) % 3, event.client_id, state))
    return changes


def rebuilt(final: dict[tuple[int, str], ClientState | None], day: date) -> Ledger:
    ledger = Ledger(REGIONS, day)
    ledger.rebuild_partitions(
        range(3), ((p, c, s) for (p, c), s in final.items() if s is not None)
    )
    return ledger


def same(a: PartitionLedger, b: PartitionLedger) -> bool:
    return +a.cells == +b.cells and a.due_on == b.due_on and a.due_clients == b.due_clients


def test_a_partition_counted_record_by_record_equals_its_rebuild_from_the_table(
    history: list[tuple[int, str, ClientState]],
) -> None:
    restoring = Restoring(REGIONS)
    restoring.begin(DAY, from_start=range(3), others=())
    final: dict[tuple[int, str], ClientState | None] = {}
    for i, (partition, client_id, state) in enumerate(history):
        # every 50th client is erased (a tombstone) once, some come back after it
        value = None if i % 50 == 0 else state
        restoring.take(partition, client_id, value)
        final[(partition, client_id)] = value
    counted = restoring.finish(DAY, range(3))
    expected = rebuilt(final, DAY)
    assert sorted(counted) == [0, 1, 2]
    assert all(same(counted[p], expected.partitions[p]) for p in range(3))
    assert sum(sum(c.cells.values()) for c in counted.values()) > 0


def test_a_count_of_another_day_is_not_used(history: list[tuple[int, str, ClientState]]) -> None:
    restoring = Restoring(REGIONS)
    restoring.begin(DAY, from_start=[0], others=())
    for partition, client_id, state in history:
        if partition == 0:
            restoring.take(0, client_id, state)
    assert restoring.finish(DAY + timedelta(days=1), [0]) == {}
    assert restoring.finish(DAY, [0]) == {}  # finishing forgets the count


def test_a_spoiled_or_non_empty_partition_is_left_to_the_rebuild() -> None:
    restoring = Restoring(REGIONS)
    restoring.begin(DAY, from_start=[0, 1, 2], others=())
    restoring.spoil(1)
    restoring.begin(DAY, from_start=[], others=[2])  # a new recovery: 2 holds state now
    assert not restoring.counts(1) and not restoring.counts(2)
    assert sorted(restoring.finish(DAY, [0, 1, 2])) == [0]
