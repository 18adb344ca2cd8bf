"""The synthetic population writer: deterministic, valid, messy on purpose, and self-consistent."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import fastavro
import pytest

from streams.codecs.avro import EVENT_SCHEMA_NAMES, reader_schema
from streams.codecs.events import event_from_record
from streams.devtools.generate import (
    EXPECTED_FILE,
    EXPECTED_QUARTERS_FILE,
    FATES,
    KNOWN_AT_SUFFIX,
    MANIFEST_FILE,
    PUBLICATION_ROW,
    GenerationSummary,
    generate,
    load_expected,
    plan_fates,
)
from streams.domain.events import Event, version_of
from streams.domain.table import RegionCounts
from streams.domain.validation import problems
from streams.service.reference import load_regions

AS_OF = date(2026, 3, 31)
COLUMNS = (
    "gemeente_met_profiel",
    "gemeente_zonder_profiel",
    "uwv_met_profiel",
    "uwv_zonder_profiel",
)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def read_records(out_dir: Path, name: str) -> list[dict[str, Any]]:
    """The records of one event file, in file order, with occurred_at as epoch millis.

    fastavro applies the writer schema's timestamp-millis logical type to container files
    even with codecs.reader_schema, so occurred_at comes back as a datetime: undo that.
    """
    with (out_dir / f"{name}.avro").open("rb") as f:
        records = list(fastavro.reader(f, reader_schema(name)))
    for record in records:
        record["occurred_at"] = (record["occurred_at"] - EPOCH) // timedelta(milliseconds=1)
    return records


def read_events(out_dir: Path) -> dict[str, list[Event]]:
    """The domain events of each file, in file order."""
    return {
        name: [event_from_record(name, r) for r in read_records(out_dir, name)]
        for name in EVENT_SCHEMA_NAMES
    }


def entity_of(event: Event) -> tuple[str, ...]:
    """The entity an event states a version of (the erasure belongs to the registration)."""
    key = getattr(event, "indication_id", None) or getattr(event, "part", None)
    question = getattr(event, "question", None)
    return (type(event).__name__, event.client_id, str(key), str(question))


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerationSummary, Path]:
    out_dir = tmp_path_factory.mktemp("population")
    return generate(2_000, 11, out_dir, AS_OF), out_dir


def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    names = [f"{n}.avro" for n in EVENT_SCHEMA_NAMES] + [EXPECTED_FILE, MANIFEST_FILE]
    names += [f"{n}{KNOWN_AT_SUFFIX}" for n in EVENT_SCHEMA_NAMES] + [EXPECTED_QUARTERS_FILE]
    for run, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(300, seed, tmp_path / run, AS_OF)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / names[0]).read_bytes() != (tmp_path / "c" / names[0]).read_bytes()


def test_every_fate_appears_in_a_population_of_2000_clients(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    manifest = json.loads((out_dir / MANIFEST_FILE).read_text())
    assert set(manifest["fates"]) == set(FATES)
    assert sum(manifest["fates"].values()) == 2_000
    details = manifest["details"]
    for path in (
        "gemeentecode: known",
        "gemeentecode: null",
        "gemeentecode: unknown code",
        "gemeentecode: malformed code",
        "registration history: relocated (now INGESCHREVEN)",
        "registration history: status changed (now INGESCHREVEN)",
        "registration history: status changed (now UITGESCHREVEN)",
        "profile: complete",
        "profile: refilled after clearing",
        "profile: none",
        "profile: incomplete",
        "profile: filled then cleared",
        "erasures emitted before older registration versions",
        "entities with a version tie on occurred_at",
    ):
        assert details.get(path, 0) > 0, path


def test_the_manifest_counts_the_events_in_each_file(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    manifest = json.loads((out_dir / MANIFEST_FILE).read_text())
    assert manifest["clients"] == 2_000
    assert manifest["seed"] == 11
    assert manifest["as_of"] == "2026-03-31"
    for name in EVENT_SCHEMA_NAMES:
        assert manifest["event_counts"][name] == len(read_records(out_dir, name)) > 0


def test_the_expected_rows_are_all_regions_in_code_order_then_onbekend_then_nederland(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    rows = load_expected(out_dir)
    codes = [row["regio_code"] for row in rows]
    assert codes[:35] == list(load_regions().codes_in_order)
    assert codes[35:] == ["ONBEKEND", "NL"]
    assert rows[-1]["regio_naam"] == "Nederland"
    assert all(list(row) == [f.name for f in fields(RegionCounts)] for row in rows)
    assert all(row["as_of"] == "2026-03-31" for row in rows)


def test_the_nederland_row_is_the_sum_of_the_region_rows_and_totaal_the_sum_of_four_columns(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    *regions, nederland = load_expected(out_dir)
    for column in (*COLUMNS, "totaal", "beschut_wsw"):
        assert nederland[column] == sum(row[column] for row in regions)
    for row in (*regions, nederland):
        assert row["totaal"] == sum(row[column] for column in COLUMNS)


def test_counts_mirror_the_publication_with_one_to_two_percent_onbekend(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    rows = {row["regio_code"]: row for row in load_expected(out_dir)}
    nederland = rows["NL"]
    assert nederland["totaal"] == round(2_000 * 193_038 / 300_000)
    assert 0.005 <= rows["ONBEKEND"]["totaal"] / nederland["totaal"] <= 0.03
    assert sum(1 for row in rows.values() if row["totaal"] > 0) >= 30


def test_a_population_of_300_000_is_planned_with_the_publications_nederland_row() -> None:
    plan = plan_fates(300_000)
    per_column = Counter[Any]()
    for (_, column), n in plan.items():
        per_column[column] += n
    assert sum(plan.values()) == 300_000
    for column, n in PUBLICATION_ROW.items():
        assert per_column[column] == n
    assert sum(PUBLICATION_ROW.values()) == 193_038


@pytest.mark.parametrize("clients", [0, 1, 7, 100, 2_001, 123_457])
def test_every_population_size_is_planned_exactly(clients: int) -> None:
    assert sum(plan_fates(clients).values()) == clients


def test_an_empty_population_expects_zeros_in_every_region(tmp_path: Path) -> None:
    generate(0, 1, tmp_path, AS_OF)
    rows = load_expected(tmp_path)
    assert len(rows) == 36
    assert all(row[c] == 0 for row in rows for c in (*COLUMNS, "totaal", "beschut_wsw"))


def test_every_generated_event_is_valid(population: tuple[GenerationSummary, Path]) -> None:
    _, out_dir = population
    for events in read_events(out_dir).values():
        assert [problems(e) for e in events if problems(e)] == []


def test_every_event_occurred_before_as_of_and_dates_are_dates(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    start_of_as_of = datetime(2026, 3, 31).timestamp() * 1000 - 86_400_000  # any time zone
    for events in read_events(out_dir).values():
        for event in events:
            assert isinstance(event.occurred_at, int)
            assert event.occurred_at < start_of_as_of + 86_400_000
            for name in ("start_date", "end_date"):
                value = getattr(event, name, None)
                assert value is None or type(value) is date


def test_client_ids_are_pseudonymous_and_event_ids_look_like_uuids(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    registrations = read_records(out_dir, "ClientRegistration")
    clients = {r["client_id"] for r in registrations}
    assert all(len(c) == 13 and c[0] == "K" and int(c[1:], 16) >= 0 for c in clients)
    assert all(
        [len(p) for p in r["event_id"].split("-")] == [8, 4, 4, 4, 12] for r in registrations
    )


def test_a_few_percent_of_events_are_re_emitted_verbatim(
    population: tuple[GenerationSummary, Path],
) -> None:
    summary, out_dir = population
    for name in EVENT_SCHEMA_NAMES:
        records = read_records(out_dir, name)
        by_id: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            by_id[record["event_id"]].append(record)
        repeated = {i: rs for i, rs in by_id.items() if len(rs) > 1}
        assert sum(len(rs) - 1 for rs in repeated.values()) == summary.duplicates[name]
        assert 0.01 < summary.duplicates[name] / len(records) < 0.06
        assert all(rs[0] == r for rs in repeated.values() for r in rs)


def test_versions_of_an_entity_arrive_out_of_order(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    for name, events in read_events(out_dir).items():
        seen: dict[tuple[str, ...], tuple[int, str]] = {}
        late = 0
        for event in events:
            key, version = entity_of(event), version_of(event)
            if key in seen and version < seen[key]:
                late += 1
            seen[key] = max(version, seen.get(key, version))
        assert late > 0, name


def test_some_erased_clients_have_older_events_after_the_erasure_and_some_return(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    events = [e for es in read_events(out_dir).values() for e in es]
    erasures = {
        e.client_id: e.occurred_at
        for e in events
        if getattr(getattr(e, "status", None), "value", None) == "VERWIJDERD"
    }
    older = {e.client_id for e in events if e.occurred_at < erasures.get(e.client_id, 0)}
    newer = {e.client_id for e in events if e.occurred_at > erasures.get(e.client_id, 2**62)}
    assert erasures and older == set(erasures)
    assert 0 < len(newer) < len(erasures)
    registrations = read_records(out_dir, "ClientRegistration")
    position = {
        r["event_id"]: i for i, r in enumerate(registrations) if r["status"] == "VERWIJDERD"
    }
    erased_first = {
        r["client_id"]
        for i, r in enumerate(registrations)
        for e_id, p in position.items()
        if p < i
        and registrations[p]["client_id"] == r["client_id"]
        and r["occurred_at"] < registrations[p]["occurred_at"]
        and r["event_id"] != e_id
    }
    assert erased_first


def test_unknown_and_malformed_gemeentecodes_are_written(
    population: tuple[GenerationSummary, Path],
) -> None:
    _, out_dir = population
    known = load_regions().region_of_gemeente
    codes = {r["gemeentecode"] for r in read_records(out_dir, "ClientRegistration")}
    assert None in codes
    assert any(c and c.startswith("GM") and c not in known for c in codes)
    assert any(c and not c.startswith("GM") for c in codes)


def test_load_expected_returns_the_rows_of_the_summary(
    population: tuple[GenerationSummary, Path],
) -> None:
    summary, out_dir = population
    assert load_expected(out_dir) == [row.to_json() for row in summary.expected]


def test_the_summary_reads_as_one_line(population: tuple[GenerationSummary, Path]) -> None:
    summary, _ = population
    assert str(summary).startswith("2000 clients (seed 11, as of 2026-03-31), ")
    assert "1287 counted" in str(summary) and "\n" not in str(summary)
