"""What generate() wrote: the summary it returns and the content of manifest.json."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from streams.devtools.generate.parameters import CHUNK_CLIENTS
from streams.domain.table import RegionCounts


@dataclass(frozen=True)
class GenerationSummary:
    """What generate() wrote: counts per file, the fate histogram and the expected table."""

    clients: int
    seed: int
    as_of: date
    out_dir: Path
    codec: str
    event_counts: Mapping[str, int]
    duplicates: Mapping[str, int]
    fates: Mapping[str, int]
    details: Mapping[str, int]
    expected: tuple[RegionCounts, ...]
    seconds: float
    window_start: date  # the first day of the population's history
    arrived_in_window: int  # clients whose events became known on a day of the window
    left: int  # clients counted for a while in the window, then erased

    def __str__(self) -> str:
        nederland = self.expected[-1]
        return (
            f"{self.clients} clients (seed {self.seed}, as of {self.as_of}), "
            f"{sum(self.event_counts.values())} events of which "
            f"{sum(self.duplicates.values())} duplicates, {nederland.totaal} counted, "
            f"{nederland.beschut_wsw} beschut wsw, in {self.seconds:.1f} s"
        )

    def manifest(self) -> dict[str, Any]:
        """The content of manifest.json (deterministic: no timings, no paths)."""
        return {
            "clients": self.clients,
            "seed": self.seed,
            "as_of": self.as_of.isoformat(),
            "codec": self.codec,
            "order": f"as the records became known (sorted within windows of {CHUNK_CLIENTS}"
            " clients, in order of arrival)",
            "event_counts": dict(self.event_counts),
            "duplicates": dict(self.duplicates),
            "fates": dict(sorted(self.fates.items())),
            "details": dict(sorted(self.details.items())),
            "history": {
                "window_start": self.window_start.isoformat(),
                "known_at": "each X.avro has X.known_at beside it: the Kafka timestamp of each"
                " record in file order (epoch millis, little-endian int64)",
                "clients arriving in the window": self.arrived_in_window,
                "clients leaving in the window": self.left,
            },
        }
