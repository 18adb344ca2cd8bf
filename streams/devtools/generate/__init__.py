"""Synthetic population writer: Avro event files plus the publication table they must give.

The expected table is known by construction, never by replaying the events: each synthetic
client first gets a fate (say "counted as a UWV client with a profile" or "uitgeschreven"),
then events are emitted that realise that fate, with noise that cannot change it (older
versions, duplicates, inactive indications, events erased later), and the fate's cell is
added to the expected tally. A replay of the files must arrive at the same table.

A past: each client arrives at a moment, before the window of five quarters before as_of or on
a day within it, and its events become known within six hours of it (their Kafka timestamps,
written beside each file as X.known_at); some leave later (an erasure known on a later day).
The table of every quarter end in the window is known by construction too
(expected-quarters.json): see timeline.py.

Order within a file: the order in which the records became known, day by day. Clients are
written in order of arrival, and a window of CHUNK_CLIENTS clients at a time is sorted by the
records' timestamps, which the shuffle key spreads over the six hours: the versions of an
entity arrive out of order and duplicates are scattered, while memory stays bounded.

Modules: parameters (the mix and the vocabulary), population (the shared state of one run),
client (the events of one client), fates (what each client is meant to be), plan (how many
clients get each fate), timeline (arrivals, leavers, the quarter ends), summary (what was
written) and writer (the files).
"""

from __future__ import annotations

from streams.devtools.generate.fates import FATES
from streams.devtools.generate.parameters import (
    EXPECTED_FILE,
    EXPECTED_QUARTERS_FILE,
    KNOWN_AT_SUFFIX,
    MANIFEST_FILE,
    PUBLICATION_ROW,
)
from streams.devtools.generate.plan import plan_fates
from streams.devtools.generate.summary import GenerationSummary
from streams.devtools.generate.writer import generate, load_expected, load_expected_quarters

__all__ = [
    "EXPECTED_FILE",
    "EXPECTED_QUARTERS_FILE",
    "FATES",
    "KNOWN_AT_SUFFIX",
    "MANIFEST_FILE",
    "PUBLICATION_ROW",
    "GenerationSummary",
    "generate",
    "load_expected",
    "load_expected_quarters",
    "plan_fates",
]
