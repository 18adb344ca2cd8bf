"""Synthetic population writer: Avro event files plus the publication table they must give.

The expected table is known by construction, never by replaying the events: each synthetic
client first gets a fate (say "counted as a UWV client with a profile" or "uitgeschreven"),
then events are emitted that realise that fate, with noise that cannot change it (older
versions, duplicates, inactive indications, events erased later), and the fate's cell is
added to the expected tally. A replay of the files must arrive at the same table.

Order within a file: records are shuffled within windows of CHUNK_CLIENTS clients (all events
of one client fall in one window), so the versions of an entity arrive out of order and
duplicates are scattered, while memory stays bounded. It is not a full shuffle of the file.

Modules: parameters (the mix and the vocabulary), population (the shared state of one run),
client (the events of one client), fates (what each client is meant to be), plan (how many
clients get each fate), summary (what was written) and writer (the files).
"""

from __future__ import annotations

from streams.devtools.generate.fates import FATES
from streams.devtools.generate.parameters import EXPECTED_FILE, MANIFEST_FILE, PUBLICATION_ROW
from streams.devtools.generate.plan import plan_fates
from streams.devtools.generate.summary import GenerationSummary
from streams.devtools.generate.writer import generate, load_expected

__all__ = [
    "EXPECTED_FILE",
    "FATES",
    "MANIFEST_FILE",
    "PUBLICATION_ROW",
    "GenerationSummary",
    "generate",
    "load_expected",
    "plan_fates",
]
