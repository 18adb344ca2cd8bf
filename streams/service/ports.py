"""What the application logic needs from outside, as small interfaces that the engine hands in.

The service layer never imports Faust, aiokafka, Prometheus or the Avro codecs: it receives
decoders and encoders (`Wire`, built by `streams.codecs.wire`), a metrics sink
(`WorkerMetrics`, implemented by `streams.engine.metrics`) and readers of topics (built by
`streams.kafka`). Tests hand in their own.
"""

from __future__ import annotations

from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from streams.domain import Cell, ClientState, Event, RegionCounts
from streams.service.reports import SubtotalReport


class DecodeError(ValueError):
    """Bytes that are not a valid message of the expected schema; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Decodes the value of one input message into a domain event; raises DecodeError.
Decode = Callable[[bytes | None], Event]


class StoredClient(NamedTuple):
    """A value of the client table: the client's state and the input partition it belongs to.
    (A NamedTuple: one is made for every applied event and every client read.)"""

    partition: int
    state: ClientState


class InputMessage(NamedTuple):
    """One message read from a topic (a NamedTuple: reconcile makes millions)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int | None = None  # the Kafka timestamp, epoch millis


#: Reads topics from the given positions ((topic, partition) -> next offset; absent: the
#: beginning) up to their end offsets as they are when reading starts, in batches.
ReadToEnd = Callable[[Mapping[tuple[str, int], int]], AsyncIterator[Sequence[InputMessage]]]

#: Reads the named partitions ((topic, partition) -> stop offset) from the beginning up to (not
#: including) their stop offsets, in batches; every partition in offset order.
ReadUpTo = Callable[[Mapping[tuple[str, int], int]], AsyncIterator[Sequence[InputMessage]]]

#: Reads the counts topic to its end: the latest row per region code.
ReadCounts = Callable[[], Awaitable[Mapping[str, RegionCounts]]]


@dataclass(frozen=True)
class Wire:
    """The bytes a worker reads and writes, in the configured framing."""

    decoders: Mapping[str, Decode]  # input topic -> decoder of its events
    encode_dead_letter: Callable[[Mapping[str, Any]], bytes]
    encode_counts: Callable[[RegionCounts], bytes]
    encode_subtotals: Callable[[SubtotalReport], bytes]
    decode_subtotals: Callable[[bytes], SubtotalReport]


class WorkerMetrics(Protocol):
    """Where the worker's figures go (Prometheus in the engine). No client ids, ever."""

    def record_batch(
        self,
        outcomes: Mapping[tuple[str, str], int],
        rejections: Mapping[tuple[str, str], int],
        unknown_gemeente: Mapping[str, int],
        latencies: Sequence[float],
        applied_at: float | None,
    ) -> None:
        """One batch: outcomes per (topic, outcome), dead letters per (topic, error class),
        registrations with an unknown gemeente per topic, event-to-update latencies, and the
        time at which the batch's changes were applied (None when it changed nothing)."""

    def set_ready(self, ready: bool) -> None:
        """Whether the worker's state is recovered and its counts correct."""

    def set_partition_cells(self, partition: int, cells: Mapping[Cell, int]) -> None:
        """One owned partition's subtotals."""

    def forget_partitions(self, partitions: Iterable[int]) -> None:
        """Remove what was exported for partitions this worker no longer owns."""

    def set_region_rows(self, rows: Iterable[RegionCounts]) -> None:
        """The aggregated table (owner of the aggregator only)."""

    def forget_regions(self) -> None:
        """Remove the aggregated series (the aggregator moved to another worker)."""


# --- writer schemas from a schema registry (streams/service/schemas.py) ---------------------


class RegistryUnavailable(Exception):
    """The schema registry gave no usable answer (down, slow, 5xx, refused credentials, or it
    refused to register our schema): the input is not bad, it waits; the message says why."""


class WriterLookup(Protocol):
    """Finds the writer schemas of framed messages before they are decoded, and registers the
    schemas we write (streams/kafka/registry.py); decoding itself never does I/O."""

    def missing(self, values: Iterable[bytes | None]) -> set[int]:
        """The registry ids named by these values that the decoders do not know yet."""

    async def fetch(self, ids: Collection[int]) -> None:
        """Fetch the writer schemas of these ids into the decoders (an id the registry never
        issued is remembered as such); RegistryUnavailable when the registry cannot answer."""

    async def register_outputs(self) -> None:
        """Register the schemas this process writes, under their subjects, and write with the
        ids they got; RegistryUnavailable when that cannot be done now."""


class RegistryMetrics(Protocol):
    """Where the registry's state goes (Prometheus in the engine)."""

    def set_schema_registry_available(self, available: bool) -> None:
        """0 while input waits for the schema registry, 1 otherwise."""

    def count_schema_registry_failure(self) -> None:
        """One attempt that the registry could not answer."""
