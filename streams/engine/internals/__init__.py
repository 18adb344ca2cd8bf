"""The only code that touches private parts of faust-streaming, aiokafka and mode.

What it changes and why: consumer.py (whole fetches to one handler), recovery.py (changelog
recovery a fetch at a time), tableio.py (the client table per explicit partition),
consistency.py (local state ahead of its changelog discarded, not fatal; the table manager
started without its one-second sleep); what it reads:
progress.py (the consumer's fetch state, for the watchdog). Every private name used is listed
in manifest.py and checked at start-up and by a unit test.
"""

from __future__ import annotations

from importlib.metadata import version

from streams.engine.internals.consistency import CheckedTableManager
from streams.engine.internals.consumer import (
    BatchHandler,
    BatchingConsumer,
    BatchingTransport,
    WorkerApp,
    send_raw,
)
from streams.engine.internals.manifest import PINNED, missing
from streams.engine.internals.recovery import forget_recovery_end, recovery_is_current
from streams.engine.internals.tableio import COMPACT_MEMORY_STORE, CompactMemoryStore, TableIO

__all__ = [
    "COMPACT_MEMORY_STORE",
    "BatchHandler",
    "BatchingConsumer",
    "BatchingTransport",
    "CheckedTableManager",
    "CompactMemoryStore",
    "IncompatibleLibrary",
    "TableIO",
    "WorkerApp",
    "check_internals",
    "forget_recovery_end",
    "recovery_is_current",
    "send_raw",
]


class IncompatibleLibrary(RuntimeError):
    """The installed faust-streaming or aiokafka lacks a private part the worker relies on."""


def check_internals() -> None:
    """Raise IncompatibleLibrary, naming the parts and our files, when anything is missing."""
    problems = missing()
    if problems:
        installed = ", ".join(f"{name} {version(name)}" for name in PINNED)
        pinned = ", ".join(f"{name}=={v}" for name, v in PINNED.items())
        raise IncompatibleLibrary(
            f"the installed {installed} lack(s) what the worker relies on: "
            + "; ".join(problems)
            + f". Install the pinned versions ({pinned}) or revisit the files named."
        )
