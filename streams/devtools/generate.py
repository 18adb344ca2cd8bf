"""Synthetic population writer: Avro event files plus the publication table they must give.

The expected table is known by construction, never by replaying the events: each synthetic
client first gets a fate (say "counted as a UWV client with a profile" or "uitgeschreven"),
then events are emitted that realise that fate, with noise that cannot change it (older
versions, duplicates, inactive indications, events erased later), and the fate's cell is
added to the expected tally. A replay of the files must arrive at the same table.

Order within a file: records are shuffled within windows of CHUNK_CLIENTS clients (all events
of one client fall in one window), so the versions of an entity arrive out of order and
duplicates are scattered, while memory stays bounded. It is not a full shuffle of the file.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import Any

from fastavro.write import Writer
from tqdm import tqdm

from streams.codecs.avro import EVENT_SCHEMA_NAMES, parsed_schema
from streams.domain.regions import ONBEKEND
from streams.domain.table import Cell, Column, RegionCounts, publication_table
from streams.service.reference import load_regions

#: Measured on 300,000 clients (2.35M events), CPU seconds: null writes in 51 s and reads in
#: 18 s (178 MB); deflate writes in 61 s and reads in 19 s (106 MB). Null is faster both ways.
CODEC = "null"
CHUNK_CLIENTS = 25_000  # clients per shuffled window of each file
PROGRESS_STEP = 1_000
EXPECTED_FILE = "expected.json"
MANIFEST_FILE = "manifest.json"

#: The Nederland row of the publication, reproduced for PUBLICATION_CLIENTS synthetic clients.
PUBLICATION_CLIENTS = 300_000
PUBLICATION_ROW: Mapping[Column, int] = {
    Column.GEMEENTE_MET_PROFIEL: 12_032,
    Column.GEMEENTE_ZONDER_PROFIEL: 65_237,
    Column.UWV_MET_PROFIEL: 88_787,
    Column.UWV_ZONDER_PROFIEL: 26_982,
}
BESCHUT_SHARE = 0.02  # of all clients: beschut werkend in de WSW, meeting conditions 1-3
UNKNOWN_GEMEENTE_SHARE = 0.015  # registrations with a null, unknown or malformed gemeentecode
DUPLICATE_SHARE = 0.03  # events re-emitted verbatim (same event_id)
OLDER_VERSION_SHARE = 0.15  # entities that get older, superseded versions
TIE_SHARE = 0.05  # of those: the newest two versions share occurred_at; event_id decides
HISTORY_DAYS = 5 * 365  # occurred_at lies in this many days before as_of

INGESCHREVEN, UITGESCHREVEN, VERWIJDERD = "INGESCHREVEN", "UITGESCHREVEN", "VERWIJDERD"
UWV, GEMEENTE = "UWV", "GEMEENTE"
AFFINITEITEN, BEROEPSSECTOREN, TAAKSOORTVRAAG = "AFFINITEITEN", "BEROEPSSECTOREN", "TAAKSOORTVRAAG"
COLUMN_FACTS: Mapping[Column, tuple[str, bool]] = {  # column -> (indication owner, profiel)
    Column.GEMEENTE_MET_PROFIEL: (GEMEENTE, True),
    Column.GEMEENTE_ZONDER_PROFIEL: (GEMEENTE, False),
    Column.UWV_MET_PROFIEL: (UWV, True),
    Column.UWV_ZONDER_PROFIEL: (UWV, False),
}
KINDS = {UWV: ("WAJONG", "WW", "WIA", "ZW"), GEMEENTE: ("BIJSTAND", "NUG", "IOAW")}
GRONDSLAGEN = ("WAJONG", "PRAKTIJKROUTE", "INDICATIE_BANENAFSPRAAK", "VSO_PRO", "WIW_ID")
VALUES = {
    AFFINITEITEN: ("Techniek", "Zorg en welzijn", "Groen", "Logistiek", "Horeca", "ICT", "Dieren"),
    BEROEPSSECTOREN: ("Bouw", "Industrie", "Transport", "Zorg", "Handel", "Overheid", "Landbouw"),
    TAAKSOORTVRAAG: ("Inpakken", "Sorteren", "Schoonmaken", "Klanten helpen", "Invoeren", "Koken"),
}
QUESTIONS = tuple(range(1, 21))
PART_KEYS = (AFFINITEITEN, BEROEPSSECTOREN, TAAKSOORTVRAAG)

Record = dict[str, Any]


@dataclass(frozen=True)
class GenerationSummary:
    """What generate() wrote: counts per file, the fate histogram and the expected table."""

    clients: int
    seed: int
    as_of: date
    out_dir: Path
    codec: str
    event_counts: Mapping[str, int]
    duplicates: Mapping[str, int]
    fates: Mapping[str, int]
    details: Mapping[str, int]
    expected: tuple[RegionCounts, ...]
    seconds: float

    def __str__(self) -> str:
        nederland = self.expected[-1]
        return (
            f"{self.clients} clients (seed {self.seed}, as of {self.as_of}), "
            f"{sum(self.event_counts.values())} events of which "
            f"{sum(self.duplicates.values())} duplicates, {nederland.totaal} counted, "
            f"{nederland.beschut_wsw} beschut wsw, in {self.seconds:.1f} s"
        )

    def manifest(self) -> dict[str, Any]:
        """The content of manifest.json (deterministic: no timings, no paths)."""
        return {
            "clients": self.clients,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "codec": self.codec,
            "order": f"shuffled within windows of {CHUNK_CLIENTS} clients",
            "event_counts": dict(self.event_counts),
            "duplicates": dict(self.duplicates),
            "fates": dict(sorted(self.fates.items())),
            "details": dict(sorted(self.details.items())),
        }


class _Population:
    """Shared state while generating: the random source, the buffers and the statistics."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        regions = load_regions()
        self.rng = rng
        self.as_of = as_of
        self.region_of_gemeente = regions.region_of_gemeente
        self.gemeenten = tuple(sorted(regions.region_of_gemeente))
        self.hi = int(datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC).timestamp() * 1000)
        self.lo = self.hi - HISTORY_DAYS * 86_400_000
        self.buffers: dict[str, list[tuple[float, Record]]] = {n: [] for n in EVENT_SCHEMA_NAMES}
        self.event_counts: Counter[str] = Counter({n: 0 for n in EVENT_SCHEMA_NAMES})
        self.duplicates: Counter[str] = Counter({n: 0 for n in EVENT_SCHEMA_NAMES})
        self.details: Counter[str] = Counter()
        self._client_ids: set[str] = set()

    def event_id(self) -> str:
        """A uuid-like id from the seeded random source (never uuid4(): runs must repeat)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def client_id(self) -> str:
        while True:
            candidate = f"K{self.rng.getrandbits(48):012x}"
            if candidate not in self._client_ids:
                self._client_ids.add(candidate)
                return candidate

    def flush(self, writers: Mapping[str, Writer]) -> None:
        """Write the buffered records of each file in their shuffled order."""
        for name, buffer in self.buffers.items():
            buffer.sort(key=itemgetter(0))
            write = writers[name].write
            for _, record in buffer:
                write(record)
            buffer.clear()


class _Client:
    """Emits the events of one client; each method realises one entity's final state."""

    def __init__(self, population: _Population) -> None:
        self.pop = population
        self.rng = population.rng
        self.client_id = population.client_id()
        self.lo, self.hi = population.lo, population.hi
        self.registration_keys: list[float] = []

    # -- emission -------------------------------------------------------------------------

    def emit(self, schema: str, record: Record, key: float | None = None) -> None:
        rng, pop = self.rng, self.pop
        buffer = pop.buffers[schema]
        key = rng.random() if key is None else key
        buffer.append((key, record))
        pop.event_counts[schema] += 1
        if schema == "ClientRegistration":
            self.registration_keys.append(key)
        if rng.random() < DUPLICATE_SHARE:
            duplicate_key = rng.random()
            buffer.append((duplicate_key, record))
            pop.event_counts[schema] += 1
            pop.duplicates[schema] += 1
            if schema == "ClientRegistration":
                self.registration_keys.append(duplicate_key)

    def entity(self, schema: str, states: Sequence[Record]) -> None:
        """Emit the versions of one entity: `states` from oldest to newest (the last one wins)."""
        rng = self.rng
        span = self.hi - self.lo
        times = sorted(self.lo + int(rng.random() * span) for _ in states)
        if len(times) > 1 and rng.random() < TIE_SHARE:
            times[-1] = times[-2]  # same millisecond: the greater event_id is the newer version
            self.pop.details["entities with a version tie on occurred_at"] += 1
        versions = sorted((at, self.pop.event_id()) for at in times)
        for (at, event_id), state in zip(versions, states, strict=True):
            self.emit(
                schema,
                {"client_id": self.client_id, "event_id": event_id, "occurred_at": at, **state},
            )

    def with_history(self, final: Record, older: Callable[[], Record]) -> list[Record]:
        """The final state, preceded by 1-2 superseded states for some entities."""
        if self.rng.random() >= OLDER_VERSION_SHARE:
            return [final]
        return [older() for _ in range(self.rng.randint(1, 2))] + [final]

    # -- dates ----------------------------------------------------------------------------

    def past(self, max_days: int = 3000, min_days: int = 0) -> date:
        return self.pop.as_of - timedelta(days=self.rng.randint(min_days, max_days))

    def future(self, max_days: int = 730) -> date:
        return self.pop.as_of + timedelta(days=self.rng.randint(1, max_days))

    def period(self, state: str) -> tuple[date | None, date | None]:
        """A (start, end) pair that is open or not on as_of, as `state` says."""
        as_of = self.pop.as_of
        if state == "open":
            return self.past(), None
        if state == "open_until_later":
            return self.past(), self.future()
        if state == "open_from_as_of":
            return as_of, None
        if state == "open_until_the_day_after":
            return self.past(min_days=1), as_of + timedelta(days=1)
        if state == "closed":
            start = self.past(min_days=1)
            return start, start + timedelta(days=self.rng.randint(0, (as_of - start).days))
        if state == "closed_on_as_of":
            return self.past(min_days=1), as_of
        if state == "future":
            start = self.future(365)
            return start, (None if self.rng.random() < 0.7 else start + timedelta(days=90))
        if state == "no_start":
            return None, None
        raise ValueError(state)

    # -- entities -------------------------------------------------------------------------

    def gemeente(self) -> tuple[str | None, str, str]:
        """A gemeentecode, its region and what kind of code it is."""
        rng = self.rng
        if rng.random() < UNKNOWN_GEMEENTE_SHARE:
            kind = rng.choice(("null", "unknown code", "malformed code"))
            if kind == "null":
                return None, ONBEKEND, kind
            if kind == "unknown code":
                return rng.choice(("GM9999", "GM0000", "GM0001")), ONBEKEND, kind
            return rng.choice(self.pop.gemeenten)[2:], ONBEKEND, kind  # "0363": no GM prefix
        code = rng.choice(self.pop.gemeenten)
        return code, self.pop.region_of_gemeente[code], "known"

    def registration(self, status: str) -> str:
        """The client's registration ending in `status`; returns the final region."""
        rng = self.rng
        code, region, kind = self.gemeente()
        history = rng.choices(
            ("single", "relocated", "status changed", "relocated and status changed"),
            (70, 15, 10, 5),
        )[0]
        self.pop.details[f"gemeentecode: {kind}"] += 1
        self.pop.details[f"registration history: {history} (now {status})"] += 1
        states: list[Record] = []
        if history.startswith("relocated"):
            for _ in range(rng.randint(1, 3)):
                states.append({"status": INGESCHREVEN, "gemeentecode": self.gemeente()[0]})
        if history.endswith("status changed"):
            opposite = UITGESCHREVEN if status == INGESCHREVEN else INGESCHREVEN
            states.append({"status": opposite, "gemeentecode": code})
        states.append({"status": status, "gemeentecode": code})
        self.entity("ClientRegistration", states)
        return region

    def indication(self, owner: str, state: str, indication_id: str | None = None) -> str:
        """One indication whose final state is `state` (a period state or "retracted")."""
        rng = self.rng
        indication_id = indication_id or f"IND{rng.getrandbits(48):012x}"

        def fact(state: str) -> Record:
            retracted = state == "retracted"
            start, end = self.period("open" if retracted else state)
            return {
                "indication_id": indication_id, "owner": owner, "kind": rng.choice(KINDS[owner]),
                "start_date": start, "end_date": end, "retracted": retracted,
            }  # fmt: skip

        older = ("open", "closed", "no_start", "future")
        self.entity("Indication", self.with_history(fact(state), lambda: fact(rng.choice(older))))
        return indication_id

    def membership(self, state: str, *, tick: bool = True, beschut: bool = False) -> None:
        """The doelgroepregister membership, open or not on as_of as `state` says."""
        rng = self.rng

        def fact(state: str, tick: bool, beschut: bool) -> Record:
            start, end = self.period(state)
            return {
                "grondslag": "WSW" if beschut else rng.choice(GRONDSLAGEN),
                "start_date": start, "end_date": end,
                "beschut_werkend_wsw": beschut, "banenafspraak": tick,
            }  # fmt: skip

        def older() -> Record:
            return fact(rng.choice(("open", "closed", "future")), rng.random() < 0.5, False)

        self.entity("RegisterMembership", self.with_history(fact(state, tick, beschut), older))

    def profile_part(self, key: str, filled: bool, earlier: Sequence[bool] = ()) -> None:
        """One profile part (or taaksoortvraag "TAAKSOORTVRAAG:q") whose final values are
        filled or empty, after older versions that were filled or empty as `earlier` says."""
        rng = self.rng
        part, _, question = key.partition(":")

        def fact(filled: bool) -> Record:
            values = rng.sample(VALUES[part], rng.randint(1, 3)) if filled else []
            return {"part": part, "question": int(question) if question else None, "values": values}

        states = self.with_history(fact(filled), lambda: fact(rng.random() < 0.5))
        self.entity("ProfileEdit", [*(fact(f) for f in earlier), *states])

    def profile(self, profiel: bool | None = None) -> None:
        """A klantprofiel that meets the teldefinitie ("profiel ja") or not, or either."""
        rng = self.rng
        if profiel is None:
            profiel = rng.random() < 0.3
        questions = [f"{TAAKSOORTVRAAG}:{q}" for q in rng.sample(QUESTIONS, 4)]
        if profiel:
            variant = rng.choices(("complete", "refilled after clearing"), (80, 20))[0]
            filled = [
                AFFINITEITEN,
                BEROEPSSECTOREN,
                *questions[: rng.choices((1, 2, 3), (60, 30, 10))[0]],
            ]
            refilled = rng.choice(filled) if variant != "complete" else None
            for key in filled:
                self.profile_part(key, True, (True, False) if key == refilled else ())
            if rng.random() < 0.1:  # another taaksoortvraag, answered once and cleared since
                self.profile_part(questions[3], False, (True,))
        else:
            variant = rng.choices(("none", "incomplete", "filled then cleared"), (55, 30, 15))[0]
            if variant == "none":
                pass
            elif variant == "incomplete":
                parts = list(PART_KEYS)
                rng.shuffle(parts)
                present = set(parts[: rng.randint(1, 2)])  # a non-empty, proper subset
                for part in PART_KEYS:
                    key = questions[0] if part == TAAKSOORTVRAAG else part
                    if part in present or rng.random() < 0.3:
                        self.profile_part(key, part in present)
            else:
                parts = list(PART_KEYS)
                rng.shuffle(parts)
                cleared = set(parts[: rng.randint(1, 3)])
                for part in PART_KEYS:
                    keys = questions[: rng.randint(1, 2)] if part == TAAKSOORTVRAAG else [part]
                    for key in keys:
                        self.profile_part(key, part not in cleared, (True,))
        self.pop.details[f"profile: {variant}"] += 1

    # -- erasure --------------------------------------------------------------------------

    def begin_erasure(self) -> int:
        """Choose the erasure's time; the events emitted until end_erasure() precede it."""
        span = self.hi - self.lo
        erased_at = self.lo + span // 3 + int(self.rng.random() * (span // 3))
        self.hi = erased_at
        return erased_at

    def end_erasure(self, erased_at: int) -> None:
        """Emit the erasure (status VERWIJDERD); later events come after it in time."""
        key = None
        if self.registration_keys and self.rng.random() < 0.5:
            # put the erasure before all older registration versions in the file
            key = min(self.registration_keys) * self.rng.random()
            self.pop.details["erasures emitted before older registration versions"] += 1
        record = {
            "client_id": self.client_id, "event_id": self.pop.event_id(),
            "occurred_at": erased_at, "status": VERWIJDERD, "gemeentecode": None,
        }  # fmt: skip
        self.emit("ClientRegistration", record, key)
        self.lo, self.hi = erased_at + 1, self.pop.hi

    def facts_before_erasure(self, column: Column | None = None) -> str:
        """Facts that would count (some even in another column) but will be erased."""
        rng = self.rng
        owner = COLUMN_FACTS[column][0] if column else rng.choice((UWV, GEMEENTE))
        indication_id = self.indication(owner, "open")
        if owner == GEMEENTE or rng.random() < 0.3:
            self.indication(UWV, "open")  # would make a gemeente client count as UWV
        self.registration(INGESCHREVEN)
        self.membership("open")
        # a complete profile that must not survive when the new facts have none
        self.profile(True if column is None or not COLUMN_FACTS[column][1] else None)
        return indication_id


# -- fates: each returns the region of its cell (None for fates in no cell) -----------------

Fate = Callable[[_Client, Column | None], str | None]


def _owner_and_profiel(column: Column | None) -> tuple[str, bool]:
    assert column is not None, "a counted fate needs its column"
    return COLUMN_FACTS[column]


def counted(c: _Client, column: Column | None) -> str | None:
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open")
    if c.rng.random() < 0.15:
        c.indication(c.rng.choice((UWV, GEMEENTE)), "closed")
    c.membership(c.rng.choice(("open", "open", "open", "open_until_later")))
    c.profile(profiel)
    return region


def counted_uwv_and_gemeente_open(c: _Client, column: Column | None) -> str | None:
    owner, profiel = _owner_and_profiel(column)
    assert owner == UWV
    region = c.registration(INGESCHREVEN)
    c.indication(UWV, "open")
    c.indication(GEMEENTE, c.rng.choice(("open", "open_until_later")))
    c.membership("open")
    c.profile(profiel)
    return region


def counted_ending_after_as_of(c: _Client, column: Column | None) -> str | None:
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open_until_later")
    c.membership(c.rng.choice(("open", "open_until_later")))
    c.profile(profiel)
    return region


def counted_on_boundary_dates(c: _Client, column: Column | None) -> str | None:
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    boundary = ("open_from_as_of", "open_until_the_day_after")
    c.indication(owner, c.rng.choice(boundary))
    c.membership(c.rng.choice(boundary))
    c.profile(profiel)
    return region


def counted_besides_inactive(c: _Client, column: Column | None) -> str | None:
    owner, profiel = _owner_and_profiel(column)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open")
    other = GEMEENTE if owner == UWV else UWV
    inactive = ("closed", "closed_on_as_of", "future", "retracted", "no_start")
    c.indication(other, c.rng.choice(inactive))
    for _ in range(c.rng.randint(0, 2)):
        c.indication(c.rng.choice((UWV, GEMEENTE)), c.rng.choice(inactive))
    c.membership("open")
    c.profile(profiel)
    return region


def counted_after_erasure(c: _Client, column: Column | None) -> str | None:
    owner, profiel = _owner_and_profiel(column)
    erased_at = c.begin_erasure()
    old_indication = c.facts_before_erasure(column)
    c.end_erasure(erased_at)
    region = c.registration(INGESCHREVEN)
    c.indication(owner, "open", old_indication if c.rng.random() < 0.5 else None)
    c.membership("open")
    c.profile(profiel)
    return region


def beschut_wsw(c: _Client, column: Column | None) -> str | None:
    region = c.registration(INGESCHREVEN)
    c.indication(c.rng.choice((UWV, GEMEENTE)), "open")
    c.membership("open", tick=False, beschut=True)
    c.profile()
    return region


def beschut_wsw_failing_condition_1_2_or_3(c: _Client, column: Column | None) -> str | None:
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

    def fate(c: _Client, column: Column | None) -> str | None:
        if registration is not None:
            c.registration(registration)
        for state in indications:
            c.indication(c.rng.choice((UWV, GEMEENTE)), state)
        if membership is not None:
            c.membership(membership, tick=tick)
        c.profile()
        return None

    return fate


def erased(c: _Client, column: Column | None) -> str | None:
    erased_at = c.begin_erasure()
    c.facts_before_erasure()
    c.end_erasure(erased_at)
    return None


def erased_then_returned_without_indication(c: _Client, column: Column | None) -> str | None:
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
    "indication ended": (_not_counted(indications=("closed", "closed_on_as_of")), 0.17),
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
}
FATES: Mapping[str, Fate] = {
    **{name: spec[0] for name, spec in COUNTED_FATES.items()},
    **BESCHUT_FATES,
    **{name: spec[0] for name, spec in NOT_COUNTED_FATES.items()},
}


def _apportion(total: int, weights: Mapping[str, float], minimum: int = 0) -> dict[str, int]:
    """Split `total` by weight with the largest-remainder method (sums exactly to `total`);
    every key gets at least `minimum` when the total allows it."""
    keys = list(weights)
    if total >= minimum * len(keys) > 0:
        base = {k: minimum for k in keys}
        total -= minimum * len(keys)
    else:
        base = {k: 0 for k in keys}
    weight_sum = sum(weights.values())
    shares = {k: total * weights[k] / weight_sum for k in keys}
    result = {k: base[k] + int(shares[k]) for k in keys}
    left = total - sum(int(s) for s in shares.values())
    for k in sorted(keys, key=lambda k: (int(shares[k]) - shares[k], keys.index(k)))[:left]:
        result[k] += 1
    return result


def plan_fates(clients: int) -> Counter[tuple[str, Column | None]]:
    """How many clients get each (fate, column): the publication's mix, scaled to `clients`."""
    outcomes = {c.value: n / PUBLICATION_CLIENTS for c, n in PUBLICATION_ROW.items()}
    outcomes[Column.BESCHUT_WSW.value] = BESCHUT_SHARE
    outcomes["not counted"] = 1 - sum(outcomes.values())
    sizes = _apportion(clients, outcomes)
    plan: Counter[tuple[str, Column | None]] = Counter()
    for column in COLUMN_FACTS:
        fates = {n: w for n, (_, w, cols) in COUNTED_FATES.items() if column in cols}
        fates["counted"] = 1 - sum(fates.values())
        for name, n in _apportion(sizes[column.value], fates, minimum=1).items():
            plan[(name, column)] = n
    for name in BESCHUT_FATES:
        plan[(name, Column.BESCHUT_WSW)] = sizes[Column.BESCHUT_WSW.value]
    weights = {n: w for n, (_, w) in NOT_COUNTED_FATES.items()}
    for name, n in _apportion(sizes["not counted"], weights, minimum=1).items():
        plan[(name, None)] = n
    return +plan


def generate(
    clients: int, seed: int, out_dir: Path, as_of: date, progress: bool = False
) -> GenerationSummary:
    """Write the four event files, expected.json and manifest.json for a synthetic population."""
    started = time.perf_counter()
    rng = random.Random(seed)
    plan = sorted(plan_fates(clients).items(), key=_plan_order)
    fates = [fate for fate, n in plan for _ in range(n)]
    rng.shuffle(fates)
    population = _Population(rng, as_of)
    subtotals: Counter[Cell] = Counter()
    histogram: Counter[str] = Counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        writers = {
            name: Writer(
                stack.enter_context((out_dir / f"{name}.avro").open("wb")),
                parsed_schema(name),
                codec=CODEC,
                sync_marker=rng.randbytes(16),
            )
            for name in EVENT_SCHEMA_NAMES
        }
        bar = stack.enter_context(
            tqdm(total=clients, disable=not progress, file=sys.stderr, unit=" clients")
        )
        for i, (name, column) in enumerate(fates, start=1):
            region = FATES[name](_Client(population), column)
            histogram[name] += 1
            if column is not None:
                assert region is not None
                subtotals[(region, column)] += 1
            if i % CHUNK_CLIENTS == 0:
                population.flush(writers)
            if i % PROGRESS_STEP == 0:
                bar.update(PROGRESS_STEP)
        population.flush(writers)
        bar.update(clients % PROGRESS_STEP)
        for writer in writers.values():
            writer.flush()
    expected = tuple(publication_table(subtotals, load_regions(), as_of))
    summary = GenerationSummary(
        clients=clients, seed=seed, as_of=as_of, out_dir=out_dir, codec=CODEC,
        event_counts=dict(population.event_counts), duplicates=dict(population.duplicates),
        fates=dict(histogram), details=dict(population.details), expected=expected,
        seconds=time.perf_counter() - started,
    )  # fmt: skip
    _write_json(out_dir / EXPECTED_FILE, [row.to_json() for row in expected])
    _write_json(out_dir / MANIFEST_FILE, summary.manifest())
    return summary


def _plan_order(item: tuple[tuple[str, Column | None], int]) -> tuple[str, str]:
    (name, column), _ = item
    return name, column.value if column else ""


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_expected(out_dir: Path) -> list[dict[str, Any]]:
    """The expected publication table written by generate(): RegionCounts rows as dicts."""
    rows: list[dict[str, Any]] = json.loads((out_dir / EXPECTED_FILE).read_text(encoding="utf-8"))
    return rows
