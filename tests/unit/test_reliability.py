"""The pure parts of `reconcile` and `dead-letters`: comparison, folding, listing, replay plan."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

from streams.cli.render import render_dead_letters, render_reconcile
from streams.codecs.avro import AvroCodec
from streams.codecs.events import event_to_record
from streams.codecs.wire import worker_wire
from streams.domain import (
    ClientRegistration,
    Column,
    Indication,
    IndicationOwner,
    RegionCounts,
    RegisterMembership,
    RegistrationStatus,
)
from streams.domain.table import region_row
from streams.kafka.deadletters import decode_dead_letter
from streams.service.admission import Admission
from streams.service.deadletters import DeadLetter, plan
from streams.service.ports import InputMessage
from streams.service.reconcile import Recomputation, Result, differences
from streams.service.reference import load_regions
from streams.settings import Settings

DAY = date(2026, 3, 16)
REGIONS = load_regions()
SETTINGS = Settings()


def table(**cells: dict[str, int]) -> list[RegionCounts]:
    rows = {code: region_row(code, REGIONS.name_of(code), {}, DAY) for code in ("AM01", "NL")}
    for code, values in cells.items():
        rows[code] = region_row(
            code, REGIONS.name_of(code), {Column(k): v for k, v in values.items()}, DAY
        )
    return list(rows.values())


def test_equal_tables_have_no_differences() -> None:
    rows = table(AM01={"uwv_met_profiel": 3}, NL={"uwv_met_profiel": 3})
    assert differences(rows, {r.regio_code: r for r in rows}) == []


def test_a_region_missing_on_one_side_counts_as_zeros() -> None:
    expected = table(AM01={"uwv_met_profiel": 3}, NL={"uwv_met_profiel": 3})
    actual = {r.regio_code: r for r in expected if r.regio_code != "AM01"}
    found = differences(expected, actual)
    assert [(d.region, d.column, d.expected, d.actual) for d in found] == [
        ("AM01", "uwv_met_profiel", 3, 0),
        ("AM01", "totaal", 3, 0),
    ]


def test_an_unexpected_region_in_the_counts_topic_is_drift() -> None:
    expected = table()
    fake = replace(region_row("AM99", "Nergens", {}, DAY), totaal=5)
    actual = {**{r.regio_code: r for r in expected}, "AM99": fake}
    found = differences(expected, actual)
    assert [(d.region, d.column, d.expected, d.actual) for d in found] == [("AM99", "totaal", 0, 5)]


def test_the_day_of_the_nederland_row_is_compared() -> None:
    expected = table()
    actual = {r.regio_code: replace(r, as_of=date(2026, 3, 15)) for r in expected}
    found = differences(expected, actual)
    assert [(d.region, d.column) for d in found] == [("NL", "as_of")]


def message(topic: str, key: bytes | None, value: bytes | None, offset: int = 0) -> InputMessage:
    return InputMessage(topic, 0, offset, key, value)


def test_recomputation_folds_what_the_worker_applies_and_skips_what_it_dead_letters() -> None:
    r = Recomputation(Admission(worker_wire(SETTINGS, REGIONS).decoders, REGIONS))
    events = [
        ClientRegistration("K1", "e1", 1, RegistrationStatus.INGESCHREVEN, "GM0014"),
        Indication("K1", "e2", 1, "i", IndicationOwner.UWV, "WW", date(2026, 1, 1), None),
        RegisterMembership("K1", "e3", 1, "WAJONG", date(2025, 1, 1), None, False, True),
    ]
    for i, e in enumerate(events):
        name = type(e).__name__
        r.add(message(SETTINGS.topic_for_schema(name), b"K1",
                      AvroCodec(name).encode(event_to_record(e)), i))  # fmt: skip
    backwards = Indication(
        "K2", "e4", 1, "i", IndicationOwner.UWV, "WW", date(2026, 2, 1), date(2026, 1, 1)
    )
    r.add(message(SETTINGS.topic_indications, b"K2",
                  AvroCodec("Indication").encode(event_to_record(backwards))))  # fmt: skip
    r.add(message(SETTINGS.topic_registrations, b"K1", b"\x00garbage"))
    r.add(message(SETTINGS.topic_registrations, b"K1", None))
    r.add(message(SETTINGS.topic_indications, b"K9",
                  AvroCodec("Indication").encode(event_to_record(events[1]))))  # fmt: skip
    assert set(r.states) == {"K1"}
    assert r.rejected == {"DecodeError": 2, "InvalidEvent": 1, "KeyMismatch": 1}
    assert r.events == 7
    nl = r.table(DAY, REGIONS)[-1]
    assert (nl.regio_code, nl.uwv_zonder_profiel, nl.totaal) == ("NL", 1, 1)
    am01 = next(row for row in r.table(DAY, REGIONS) if row.regio_code == "AM01")
    assert am01.totaal == 1


def test_render_names_region_and_column() -> None:
    expected = table(AM01={"uwv_met_profiel": 3}, NL={"uwv_met_profiel": 3})
    actual = {r.regio_code: r for r in table()}
    result = Result(DAY, differences(expected, actual), 10, 3, {"DecodeError": 1}, 2, 1.5)
    text = render_reconcile(result, "table")
    assert text.startswith("DRIFT: 4 cell(s)")
    assert re.search(r"^AM01 +uwv_met_profiel +3 +0$", text, re.MULTILINE)
    body = json.loads(render_reconcile(result, "json"))
    assert body["drift"] is True and body["rejected"] == {"DecodeError": 1}
    assert body["differences"][0] == {
        "region": "AM01", "column": "uwv_met_profiel", "expected": 3, "actual": 0,
    }  # fmt: skip
    clean = Result(DAY, [], 10, 3, {}, 1, 0.2)
    assert render_reconcile(clean, "table").startswith("no drift")


def letter(
    offset: int, key: bytes | None = b"K123456789abc", value: bytes | None = b"raw"
) -> DeadLetter:
    reason = "not a ClientRegistration record"
    return DeadLetter(offset, "t.registrations", 1, 40 + offset, key, value,
                      "DecodeError", reason, 1_790_000_000_000)  # fmt: skip


def test_dead_letters_round_trip_and_list_without_the_bytes() -> None:
    original = letter(7)
    encoded = AvroCodec("DeadLetter").encode(
        {"source_topic": original.source_topic, "partition": 1, "offset": 47,
         "key": original.key, "value": original.value, "error_class": "DecodeError",
         "reason": original.reason, "dead_lettered_at": original.dead_lettered_at}
    )  # fmt: skip
    decoded = decode_dead_letter(AvroCodec("DeadLetter"), message("dlq", None, encoded, 7))
    assert decoded == original
    for fmt in ("table", "json"):
        text = render_dead_letters([decoded.info(), letter(8, key=None).info()], fmt)
        assert "K123456789abc" not in text and "raw" not in text
    assert "t.registrations[1]@47" in render_dead_letters([decoded.info()], "table")
    info = json.loads(render_dead_letters([decoded.info()], "json"))[0]
    assert info["key_bytes"] == 13 and info["value_bytes"] == 3
    assert info["dead_lettered_at"].endswith("+00:00")


def test_replay_plan_skips_dead_letters_without_a_value_and_says_where_to_go_on() -> None:
    report = plan([letter(3), letter(4, value=None), letter(5)], since_offset=3)
    assert (report.replayed, report.skipped, report.first_offset, report.last_offset) == (
        2, 1, 3, 5,
    )  # fmt: skip
    assert report.next_since_offset == 6
    assert report.by_topic == {"t.registrations": 2}
    empty = plan([], since_offset=9)
    assert (empty.replayed, empty.next_since_offset) == (0, 9)


def test_a_dead_letter_of_an_oversized_message_keeps_its_source_but_not_its_bytes() -> None:
    from streams.service.deadletters import MAX_DEAD_LETTER_RAW_BYTES, dead_letter_record

    codec = AvroCodec("DeadLetter")

    def dead_letter(value: bytes) -> bytes:
        return codec.encode(dead_letter_record("t", 2, 99, b"K1", value, "DecodeError", "too big"))

    big = b"\x01" * (MAX_DEAD_LETTER_RAW_BYTES + 1)
    record = dead_letter(big)
    assert len(record) < 1000
    kept = decode_dead_letter(codec, message("dlq", None, record))
    assert (kept.source_topic, kept.source_partition, kept.source_offset) == ("t", 2, 99)
    assert kept.key == b"K1" and kept.value is None
    assert kept.reason.startswith("too big (raw message of") and "at the source" in kept.reason
    small = decode_dead_letter(codec, message("dlq", None, dead_letter(b"x")))
    assert (small.value, small.reason) == (b"x", "too big")
