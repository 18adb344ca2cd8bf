"""The state shared by all clients of one run: the random source, the buffers, the statistics."""

from __future__ import annotations

import heapq
import random
import sys
from array import array
from collections import Counter
from collections.abc import Mapping
from datetime import date
from operator import itemgetter
from typing import BinaryIO

from fastavro.write import Writer

from streams.codecs.avro import EVENT_SCHEMA_NAMES
from streams.devtools.generate.parameters import Record
from streams.devtools.generate.timeline import Timeline
from streams.service.reference import load_regions

#: A record with the Kafka timestamp it becomes known at (epoch millis).
Stamped = tuple[int, Record]


class Population:
    """Shared state while generating: the random source, the buffers and the statistics."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        regions = load_regions()
        self.rng = rng
        self.as_of = as_of
        self.region_of_gemeente = regions.region_of_gemeente
        self.gemeenten = tuple(sorted(regions.region_of_gemeente))
        self.timeline = Timeline(as_of)
        self.window_start = self.timeline.window_start
        self.buffers: dict[str, list[Stamped]] = {n: [] for n in EVENT_SCHEMA_NAMES}
        #: events known later than their client's arrival (leavers' erasures), by time
        self.late: dict[str, list[tuple[int, int, Record]]] = {n: [] for n in EVENT_SCHEMA_NAMES}
        self.event_counts: Counter[str] = Counter({n: 0 for n in EVENT_SCHEMA_NAMES})
        self.duplicates: Counter[str] = Counter({n: 0 for n in EVENT_SCHEMA_NAMES})
        self.details: Counter[str] = Counter()
        self._client_ids: set[str] = set()
        self._late_count = 0

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

    def later(self, schema: str, known_at: int, record: Record) -> None:
        """Keep a record that becomes known after its client's arrival until its time comes."""
        self._late_count += 1  # ties in time keep the order of emission
        heapq.heappush(self.late[schema], (known_at, self._late_count, record))

    def flush(
        self, writers: Mapping[str, Writer], stamps: Mapping[str, BinaryIO], last: bool = False
    ) -> None:
        """Write the buffered records of each file in the order they became known (and each
        one's Kafka timestamp beside it), with the later records whose time has come."""
        for name, buffer in self.buffers.items():
            buffer.sort(key=itemgetter(0))
            late = self.late[name]
            until = buffer[-1][0] if buffer and not last else None
            due = []
            while late and (until is None or late[0][0] <= until):
                known_at, _, record = heapq.heappop(late)
                due.append((known_at, record))
            write, times = writers[name].write, array("q")
            for known_at, record in heapq.merge(buffer, due, key=itemgetter(0)):
                write(record)
                times.append(known_at)
            if sys.byteorder == "big":
                times.byteswap()  # the files hold little-endian timestamps
            times.tofile(stamps[name])
            buffer.clear()
