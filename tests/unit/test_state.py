"""Client state: events are facts about entities, idempotent and order-tolerant (decisions 5, 6)."""

from __future__ import annotations

import pytest

from streams.domain.state import EMPTY, ClientState, Outcome, apply, erase, fold, profile_key
from streams.domain.teldefinitie import classify
from tests.factories import (
    AFFINITEITEN,
    DAY,
    GEMEENTE,
    GRONINGEN,
    TAAKSOORTVRAAG,
    UITGESCHREVEN,
    complete_profile_events,
    counted_client_events,
    days,
    erasure,
    indication,
    membership,
    profile,
    regions,
    registration,
    state_of,
    taaksoortvraag,
)


def one_of_each_type():
    return [
        pytest.param(registration(), id="registration"),
        pytest.param(indication(), id="indication"),
        pytest.param(membership(), id="membership"),
        pytest.param(profile(), id="profile"),
    ]


def test_an_empty_state_knows_nothing():
    assert EMPTY.is_empty()
    assert ClientState() == EMPTY


@pytest.mark.parametrize("event", one_of_each_type())
def test_applying_an_event_to_no_state_starts_a_client(event):
    state, outcome = fold(None, event)
    assert outcome is Outcome.APPLIED
    assert not state.is_empty()


@pytest.mark.parametrize("event", one_of_each_type())
def test_reapplying_an_event_changes_nothing(event):
    once = apply(None, event)
    twice, outcome = fold(once, event)
    assert outcome is Outcome.DUPLICATE
    assert twice == once


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        pytest.param(registration(at=1), registration(at=2, gemeente=GRONINGEN), id="registration"),
        pytest.param(indication(at=1), indication(at=2, end=days(-1)), id="indication"),
        pytest.param(membership(at=1), membership(at=2, banenafspraak=False), id="membership"),
        pytest.param(profile(at=1), profile(at=2, values=()), id="profile"),
    ],
)
def test_an_older_event_after_a_newer_one_changes_nothing(older, newer):
    current = apply(None, newer)
    after, outcome = fold(current, older)
    assert outcome is Outcome.STALE
    assert after == current


@pytest.mark.parametrize(
    ("older", "newer"),
    [
        pytest.param(
            registration(at=1), registration(at=2, status=UITGESCHREVEN), id="registration"
        ),
        pytest.param(indication(at=1), indication(at=2, end=days(-1)), id="indication"),
        pytest.param(membership(at=1), membership(at=2, banenafspraak=False), id="membership"),
        pytest.param(profile(at=1), profile(at=2, values=()), id="profile"),
    ],
)
def test_a_newer_event_replaces_the_state_of_its_entity(older, newer):
    forwards = state_of([older, newer])
    backwards = state_of([newer, older])
    assert forwards == backwards == state_of([newer])


def test_a_newer_registration_is_the_current_one():
    state = state_of(
        [registration(at=1), registration(at=2, status=UITGESCHREVEN, gemeente=GRONINGEN)]
    )
    assert state.registration is not None
    assert state.registration.status is UITGESCHREVEN
    assert state.registration.gemeentecode == GRONINGEN


def test_events_at_the_same_time_are_ordered_by_event_id():
    first = indication(at=5, end=None, event_id="A")
    second = indication(at=5, end=days(-1), event_id="B")
    assert state_of([first, second]) == state_of([second, first])
    assert state_of([second, first]).indications["I1"].end_date == days(-1)


def test_each_indication_is_its_own_entity():
    state = state_of([indication(indication_id="a"), indication(indication_id="b", owner=GEMEENTE)])
    assert set(state.indications) == {"a", "b"}


def test_a_client_has_one_register_membership():
    state = state_of([membership(at=1, grondslag="WAJONG"), membership(at=2, beschut=True)])
    assert state.membership is not None
    assert state.membership.beschut_werkend_wsw


def test_each_taaksoortvraag_is_its_own_profile_entity():
    state = state_of([taaksoortvraag(question=1), taaksoortvraag(question=2, values=())])
    assert state.profile[profile_key(TAAKSOORTVRAAG, 1)].filled
    assert not state.profile[profile_key(TAAKSOORTVRAAG, 2)].filled


def test_the_profile_keeps_only_whether_a_part_is_filled_not_its_values():
    state = state_of([profile(part=AFFINITEITEN, values=("geheim",))])
    (fact,) = state.profile.values()
    assert fact.filled
    assert "geheim" not in repr(state)


def test_events_of_different_entities_do_not_interfere():
    events = [*counted_client_events(at=3), *complete_profile_events(at=1)]
    assert state_of(events) == state_of(list(reversed(events)))


# --- erasure (decision 5) -------------------------------------------------------------------


def test_erasure_removes_all_state_and_older_events_do_not_bring_the_client_back():
    before = [*counted_client_events(at=1), *complete_profile_events(at=2)]
    state = state_of([*before, erasure(at=10)])
    assert state.is_empty()
    for event in before:
        state, outcome = fold(state, event)
        assert outcome is Outcome.STALE
    assert state.is_empty()
    assert not classify(state, DAY, regions()).counted


def test_an_erasure_removes_the_client_from_the_count():
    state = state_of(counted_client_events(at=1))
    assert classify(state, DAY, regions()).counted
    assert not classify(apply(state, erasure(at=2)), DAY, regions()).counted


def test_newer_events_after_an_erasure_start_a_fresh_client():
    state = state_of([*counted_client_events(at=1), *complete_profile_events(at=1), erasure(at=5)])
    state = apply(state, registration(at=6))
    assert state.registration is not None
    assert not state.indications
    assert state.membership is None
    assert not state.profile
    assert classify(state, DAY, regions()).reason is not None


def test_an_erasure_arriving_late_still_removes_everything_older_than_itself():
    older = counted_client_events(at=1)
    newer = indication(at=9, indication_id="na-verwijdering")
    gone = erasure(at=5)
    late = state_of([*older, newer, gone])
    in_order = state_of([*older, gone, newer])
    assert late == in_order
    assert set(late.indications) == {"na-verwijdering"}
    assert late.registration is None


def test_reapplying_an_erasure_is_a_duplicate():
    gone = erasure(at=5)
    state = state_of([registration(at=1), gone])
    again, outcome = fold(state, gone)
    assert outcome is Outcome.DUPLICATE
    assert again == state


def test_an_older_erasure_after_a_newer_one_changes_nothing():
    state = state_of([registration(at=1), erasure(at=8)])
    after, outcome = fold(state, erasure(at=5))
    assert outcome is Outcome.STALE
    assert after == state


def test_an_erasure_of_an_unknown_client_leaves_only_a_tombstone():
    state = apply(None, erasure(at=5, event_id="X"))
    assert state.is_empty()
    assert state.erased_at == (5, "X")


def test_erase_keeps_the_latest_tombstone():
    state = erase(erase(EMPTY, (9, "b")), (3, "a"))
    assert state.erased_at == (9, "b")
