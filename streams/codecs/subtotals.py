"""The subtotal reports between the client agents and the aggregator: a partition's absolute
counts, their day, the sender's partition count and generation, as compact JSON (an internal
topic: no schema contract)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

from streams.domain import Cell, Column, Regions
from streams.domain.regions import ONBEKEND
from streams.service.reports import NO_GENERATION, SubtotalReport


def all_region_codes(regions: Regions) -> tuple[str, ...]:
    """Every region a subtotal message covers: the 35 regions and ONBEKEND."""
    return (*regions.codes_in_order, ONBEKEND)


def encode(report: SubtotalReport, regions: Regions) -> bytes:
    """One message with the absolute counts of every region (zeros too) of one partition, and
    the positions it reflects: input topic -> the first offset of its partition not in them."""
    body: dict[str, dict[str, int]] = {code: {} for code in all_region_codes(regions)}
    for (regio, column), count in report.cells.items():
        if count:
            body.setdefault(regio, {})[column.value] = count
    message: dict[str, Any] = {
        "partition": report.partition,
        "partitions": report.partitions,
        "generation": report.generation,
        "as_of": report.day.isoformat(),
        "cells": body,
    }
    if report.positions:
        message["positions"] = {
            t: o for (t, q), o in sorted(report.positions.items()) if q == report.partition
        }
    return json.dumps(message, separators=(",", ":")).encode()


def decode(raw: bytes) -> SubtotalReport:
    """The report in one subtotal message. A message of an older version (no partition count,
    no generation) decodes as a report that is never current: its partition counts again when
    its owner reports anew."""
    message: dict[str, Any] = json.loads(raw)
    cells: Counter[Cell] = Counter()
    for regio, columns in message["cells"].items():
        for column, count in columns.items():
            cells[(regio, Column(column))] = int(count)
    partition = int(message["partition"])
    return SubtotalReport(
        partition=partition,
        partitions=int(message.get("partitions", 0)),
        generation=int(message.get("generation", NO_GENERATION)),
        day=date.fromisoformat(message["as_of"]),
        cells=cells,
        positions={(t, partition): int(o) for t, o in message.get("positions", {}).items()},
    )
