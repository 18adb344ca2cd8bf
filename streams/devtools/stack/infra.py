"""What a stack runs on: a local broker of its own and a generated population."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from streams.devtools import broker
from streams.devtools.generate import EXPECTED_QUARTERS_FILE, generate


def start_broker(port: int, data_dir: Path, *, fresh: bool = False) -> broker.BrokerStatus:
    """Start (or reuse) the local broker on `port` with its data in `data_dir`; `fresh` stops
    a broker left running there and starts on empty data. Returns its status (pid, bootstrap)."""
    if fresh:
        broker.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
    broker.start(port=port, data_dir=data_dir, wait_timeout=120)
    return broker.status(data_dir, port)


@contextmanager
def isolated_broker(port: int, data_dir: Path) -> Iterator[broker.BrokerStatus]:
    """A broker on empty data for the duration of the block; stopped afterwards."""
    status = start_broker(port, data_dir, fresh=True)
    try:
        yield status
    finally:
        broker.stop(data_dir)


def population(out: Path, clients: int, seed: int, as_of: date, progress: bool = False) -> Path:
    """A generated population in `out`, generated once: kept when `out` already holds its
    expected tables (written after the event files and their timestamps), else generated
    afresh."""
    if not (out / EXPECTED_QUARTERS_FILE).is_file():
        shutil.rmtree(out, ignore_errors=True)
        print(f"generating {clients} clients (seed {seed}) into {out} ...", flush=True)
        generate(clients, seed, out, as_of, progress=progress)
    return out
