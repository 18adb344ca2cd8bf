"""The event emitter of one synthetic client: each method realises one entity's final state."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from streams.devtools.generate.parameters import (
    AFFINITEITEN,
    BEROEPSSECTOREN,
    COLUMN_FACTS,
    DUPLICATE_SHARE,
    GEMEENTE,
    GRONDSLAGEN,
    HISTORY_DAYS,
    INGESCHREVEN,
    KINDS,
    OLDER_VERSION_SHARE,
    PART_KEYS,
    QUESTIONS,
    TAAKSOORTVRAAG,
    TIE_SHARE,
    UITGESCHREVEN,
    UNKNOWN_GEMEENTE_SHARE,
    UWV,
    VALUES,
    VERWIJDERD,
    Record,
)
from streams.devtools.generate.population import Population
from streams.devtools.generate.timeline import SPREAD_MS
from streams.domain.regions import ONBEKEND
from streams.domain.table import Cell, Column

_SAME = object()  # the cell before as_of is the fate's own


class Client:
    """Emits the events of one client; each method realises one entity's final state."""

    def __init__(self, population: Population, arrival: int) -> None:
        self.pop = population
        self.rng = population.rng
        self.client_id = population.client_id()
        self.arrival = arrival  # its events become known from this moment (epoch millis)
        # versions lie in the years before the arrival: a fact is known after it happened
        self.end = arrival
        self.lo, self.hi = arrival - HISTORY_DAYS * 86_400_000, arrival
        self.registration_keys: list[float] = []
        self.eve: Cell | object | None = _SAME
        self.leaves: tuple[int, Cell] | None = None  # (erasure known at, the cell until then)

    def before_as_of(self, cell: Cell | None) -> None:
        """The client's cell on the days before as_of differs from its fate's (a date on as_of)."""
        self.eve = cell

    def cell_before_as_of(self, final: Cell | None) -> Cell | None:
        """The cell on every day of the window before as_of."""
        return final if self.eve is _SAME else self.eve  # type: ignore[return-value]

    # -- emission -------------------------------------------------------------------------

    def emit(self, schema: str, record: Record, key: float | None = None) -> None:
        """Buffer one record under a shuffle key; re-emit it verbatim for some records."""
        rng, pop = self.rng, self.pop
        buffer = pop.buffers[schema]
        key = rng.random() if key is None else key
        buffer.append((self.arrival + int(key * SPREAD_MS), record))  # the key orders the file
        pop.event_counts[schema] += 1
        if schema == "ClientRegistration":
            self.registration_keys.append(key)
        if rng.random() < DUPLICATE_SHARE:
            duplicate_key = rng.random()
            buffer.append((self.arrival + int(duplicate_key * SPREAD_MS), record))
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

    def past(self, max_days: int = 3000) -> date:
        """A day up to max_days before as_of, but before the window of the history opens: no
        date changes a client's cell on a day of the window (but those on as_of)."""
        opens = (self.pop.as_of - self.pop.window_start).days
        return self.pop.window_start - timedelta(days=self.rng.randint(1, max_days - opens))

    def future(self, max_days: int = 730) -> date:
        """A day between 1 and max_days after as_of."""
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
            return self.past(), as_of + timedelta(days=1)
        if state == "closed":  # before the window opens
            start = self.past()
            last = self.pop.window_start - timedelta(days=1)
            return start, start + timedelta(days=self.rng.randint(0, (last - start).days))
        if state == "closed_on_as_of":
            return self.past(), as_of
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

    def profile(self, profiel: bool | None = None) -> bool:
        """A klantprofiel that meets the teldefinitie ("profiel ja") or not, or either; returns
        which."""
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
        return profiel

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
        self.lo, self.hi = erased_at + 1, self.end

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
