"""The ledger kept event by event (the day moving on in between) holds the same cells and due
days as one rebuilt from the final states."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain import ClientState, fold
from streams.service.ledger import Ledger
from tests.factories import DAY, regions
from tests.unit.test_properties import LOG


def nonzero(cells) -> dict:
    return {cell: n for cell, n in cells.items() if n}


def rebuilt(states: dict[str, ClientState], day) -> Ledger:
    ledger = Ledger(regions(), day)
    ledger.rebuild_partitions([0], ((0, client, state) for client, state in states.items()))
    return ledger


@settings(max_examples=200, deadline=None)
@given(log=LOG, day_moves=st.lists(st.integers(0, 3), max_size=40))
def test_a_ledger_kept_event_by_event_equals_one_rebuilt_from_the_final_states(log, day_moves):
    ledger = Ledger(regions(), DAY)
    ledger.rebuild_partitions([0], [])
    states: dict[str, ClientState] = {}
    for i, event in enumerate(log):
        if i < len(day_moves) and day_moves[i] == 0:  # the day of counting moves on
            ledger.advance(ledger.day + timedelta(days=1), lambda _p, c: states.get(c))
        before = states.get(event.client_id)
        after, _ = fold(before, event)
        if after is not before:
            ledger.update(0, event.client_id, before, after)
            states[event.client_id] = after
    expected = rebuilt(states, ledger.day)
    ours = ledger.partitions[0]
    assert nonzero(ours.cells) == nonzero(expected.partitions[0].cells)
    assert ours.due_on == expected.partitions[0].due_on
    assert nonzero(ours.due_clients) == dict(expected.partitions[0].due_clients)
