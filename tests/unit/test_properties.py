"""Properties of the domain core over random event logs (hypothesis).

Events are facts about entities with a version, so the final state of every client must not
depend on the order in which its events arrive, on duplicates, or on how the log is split over
partitions. And the classification can only change on the day that next_change announces.
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.domain.events import IndicationOwner, ProfilePart, RegistrationStatus
from streams.domain.state import ClientState
from streams.domain.table import tally
from streams.domain.teldefinitie import classify, next_change
from streams.domain.validation import problems
from tests.factories import (
    AMSTERDAM,
    DAY,
    GRONINGEN,
    UNKNOWN_GEMEENTE,
    days,
    indication,
    membership,
    profile,
    regions,
    registration,
    states_per_client,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

CLIENTS = ("K1", "K2", "K3", "K4")
#: occurred_at: a small range, so that versions of one entity often tie or cross.
AT = st.integers(min_value=1, max_value=12)
#: dates around DAY, so that the events describe the past, today and the future.
NEAR_DAY = st.integers(min_value=-6, max_value=6).map(days)
LENGTH = st.integers(min_value=0, max_value=8).map(lambda n: timedelta(days=n))


CLIENT = st.sampled_from(CLIENTS)

REGISTRATIONS = st.builds(
    registration,
    client=CLIENT,
    at=AT,
    status=st.sampled_from(RegistrationStatus),  # VERWIJDERD is an erasure
    gemeente=st.sampled_from([AMSTERDAM, GRONINGEN, UNKNOWN_GEMEENTE, None]),
)


@st.composite
def indications(draw: st.DrawFn):
    start = draw(st.none() | NEAR_DAY)
    end = None if start is None else draw(st.none() | LENGTH.map(lambda n: start + n))
    return indication(
        client=draw(CLIENT),
        at=draw(AT),
        indication_id=draw(st.sampled_from(["I1", "I2", "I3"])),
        owner=draw(st.sampled_from(IndicationOwner)),
        start=start,
        end=end,
        retracted=draw(st.booleans()),
    )


@st.composite
def memberships(draw: st.DrawFn):
    start = draw(NEAR_DAY)
    end = draw(st.none() | LENGTH.map(lambda n: start + n))
    return membership(
        client=draw(CLIENT),
        at=draw(AT),
        start=start,
        end=end,
        banenafspraak=draw(st.booleans()),
        beschut=draw(st.booleans()),
    )


@st.composite
def profile_edits(draw: st.DrawFn):
    part = draw(st.sampled_from(ProfilePart))
    question = draw(st.integers(1, 3)) if part is ProfilePart.TAAKSOORTVRAAG else None
    values = draw(st.sampled_from([(), ("a",), ("a", "b")]))
    return profile(client=draw(CLIENT), at=draw(AT), part=part, question=question, values=values)


EVENT = st.one_of(REGISTRATIONS, indications(), memberships(), profile_edits())


def _dates(draw: st.DrawFn) -> tuple:
    start = draw(st.just(days(-30)) | NEAR_DAY)
    end = draw(st.none() | NEAR_DAY.map(lambda end: max(start, end)))
    return start, end


@st.composite
def whole_clients(draw: st.DrawFn) -> list:
    """A registered client with an indication and the tick, that counts on some days around DAY.

    These give the random events a client to change, so that dates and erasures matter.
    """
    client, at = draw(CLIENT), draw(AT)
    indication_start, indication_end = _dates(draw)
    member_start, member_end = _dates(draw)
    return [
        registration(client=client, at=at),
        indication(client=client, at=at, start=indication_start, end=indication_end),
        membership(client=client, at=at, start=member_start, end=member_end),
    ]


#: A log: a few whole clients, and random events (changes, erasures) around them.
LOG = st.builds(
    lambda bases, extra: [event for base in bases for event in base] + extra,
    st.lists(whole_clients(), max_size=3),
    st.lists(EVENT, max_size=24),
)


def final_states(events) -> dict[str, ClientState]:
    return states_per_client(events)


def tally_of(states: dict[str, ClientState], day=DAY):
    return tally(classify(state, day, regions()) for state in states.values())


@PROPERTY_SETTINGS
@given(events=LOG, data=st.data())
def test_any_order_of_the_events_gives_the_same_states_and_tally(events, data):
    assert all(problems(event) == [] for event in events)  # the strategies make valid events
    shuffled = data.draw(st.permutations(events))
    expected = final_states(events)
    actual = final_states(shuffled)
    assert actual == expected
    for offset in (-3, 0, 4):
        assert tally_of(actual, days(offset)) == tally_of(expected, days(offset))


@PROPERTY_SETTINGS
@given(events=LOG.filter(bool), data=st.data())
def test_duplicating_events_changes_nothing(events, data):
    duplicates = data.draw(st.lists(st.sampled_from(events), min_size=1, max_size=10))
    with_duplicates = list(events)
    for event in duplicates:
        position = data.draw(st.integers(0, len(with_duplicates)))
        with_duplicates.insert(position, event)
    assert final_states(with_duplicates) == final_states(events)
    assert final_states(events + events) == final_states(events)


@PROPERTY_SETTINGS
@given(events=LOG, data=st.data())
def test_splitting_the_log_and_interleaving_the_parts_changes_nothing(events, data):
    parts = data.draw(st.integers(1, 4))
    assignment = data.draw(
        st.lists(st.integers(0, parts - 1), min_size=len(events), max_size=len(events))
    )
    queues = [
        deque(e for e, p in zip(events, assignment, strict=True) if p == i) for i in range(parts)
    ]
    interleaved = []
    while any(queues):
        queue = data.draw(st.sampled_from([q for q in queues if q]))
        interleaved.append(queue.popleft())
    assert sorted(map(id, interleaved)) == sorted(map(id, events))
    assert final_states(interleaved) == final_states(events)
    assert tally_of(final_states(interleaved)) == tally_of(final_states(events))


@PROPERTY_SETTINGS
@given(events=LOG)
def test_no_fact_at_or_before_an_erasure_survives_it(events):
    for state in final_states(events).values():
        if state.erased_at is None:
            continue
        versions = [fact.version for fact in (*state.indications.values(), *state.profile.values())]
        if state.registration is not None:
            versions.append(state.registration.version)
        if state.membership is not None:
            versions.append(state.membership.version)
        assert all(version > state.erased_at for version in versions)


@PROPERTY_SETTINGS
@given(events=LOG, offset=st.integers(-8, 8))
def test_the_classification_only_changes_on_the_next_change_day(events, offset):
    day = days(offset)
    for state in final_states(events).values():
        change = next_change(state, day)
        assert change is None or change > day
        today = classify(state, day, regions())
        gap = 10_000 if change is None else (change - day).days
        later = [day + timedelta(days=n) for n in (*range(1, 21), 400) if n < gap]
        for other in later:
            assert classify(state, other, regions()) == today, other
