"""The population's parameters: the publication row it reproduces, the noise, the vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.codecs.files import KNOWN_AT_SUFFIX as KNOWN_AT_SUFFIX  # beside each X.avro
from streams.domain.table import Column

#: Measured on 300,000 clients (2.35M events), CPU seconds: null writes in 51 s and reads in
#: 18 s (178 MB); deflate writes in 61 s and reads in 19 s (106 MB). Null is faster both ways.
CODEC = "null"
CHUNK_CLIENTS = 25_000  # clients per shuffled window of each file
PROGRESS_STEP = 1_000
EXPECTED_FILE = "expected.json"
EXPECTED_QUARTERS_FILE = "expected-quarters.json"  # the table of every quarter end before as_of
MANIFEST_FILE = "manifest.json"

#: The Nederland row of the publication, reproduced for PUBLICATION_CLIENTS synthetic clients.
PUBLICATION_CLIENTS = 300_000
PUBLICATION_ROW: Mapping[Column, int] = {
    Column.GEMEENTE_MET_PROFIEL: 12_032,
    Column.GEMEENTE_ZONDER_PROFIEL: 65_237,
    Column.UWV_MET_PROFIEL: 88_787,
    Column.UWV_ZONDER_PROFIEL: 26_982,
}
BESCHUT_SHARE = 0.02  # of all clients: beschut werkend in de WSW, meeting conditions 1-3
UNKNOWN_GEMEENTE_SHARE = 0.015  # registrations with a null, unknown or malformed gemeentecode
DUPLICATE_SHARE = 0.03  # events re-emitted verbatim (same event_id)
OLDER_VERSION_SHARE = 0.15  # entities that get older, superseded versions
TIE_SHARE = 0.05  # of those: the newest two versions share occurred_at; event_id decides
HISTORY_DAYS = 5 * 365  # occurred_at lies in this many days before a client's arrival

#: The population's past: clients become known (their events' Kafka timestamps) before the
#: window of five quarters before as_of opens, or on a day within it; some leave within it.
WINDOW_DAYS = 457  # five quarters
EARLY_SHARE = 0.85  # clients known before the window, from up to EARLY_DAYS before it
EARLY_DAYS = 365
ARRIVAL_HOURS = (1, 13)  # a client arrives between 01:00 and 13:00 (Amsterdam) ...
SPREAD_HOURS = 6  # ... and its events become known within six hours, on the same day

INGESCHREVEN, UITGESCHREVEN, VERWIJDERD = "INGESCHREVEN", "UITGESCHREVEN", "VERWIJDERD"
UWV, GEMEENTE = "UWV", "GEMEENTE"
AFFINITEITEN, BEROEPSSECTOREN, TAAKSOORTVRAAG = "AFFINITEITEN", "BEROEPSSECTOREN", "TAAKSOORTVRAAG"
COLUMN_FACTS: Mapping[Column, tuple[str, bool]] = {  # column -> (indication owner, profiel)
    Column.GEMEENTE_MET_PROFIEL: (GEMEENTE, True),
    Column.GEMEENTE_ZONDER_PROFIEL: (GEMEENTE, False),
    Column.UWV_MET_PROFIEL: (UWV, True),
    Column.UWV_ZONDER_PROFIEL: (UWV, False),
}
KINDS = {UWV: ("WAJONG", "WW", "WIA", "ZW"), GEMEENTE: ("BIJSTAND", "NUG", "IOAW")}
GRONDSLAGEN = ("WAJONG", "PRAKTIJKROUTE", "INDICATIE_BANENAFSPRAAK", "VSO_PRO", "WIW_ID")
VALUES = {
    AFFINITEITEN: ("Techniek", "Zorg en welzijn", "Groen", "Logistiek", "Horeca", "ICT", "Dieren"),
    BEROEPSSECTOREN: ("Bouw", "Industrie", "Transport", "Zorg", "Handel", "Overheid", "Landbouw"),
    TAAKSOORTVRAAG: ("Inpakken", "Sorteren", "Schoonmaken", "Klanten helpen", "Invoeren", "Koken"),
}
QUESTIONS = tuple(range(1, 21))
PART_KEYS = (AFFINITEITEN, BEROEPSSECTOREN, TAAKSOORTVRAAG)

Record = dict[str, Any]
