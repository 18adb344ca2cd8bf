"""The subtotal messages between the client agents and the aggregator: absolute counts per
partition, as compact JSON (an internal topic: no schema contract)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import date
from typing import Any

from streams.domain import Cell, Column, Regions
from streams.domain.regions import ONBEKEND


def all_region_codes(regions: Regions) -> tuple[str, ...]:
    """Every region a subtotal message covers: the 35 regions and ONBEKEND."""
    return (*regions.codes_in_order, ONBEKEND)


def encode(
    partition: int,
    cells: Mapping[Cell, int],
    regions: Regions,
    as_of: date,
    positions: Mapping[str, int] | None = None,
) -> bytes:
    """One message with the absolute counts of every region (zeros too) of one partition, and
    the positions it reflects: input topic -> the first offset of its `partition` not in them."""
    body: dict[str, dict[str, int]] = {code: {} for code in all_region_codes(regions)}
    for (regio, column), count in cells.items():
        if count:
            body.setdefault(regio, {})[column.value] = count
    message: dict[str, Any] = {"partition": partition, "as_of": as_of.isoformat(), "cells": body}
    if positions is not None:
        message["positions"] = dict(sorted(positions.items()))
    return json.dumps(message, separators=(",", ":")).encode()


def decode(raw: bytes) -> tuple[int, Counter[Cell]]:
    """The partition and its cells from one subtotal message."""
    message: dict[str, Any] = json.loads(raw)
    cells: Counter[Cell] = Counter()
    for regio, columns in message["cells"].items():
        for column, count in columns.items():
            cells[(regio, Column(column))] = int(count)
    return int(message["partition"]), cells


def provenance(raw: bytes) -> tuple[int, date, dict[tuple[str, int], int]]:
    """The partition, the day and the input positions ((topic, partition) -> the first offset
    not reflected) of one subtotal message; no positions for a message written without them."""
    message: dict[str, Any] = json.loads(raw)
    partition = int(message["partition"])
    positions = {(t, partition): int(o) for t, o in message.get("positions", {}).items()}
    return partition, date.fromisoformat(message["as_of"]), positions
