"""The fates: what each synthetic client is meant to be, and the events that make it so.

Each fate emits one client's events and returns the region of its cell (None for fates in
no cell).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from streams.devtools.generate.client import Client
from streams.devtools.generate.parameters import (
    COLUMN_FACTS,
    GEMEENTE,
    INGESCHREVEN,
    PUBLICATION_ROW,
    UITGESCHREVEN,
    UWV,
    VERWIJDERD,
)
from streams.domain.table import Column

Fate = Callable[[Client, Column | None], str | None]
#: (indication owner, profiel) -> the column of a counted client
COUNTED_COLUMN = {facts: column for column, facts in COLUMN_FACTS.items()}
#: The period states that are open on the days of the window before as_of.
_OPEN_BEFORE = ("open", "closed_on_as_of")


def _owner_and_profiel(column: Column | None) -> tuple[str, bool]:
    assert column is not None, "a counted fate needs its column"
    return COLUMN_FACTS[column]


def counted(c: Client, column: Column | None) -> str | None:
    """Counted in `column`: registered, one open indication, in the register, the profile."""
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open")
    if c.rng.random() < 0.15:
        c.indication(c.rng.choice((UWV, GEMEENTE)), "closed")
    c.membership(c.rng.choice(("open", "open", "open", "open_until_later")))
    c.profile(profiel)
    return region


def counted_uwv_and_gemeente_open(c: Client, column: Column | None) -> str | None:
    """Counted as UWV although a gemeente indication is open too (UWV takes precedence)."""
    owner, profiel = _owner_and_profiel(column)
    assert owner == UWV
    region = c.registration(INGESCHREVEN)
    c.indication(UWV, "open")
    c.indication(GEMEENTE, c.rng.choice(("open", "open_until_later")))
    c.membership("open")
    c.profile(profiel)
    return region


def counted_ending_after_as_of(c: Client, column: Column | None) -> str | None:
    """Counted: the indication and membership end after as_of."""
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open_until_later")
    c.membership(c.rng.choice(("open", "open_until_later")))
    c.profile(profiel)
    return region


def counted_on_boundary_dates(c: Client, column: Column | None) -> str | None:
    """Counted: periods that start on as_of or end the day after (before as_of, a period that
    starts on as_of is not open yet: not counted then)."""
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    boundary = ("open_from_as_of", "open_until_the_day_after")
    periods = (c.rng.choice(boundary), c.rng.choice(boundary))
    c.indication(owner, periods[0])
    c.membership(periods[1])
    c.profile(profiel)
    if "open_from_as_of" in periods:
        c.before_as_of(None)
    return region


def counted_besides_inactive(c: Client, column: Column | None) -> str | None:
    """Counted by one open indication beside ended, future, retracted or undated ones."""
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open")
    other = GEMEENTE if owner == UWV else UWV
    inactive = ("closed", "closed_on_as_of", "future", "retracted", "no_start")
    others = [(other, c.rng.choice(inactive))]
    for _ in range(c.rng.randint(0, 2)):
        others.append((c.rng.choice((UWV, GEMEENTE)), c.rng.choice(inactive)))
    for who, state in others:
        c.indication(who, state)
    c.membership("open")
    c.profile(profiel)
    if owner == GEMEENTE and (UWV, "closed_on_as_of") in others:  # open before as_of: UWV
        c.before_as_of((region, COUNTED_COLUMN[(UWV, profiel)]))
    return region


def counted_after_erasure(c: Client, column: Column | None) -> str | None:
    """Counted on facts that came after an erasure of everything before it."""
    owner, profiel = _owner_and_profiel(column)
    erased_at = c.begin_erasure()
    old_indication = c.facts_before_erasure(column)
    c.end_erasure(erased_at)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open", old_indication if c.rng.random() < 0.5 else None)
    c.membership("open")
    c.profile(profiel)
    return region


def beschut_wsw(c: Client, column: Column | None) -> str | None:
    """Beschut werkend in de WSW, meeting conditions 1-3 (banenafspraak not ticked)."""
    region = c.registration(INGESCHREVEN)
    c.indication(c.rng.choice((UWV, GEMEENTE)), "open")
    c.membership("open", tick=False, beschut=True)
    c.profile()
    return region


def beschut_wsw_failing_condition_1_2_or_3(c: Client, column: Column | None) -> str | None:
    """Beschut werkend in de WSW but uitgeschreven, or its indication or membership ended."""
    failing = c.rng.choice((1, 2, 3))
    c.registration(UITGESCHREVEN if failing == 1 else INGESCHREVEN)
    c.indication(c.rng.choice((UWV, GEMEENTE)), "closed" if failing == 2 else "open")
    c.membership("closed" if failing == 3 else "open", tick=False, beschut=True)
    c.profile()
    return None


def _not_counted(
    registration: str | None = INGESCHREVEN,
    indications: Sequence[str] = ("open",),
    membership: str | None = "open",
    tick: bool = True,
) -> Fate:
    """A fate that fails the teldefinitie in one way; the other conditions hold."""

    def fate(c: Client, column: Column | None) -> str | None:
        region = c.registration(registration) if registration is not None else None
        owners = [c.rng.choice((UWV, GEMEENTE)) for _ in indications]
        for owner, state in zip(owners, indications, strict=True):
            c.indication(owner, state)
        if membership is not None:
            c.membership(membership, tick=tick)
        profiel = c.profile()
        # a period that ends on as_of was open on the days before it: counted then
        before = [o for o, s in zip(owners, indications, strict=True) if s in _OPEN_BEFORE]
        if registration == INGESCHREVEN and before and membership in _OPEN_BEFORE and tick:
            assert region is not None
            owner = UWV if UWV in before else GEMEENTE
            c.before_as_of((region, COUNTED_COLUMN[(owner, profiel)]))
        return None

    return fate


def left_after_counting(c: Client, column: Column | None) -> str | None:
    """Counted (in a column drawn by the publication's mix) from its arrival until its
    erasure becomes known on a later day within the window: in no cell on as_of."""
    counted_in = c.rng.choices(list(PUBLICATION_ROW), list(PUBLICATION_ROW.values()))[0]
    region = counted(c, counted_in)
    assert region is not None
    pop = c.pop
    known_at = pop.timeline.leaving(c.arrival, c.rng)  # its own moment, after the arrival
    record = {
        "client_id": c.client_id, "event_id": pop.event_id(), "occurred_at": known_at,
        "status": VERWIJDERD, "gemeentecode": None,
    }  # fmt: skip
    pop.later("ClientRegistration", known_at, record)
    pop.event_counts["ClientRegistration"] += 1
    c.leaves = (known_at, (region, counted_in))
    return None


def erased(c: Client, column: Column | None) -> str | None:
    """Facts that would count, then erased: in no cell."""
    erased_at = c.begin_erasure()
    c.facts_before_erasure()
    c.end_erasure(erased_at)
    return None


def erased_then_returned_without_indication(c: Client, column: Column | None) -> str | None:
    """Erased, then registered again without an indication: in no cell."""
    erased_at = c.begin_erasure()
    c.facts_before_erasure()
    c.end_erasure(erased_at)
    c.registration(INGESCHREVEN)
    c.membership("open")
    c.profile()
    return None


ALL_COUNTED = frozenset(COLUMN_FACTS)
UWV_COLUMNS = frozenset({Column.UWV_MET_PROFIEL, Column.UWV_ZONDER_PROFIEL})

#: Fates of counted clients: (fate, weight within a column, the columns it can realise).
#: The plain `counted` fate takes the rest of each column.
COUNTED_FATES: Mapping[str, tuple[Fate, float, frozenset[Column]]] = {
    "counted": (counted, 0.0, ALL_COUNTED),
    "counted: uwv and gemeente open": (counted_uwv_and_gemeente_open, 0.08, UWV_COLUMNS),
    "counted: indication ends after as_of": (counted_ending_after_as_of, 0.04, ALL_COUNTED),
    "counted: dates on the boundary": (counted_on_boundary_dates, 0.01, ALL_COUNTED),
    "counted: besides inactive indications": (counted_besides_inactive, 0.06, ALL_COUNTED),
    "counted: after an erasure": (counted_after_erasure, 0.01, ALL_COUNTED),
}
BESCHUT_FATES: Mapping[str, Fate] = {"beschut wsw": beschut_wsw}
#: Fates of clients in no cell, with their weights among those clients.
NOT_COUNTED_FATES: Mapping[str, tuple[Fate, float]] = {
    "not registered": (_not_counted(registration=None), 0.10),
    "uitgeschreven": (_not_counted(registration=UITGESCHREVEN), 0.20),
    "no indication": (_not_counted(indications=()), 0.08),
    "indication ended": (_not_counted(indications=("closed", "closed")), 0.16),
    # open the day before: counted on the days before as_of, so kept rare (no cliff at as_of)
    "indication ended on as_of": (_not_counted(indications=("closed", "closed_on_as_of")), 0.01),
    "indication starts after as_of": (_not_counted(indications=("future",)), 0.04),
    "indication retracted": (_not_counted(indications=("retracted",)), 0.03),
    "indication without start date": (_not_counted(indications=("no_start",)), 0.01),
    "not in the register": (_not_counted(membership=None), 0.10),
    "register membership ended": (_not_counted(membership="closed"), 0.07),
    "register membership ended on as_of": (_not_counted(membership="closed_on_as_of"), 0.01),
    "register membership starts after as_of": (_not_counted(membership="future"), 0.02),
    "banenafspraak not ticked": (_not_counted(tick=False), 0.06),
    "beschut wsw failing condition 1, 2 or 3": (beschut_wsw_failing_condition_1_2_or_3, 0.02),
    "erased": (erased, 0.07),
    "erased, then returned without indication": (erased_then_returned_without_indication, 0.02),
    "left: counted, then erased": (left_after_counting, 0.15),
}
FATES: Mapping[str, Fate] = {
    **{name: spec[0] for name, spec in COUNTED_FATES.items()},
    **BESCHUT_FATES,
    **{name: spec[0] for name, spec in NOT_COUNTED_FATES.items()},
}
