"""Validation: an invalid event is rejected whole, with the reason of the first broken rule."""

from __future__ import annotations

import pytest

from streams.domain.validation import (
    MAX_ID_LENGTH,
    MAX_PROFILE_VALUES,
    InvalidEvent,
    problems,
    validate,
)
from tests.factories import (
    AFFINITEITEN,
    BEROEPSSECTOREN,
    TAAKSOORTVRAAG,
    UNKNOWN_GEMEENTE,
    complete_profile_events,
    days,
    erasure,
    indication,
    membership,
    profile,
    registration,
    taaksoortvraag,
)


def valid_events():
    return [
        pytest.param(registration(), id="registration"),
        pytest.param(erasure(), id="erasure"),
        pytest.param(indication(), id="indication"),
        pytest.param(membership(), id="membership"),
        *(pytest.param(e, id=f"profile-{e.part.value}") for e in complete_profile_events()),
    ]


@pytest.mark.parametrize("event", valid_events())
def test_a_valid_event_has_no_problems(event):
    assert problems(event) == []


@pytest.mark.parametrize("event", valid_events())
def test_validate_returns_a_valid_event_unchanged(event):
    assert validate(event) is event


@pytest.mark.parametrize("client_id", ["", "   "])
def test_an_empty_client_id_is_invalid(client_id):
    assert problems(registration(client=client_id)) == ["client_id is empty"]


def test_a_client_id_longer_than_the_maximum_is_invalid():
    assert problems(registration(client="K" * MAX_ID_LENGTH)) == []
    assert problems(registration(client="K" * (MAX_ID_LENGTH + 1))) == [
        f"client_id is longer than {MAX_ID_LENGTH} characters"
    ]


@pytest.mark.parametrize("event_id", ["", " "])
def test_an_empty_event_id_is_invalid(event_id):
    event = indication()._replace(event_id=event_id)
    assert problems(event) == ["event_id is empty"]


def test_an_event_id_longer_than_the_maximum_is_invalid():
    event = membership()._replace(event_id="E" * (MAX_ID_LENGTH + 1))
    assert problems(event) == [f"event_id is longer than {MAX_ID_LENGTH} characters"]


def test_an_empty_indication_id_is_invalid():
    assert problems(indication(indication_id=" ")) == ["indication_id is empty"]


def test_an_indication_with_an_end_date_but_no_start_date_is_invalid():
    assert problems(indication(start=None, end=days(1))) == [
        "indication has an end_date but no start_date"
    ]


def test_an_indication_ending_before_it_starts_is_invalid():
    assert problems(indication(start=days(0), end=days(-1))) == [
        "indication end_date is before its start_date"
    ]


def test_an_indication_ending_on_its_start_date_is_valid():
    assert problems(indication(start=days(0), end=days(0))) == []


def test_an_indication_without_any_dates_is_valid():
    assert problems(indication(start=None, end=None)) == []


def test_a_retracted_indication_is_valid():
    assert problems(indication(retracted=True)) == []


def test_a_register_membership_ending_before_it_starts_is_invalid():
    assert problems(membership(start=days(0), end=days(-1))) == [
        "register membership end_date is before its start_date"
    ]


def test_a_register_membership_ending_on_its_start_date_is_valid():
    assert problems(membership(start=days(0), end=days(0))) == []


def test_a_taaksoortvraag_needs_a_question():
    assert problems(profile(part=TAAKSOORTVRAAG, question=None)) == [
        "question is missing for part TAAKSOORTVRAAG"
    ]


@pytest.mark.parametrize("question", [1, 20])
def test_the_taaksoortvragen_are_numbered_one_to_twenty(question):
    assert problems(taaksoortvraag(question=question)) == []


@pytest.mark.parametrize("question", [0, 21, -1])
def test_a_taaksoortvraag_outside_one_to_twenty_is_invalid(question):
    assert problems(taaksoortvraag(question=question)) == [
        f"question {question} is outside 1-20 for part TAAKSOORTVRAAG"
    ]


@pytest.mark.parametrize("part", [AFFINITEITEN, BEROEPSSECTOREN])
def test_only_a_taaksoortvraag_has_a_question(part):
    assert problems(profile(part=part, question=3)) == [
        f"question is set for part {part.value}; only TAAKSOORTVRAAG has one"
    ]


def test_a_profile_part_with_too_many_values_is_invalid():
    assert problems(profile(values=["v"] * MAX_PROFILE_VALUES)) == []
    assert problems(profile(values=["v"] * (MAX_PROFILE_VALUES + 1))) == [
        f"values has more than {MAX_PROFILE_VALUES} entries"
    ]


def test_a_cleared_profile_part_is_valid():
    assert problems(profile(values=())) == []


@pytest.mark.parametrize("gemeente", [None, UNKNOWN_GEMEENTE, "rubbish"])
def test_an_unknown_or_malformed_municipality_is_not_invalid(gemeente):
    assert problems(registration(gemeente=gemeente)) == []


def test_problems_lists_every_broken_rule_in_a_fixed_order():
    event = indication(indication_id="", start=None, end=days(1))._replace(
        client_id="", event_id=""
    )
    assert problems(event) == [
        "client_id is empty",
        "event_id is empty",
        "indication_id is empty",
        "indication has an end_date but no start_date",
    ]


def test_validate_raises_with_the_first_problem_as_the_reason():
    event = taaksoortvraag(question=99)._replace(client_id="")
    with pytest.raises(InvalidEvent) as raised:
        validate(event)
    assert raised.value.reason == "client_id is empty"
    assert str(raised.value) == "client_id is empty"


def test_an_invalid_event_is_a_value_error():
    assert issubclass(InvalidEvent, ValueError)
