"""The state shared by all clients of one run: the random source, the buffers, the statistics."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from operator import itemgetter

from fastavro.write import Writer

from streams.codecs.avro import EVENT_SCHEMA_NAMES
from streams.devtools.generate.parameters import HISTORY_DAYS, Record
from streams.service.reference import load_regions


class Population:
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
        """A new pseudonymous client id, unique within the population."""
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
