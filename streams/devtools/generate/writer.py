"""Write a population: the four Avro event files, expected.json and manifest.json."""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

from fastavro.write import Writer
from tqdm import tqdm

from streams.codecs.avro import EVENT_SCHEMA_NAMES, parsed_schema
from streams.devtools.generate.client import Client
from streams.devtools.generate.fates import FATES
from streams.devtools.generate.parameters import (
    CHUNK_CLIENTS,
    CODEC,
    EXPECTED_FILE,
    EXPECTED_QUARTERS_FILE,
    KNOWN_AT_SUFFIX,
    MANIFEST_FILE,
    PROGRESS_STEP,
)
from streams.devtools.generate.plan import plan_fates
from streams.devtools.generate.population import Population
from streams.devtools.generate.summary import GenerationSummary
from streams.domain.table import Cell, Column, publication_table
from streams.service.reference import load_regions


def generate(
    clients: int, seed: int, out_dir: Path, as_of: date, progress: bool = False
) -> GenerationSummary:
    """Write the four event files, expected.json and manifest.json for a synthetic population."""
    started = time.perf_counter()
    rng = random.Random(seed)
    plan = sorted(plan_fates(clients).items(), key=_plan_order)
    fates = [fate for fate, n in plan for _ in range(n)]
    rng.shuffle(fates)
    population = Population(rng, as_of)
    timeline = population.timeline
    arrivals = timeline.arrivals(clients, rng)  # clients are written in order of arrival
    subtotals: Counter[Cell] = Counter()
    histogram: Counter[str] = Counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        stamps = {
            name: stack.enter_context((out_dir / f"{name}{KNOWN_AT_SUFFIX}").open("wb"))
            for name in EVENT_SCHEMA_NAMES
        }
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
        for i, ((name, column), arrival) in enumerate(zip(fates, arrivals, strict=True), 1):
            client = Client(population, arrival)
            region = FATES[name](client, column)
            histogram[name] += 1
            final: Cell | None = None
            if column is not None:
                assert region is not None
                final = (region, column)
                subtotals[final] += 1
            timeline.count(arrival, client.cell_before_as_of(final), client.leaves)
            if i % CHUNK_CLIENTS == 0:
                population.flush(writers, stamps)
            if i % PROGRESS_STEP == 0:
                bar.update(PROGRESS_STEP)
        population.flush(writers, stamps, last=True)
        bar.update(clients % PROGRESS_STEP)
        for writer in writers.values():
            writer.flush()
    expected = tuple(publication_table(subtotals, load_regions(), as_of))
    summary = GenerationSummary(
        clients=clients, seed=seed, as_of=as_of, out_dir=out_dir, codec=CODEC,
        event_counts=dict(population.event_counts), duplicates=dict(population.duplicates),
        fates=dict(histogram), details=dict(population.details), expected=expected,
        seconds=time.perf_counter() - started, window_start=timeline.window_start,
        arrived_in_window=timeline.arrived_in_window, left=timeline.left,
    )  # fmt: skip
    _write_json(out_dir / EXPECTED_FILE, [row.to_json() for row in expected])
    _write_json(out_dir / EXPECTED_QUARTERS_FILE, timeline.expected())
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


def load_expected_quarters(out_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """The expected table of every quarter end in the population's window (YYYY-MM-DD -> rows
    as dicts), known by construction."""
    path = out_dir / EXPECTED_QUARTERS_FILE
    tables: dict[str, list[dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    return tables
