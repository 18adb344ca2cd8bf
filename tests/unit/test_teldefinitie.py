"""The teldefinitie (counting definition) and the decisions of docs/domain.md, one rule a test."""

from __future__ import annotations

from datetime import timedelta

import pytest

from streams.domain.regions import ONBEKEND
from streams.domain.teldefinitie import (
    CLIENT_TYPE_PRIORITY,
    ClientType,
    NotCounted,
    classify,
    next_change,
)
from tests.factories import (
    AMSTERDAM_REGIO,
    BEROEPSSECTOREN,
    DAY,
    GEMEENTE,
    GRONINGEN,
    GRONINGEN_REGIO,
    UNKNOWN_GEMEENTE,
    UWV,
    classification_of,
    complete_profile_events,
    counted_client_events,
    days,
    deregistration,
    indication,
    membership,
    profile,
    regions,
    registration,
    state_of,
    taaksoortvraag,
)

# --- who is counted: all four conditions must hold ------------------------------------


def test_a_registered_client_with_an_open_indication_in_the_register_with_the_tick_is_counted():
    result = classification_of(counted_client_events())
    assert result.counted
    assert result.reason is None


def test_a_client_who_is_uitgeschreven_is_not_counted():
    result = classification_of([*counted_client_events(at=1), deregistration(at=2)])
    assert not result.counted
    assert result.reason is NotCounted.NIET_INGESCHREVEN


def test_a_client_without_a_registration_is_not_counted():
    result = classification_of([indication(), membership()])
    assert not result.counted
    assert result.reason is NotCounted.NIET_INGESCHREVEN


def test_a_client_without_any_indication_has_no_open_dienstverlening():
    result = classification_of([registration(), membership()])
    assert not result.counted
    assert result.reason is NotCounted.GEEN_OPEN_DIENSTVERLENING


def test_an_indication_with_a_start_date_and_no_end_date_is_open():
    result = classification_of(
        [registration(), indication(start=days(-100), end=None), membership()]
    )
    assert result.counted


def test_an_indication_with_an_end_date_in_the_past_is_not_open():
    events = [registration(), indication(start=days(-100), end=days(-1)), membership()]
    assert classification_of(events).reason is NotCounted.GEEN_OPEN_DIENSTVERLENING


def test_an_indication_without_a_start_date_is_not_open():
    events = [registration(), indication(start=None, end=None), membership()]
    assert classification_of(events).reason is NotCounted.GEEN_OPEN_DIENSTVERLENING


def test_an_indication_starting_today_is_open():
    assert classification_of([registration(), indication(start=DAY), membership()]).counted


def test_an_indication_ending_today_is_no_longer_open():
    events = [registration(), indication(start=days(-10), end=DAY), membership()]
    assert classification_of(events).reason is NotCounted.GEEN_OPEN_DIENSTVERLENING


def test_an_indication_ending_tomorrow_is_still_open_today():
    assert classification_of([registration(), indication(end=days(1)), membership()]).counted


def test_a_future_start_date_takes_effect_on_its_day_without_a_new_event():
    state = state_of([registration(), indication(start=days(3)), membership()])
    assert not classify(state, days(2), regions()).counted
    assert classify(state, days(3), regions()).counted


def test_a_future_end_date_stops_the_count_on_its_day_without_a_new_event():
    state = state_of([registration(), indication(end=days(3)), membership()])
    assert classify(state, days(2), regions()).counted
    assert not classify(state, days(3), regions()).counted


def test_one_open_indication_among_closed_ones_is_enough():
    events = [
        registration(),
        indication(indication_id="oud", end=days(-5)),
        indication(indication_id="lopend", end=None),
        membership(),
    ]
    assert classification_of(events).counted


def test_a_retracted_indication_is_treated_as_absent():
    events = [registration(), indication(retracted=True), membership()]
    result = classification_of(events)
    assert not result.counted
    assert result.reason is NotCounted.GEEN_OPEN_DIENSTVERLENING


def test_a_retracted_uwv_indication_does_not_make_a_gemeente_client_a_uwv_client():
    events = [
        registration(),
        indication(indication_id="u", owner=UWV, retracted=True),
        indication(indication_id="g", owner=GEMEENTE),
        membership(),
    ]
    assert classification_of(events).client_type is ClientType.GEMEENTE


def test_a_client_outside_the_doelgroepregister_is_not_counted():
    result = classification_of([registration(), indication()])
    assert not result.counted
    assert result.reason is NotCounted.NIET_IN_DOELGROEPREGISTER


def test_a_register_membership_that_has_ended_no_longer_counts():
    events = [registration(), indication(), membership(end=days(-1))]
    assert classification_of(events).reason is NotCounted.NIET_IN_DOELGROEPREGISTER


def test_a_register_membership_ending_today_no_longer_counts():
    events = [registration(), indication(), membership(end=DAY)]
    assert classification_of(events).reason is NotCounted.NIET_IN_DOELGROEPREGISTER


def test_a_register_membership_starting_in_the_future_counts_from_its_start_date():
    state = state_of([registration(), indication(), membership(start=days(7))])
    before = classify(state, days(6), regions())
    assert before.reason is NotCounted.NIET_IN_DOELGROEPREGISTER
    assert classify(state, days(7), regions()).counted


def test_a_client_without_the_banenafspraak_tick_is_not_counted():
    result = classification_of([registration(), indication(), membership(banenafspraak=False)])
    assert not result.counted
    assert result.reason is NotCounted.GEEN_VINKJE_BANENAFSPRAAK


def test_the_first_failing_condition_is_the_reason():
    # fails 1, 2, 3 and 4: the reason is condition 1
    nothing = [deregistration(), indication(end=days(-1))]
    assert classification_of(nothing).reason is NotCounted.NIET_INGESCHREVEN
    # fails 2, 3 and 4
    no_service = [
        registration(),
        indication(end=days(-1)),
        membership(end=days(-1), banenafspraak=False),
    ]
    assert classification_of(no_service).reason is NotCounted.GEEN_OPEN_DIENSTVERLENING
    # fails 3 and 4
    no_register = [registration(), indication(), membership(end=days(-1), banenafspraak=False)]
    assert classification_of(no_register).reason is NotCounted.NIET_IN_DOELGROEPREGISTER
    # fails only 4
    no_tick = [registration(), indication(), membership(banenafspraak=False)]
    assert classification_of(no_tick).reason is NotCounted.GEEN_VINKJE_BANENAFSPRAAK


def test_the_reasons_are_numbered_in_the_order_of_the_conditions():
    assert [reason.value[0] for reason in NotCounted] == ["1", "2", "3", "4"]


def test_a_deregistration_stops_the_count_at_once():
    state = state_of([*counted_client_events(at=1), deregistration(at=2)])
    assert not classify(state, DAY, regions()).counted


def test_a_client_who_registers_again_counts_again():
    events = [*counted_client_events(at=1), deregistration(at=2), registration(at=3)]
    assert classification_of(events).counted


# --- beschut werk WSW (decision 3) ----------------------------------------------------


def test_beschut_wsw_members_without_the_tick_are_reported_apart_and_not_counted():
    events = [registration(), indication(), membership(banenafspraak=False, beschut=True)]
    result = classification_of(events)
    assert not result.counted
    assert result.reason is NotCounted.GEEN_VINKJE_BANENAFSPRAAK
    assert result.beschut_wsw


@pytest.mark.parametrize(
    "events",
    [
        pytest.param(
            [deregistration(), indication(), membership(banenafspraak=False, beschut=True)],
            id="not-ingeschreven",
        ),
        pytest.param(
            [
                registration(),
                indication(end=days(-1)),
                membership(banenafspraak=False, beschut=True),
            ],
            id="no-open-indication",
        ),
        pytest.param(
            [
                registration(),
                indication(),
                membership(end=days(-1), banenafspraak=False, beschut=True),
            ],
            id="register-membership-ended",
        ),
    ],
)
def test_beschut_wsw_is_reported_only_when_conditions_one_to_three_hold(events):
    result = classification_of(events)
    assert not result.counted
    assert not result.beschut_wsw


def test_a_client_lacking_the_tick_who_is_not_beschut_werkend_is_not_reported_apart():
    result = classification_of([registration(), indication(), membership(banenafspraak=False)])
    assert not result.counted
    assert not result.beschut_wsw


def test_the_four_conditions_decide_so_a_ticked_beschut_member_is_counted():
    result = classification_of([registration(), indication(), membership(beschut=True)])
    assert result.counted
    assert not result.beschut_wsw


# --- client type (decision 1: UWV first) -----------------------------------------------


def test_a_client_with_only_an_open_uwv_indication_is_a_uwv_client():
    assert classification_of(counted_client_events(owner=UWV)).client_type is ClientType.UWV


def test_a_client_with_only_an_open_municipal_indication_is_a_gemeente_client():
    result = classification_of(counted_client_events(owner=GEMEENTE))
    assert result.client_type is ClientType.GEMEENTE


def test_a_client_with_both_uwv_and_municipal_indications_counts_once_as_uwv():
    events = [
        registration(),
        indication(indication_id="bijstand", owner=GEMEENTE),
        indication(indication_id="wajong", owner=UWV),
        membership(),
    ]
    result = classification_of(events)
    assert result.counted
    assert result.client_type is ClientType.UWV


def test_a_closed_uwv_indication_does_not_make_a_gemeente_client_a_uwv_client():
    events = [
        registration(),
        indication(indication_id="ww", owner=UWV, end=days(-1)),
        indication(indication_id="bijstand", owner=GEMEENTE),
        membership(),
    ]
    assert classification_of(events).client_type is ClientType.GEMEENTE


def test_the_uwv_first_rule_is_kept_in_one_named_place():
    assert CLIENT_TYPE_PRIORITY == (ClientType.UWV, ClientType.GEMEENTE)


def test_the_owner_decides_the_client_type_not_the_kind_of_indication():
    events = [registration(), indication(owner=GEMEENTE, kind="WW"), membership()]
    assert classification_of(events).client_type is ClientType.GEMEENTE


# --- profile ----------------------------------------------------------------------------


def test_affiniteiten_beroepssectoren_and_one_taaksoortvraag_make_profiel_ja():
    assert classification_of([*counted_client_events(), *complete_profile_events()]).profiel


@pytest.mark.parametrize("question", range(1, 21))
def test_any_one_of_the_twenty_taaksoortvragen_is_enough(question):
    events = [*counted_client_events(), *complete_profile_events(question=question)]
    assert classification_of(events).profiel


def test_no_profile_parts_means_profiel_nee():
    result = classification_of(counted_client_events())
    assert result.counted
    assert not result.profiel


def test_two_parts_but_no_taaksoortvraag_means_profiel_nee():
    events = [*counted_client_events(), profile(part=BEROEPSSECTOREN), profile()]
    assert not classification_of(events).profiel


def test_taaksoortvragen_without_affiniteiten_mean_profiel_nee():
    events = [*counted_client_events(), profile(part=BEROEPSSECTOREN), taaksoortvraag(question=4)]
    assert not classification_of(events).profiel


def test_taaksoortvragen_without_beroepssectoren_mean_profiel_nee():
    events = [*counted_client_events(), profile(), taaksoortvraag(question=4)]
    assert not classification_of(events).profiel


def test_a_cleared_part_means_profiel_nee():
    events = [
        *counted_client_events(),
        *complete_profile_events(at=1),
        profile(at=2, part=BEROEPSSECTOREN, values=()),
    ]
    assert not classification_of(events).profiel


def test_a_cleared_taaksoortvraag_is_not_a_registered_one():
    events = [*counted_client_events(), *complete_profile_events(at=1, question=3)]
    events.append(taaksoortvraag(at=2, question=3, values=()))
    assert not classification_of(events).profiel


def test_clearing_one_of_several_taaksoortvragen_keeps_profiel_ja():
    events = [
        *counted_client_events(),
        *complete_profile_events(at=1, question=3),
        taaksoortvraag(at=1, question=7),
        taaksoortvraag(at=2, question=3, values=()),
    ]
    assert classification_of(events).profiel


def test_refilling_a_cleared_part_restores_profiel_ja():
    events = [
        *counted_client_events(),
        *complete_profile_events(at=1),
        profile(at=2, values=()),
        profile(at=3, values=("techniek",)),
    ]
    assert classification_of(events).profiel


# --- region -------------------------------------------------------------------------------


def test_the_region_follows_the_clients_municipality():
    assert classification_of(counted_client_events()).regio == AMSTERDAM_REGIO
    assert classification_of(counted_client_events(gemeente=GRONINGEN)).regio == GRONINGEN_REGIO


def test_moving_to_another_municipality_moves_the_client_to_that_region():
    events = [*counted_client_events(at=1), registration(at=2, gemeente=GRONINGEN)]
    result = classification_of(events)
    assert result.counted
    assert result.regio == GRONINGEN_REGIO


@pytest.mark.parametrize("gemeente", [UNKNOWN_GEMEENTE, None, "", "363", "Amsterdam"])
def test_a_client_with_an_unknown_municipality_still_counts_under_onbekend(gemeente):
    result = classification_of(counted_client_events(gemeente=gemeente))
    assert result.counted
    assert result.regio == ONBEKEND


def test_a_municipality_code_is_matched_regardless_of_case_and_surrounding_space():
    assert classification_of(counted_client_events(gemeente=" gm0363 ")).regio == AMSTERDAM_REGIO


# --- next_change (decision 2: counts change at midnight by themselves) -----------------


def test_next_change_is_the_next_future_start_or_end_date():
    state = state_of(
        [
            registration(),
            indication(indication_id="a", start=days(-10), end=days(9)),
            indication(indication_id="b", start=days(4), end=None),
            membership(start=days(-100), end=days(20)),
        ]
    )
    assert next_change(state, DAY) == days(4)
    assert next_change(state, days(4)) == days(9)
    assert next_change(state, days(9)) == days(20)
    assert next_change(state, days(20)) is None


def test_next_change_is_none_without_future_dates():
    state = state_of([registration(), indication(start=days(-3)), membership(start=days(-3))])
    assert next_change(state, DAY) is None


def test_next_change_of_an_empty_state_is_none():
    assert next_change(state_of([]), DAY) is None


def test_next_change_includes_the_register_membership_dates():
    state = state_of([registration(), indication(), membership(start=days(-5), end=days(2))])
    assert next_change(state, DAY) == days(2)


def test_next_change_ignores_retracted_indications():
    state = state_of([registration(), indication(start=days(5), retracted=True), membership()])
    assert next_change(state, DAY) is None


def test_next_change_ignores_dates_on_or_before_the_day():
    state = state_of([registration(), indication(start=DAY, end=days(1)), membership(start=DAY)])
    assert next_change(state, DAY) == days(1)


def test_stepping_from_change_to_change_follows_the_classification_over_time():
    state = state_of(
        [
            registration(),
            indication(start=days(2), end=days(5)),
            membership(start=days(-1), end=days(30)),
        ]
    )
    seen = []
    day = DAY
    while day is not None:
        seen.append((day, classify(state, day, regions()).counted))
        day = next_change(state, day)
    assert seen == [(DAY, False), (days(2), True), (days(5), False), (days(30), False)]
    # and nothing changes in between
    for offset in range(0, 35):
        day = DAY + timedelta(days=offset)
        expected = days(2) <= day < days(5)
        assert classify(state, day, regions()).counted is expected
