"""The Avro contract in schemas/: names, logical types, and backward compatibility over history.

Rule (see schemas/history/README.md): the current version of every schema, used as the reader,
must be able to read data written with every version committed before (BACKWARD_TRANSITIVE).
The committed versions come from git history; copies kept in schemas/history/ count as well.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest
from avro.compatibility import (
    ReaderWriterCompatibilityChecker,
    SchemaCompatibilityType,
    SchemaIncompatibilityType,
)

from streams.codecs.avro import EVENT_SCHEMA_NAMES, OUTPUT_SCHEMA_NAMES
from streams.domain.events import IndicationOwner, ProfilePart, RegistrationStatus
from streams.domain.table import RegionCounts

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO / "schemas"
HISTORY = SCHEMAS / "history"

EVENT_HEAD = ["client_id", "event_id", "occurred_at"]
#: The contract: record name -> (namespace, field names in order).
CONTRACT: dict[str, tuple[str, list[str]]] = {
    "ClientRegistration": (
        "nl.transparantie.events",
        [*EVENT_HEAD, "status", "gemeentecode"],
    ),
    "Indication": (
        "nl.transparantie.events",
        [*EVENT_HEAD, "indication_id", "owner", "kind", "start_date", "end_date", "retracted"],
    ),
    "RegisterMembership": (
        "nl.transparantie.events",
        [
            *EVENT_HEAD,
            "grondslag",
            "start_date",
            "end_date",
            "beschut_werkend_wsw",
            "banenafspraak",
        ],
    ),
    "ProfileEdit": (
        "nl.transparantie.events",
        [*EVENT_HEAD, "part", "question", "values"],
    ),
    "RegionCounts": (
        "nl.transparantie.counts",
        [
            "regio_code",
            "regio_naam",
            "gemeente_met_profiel",
            "gemeente_zonder_profiel",
            "uwv_met_profiel",
            "uwv_zonder_profiel",
            "totaal",
            "beschut_wsw",
            "as_of",
        ],
    ),
    "DeadLetter": (
        "nl.transparantie.ops",
        [
            "source_topic",
            "partition",
            "offset",
            "key",
            "value",
            "error_class",
            "reason",
            "dead_lettered_at",
        ],
    ),
    "HistorySnapshot": (
        "nl.transparantie.history",
        ["peildatum", "quarter_end", "source", "known_at", "made_at", "offsets", "rows"],
    ),
}
#: (record, field) -> the logical type of the field (of its non-null branch when optional).
LOGICAL_TYPES: dict[tuple[str, str], tuple[str, str]] = {
    **{(name, "occurred_at"): ("long", "timestamp-millis") for name in EVENT_SCHEMA_NAMES},
    ("Indication", "start_date"): ("int", "date"),
    ("Indication", "end_date"): ("int", "date"),
    ("RegisterMembership", "start_date"): ("int", "date"),
    ("RegisterMembership", "end_date"): ("int", "date"),
    ("RegionCounts", "as_of"): ("int", "date"),
    ("DeadLetter", "dead_lettered_at"): ("long", "timestamp-millis"),
    ("HistorySnapshot", "peildatum"): ("int", "date"),
    ("HistorySnapshot", "known_at"): ("long", "timestamp-millis"),
    ("HistorySnapshot", "made_at"): ("long", "timestamp-millis"),
}
#: Enum symbols the codecs turn into domain enums: they must stay in step.
ENUMS = {
    ("ClientRegistration", "status"): RegistrationStatus,
    ("Indication", "owner"): IndicationOwner,
    ("ProfileEdit", "part"): ProfilePart,
}

SCHEMA_NAMES = sorted(path.stem for path in SCHEMAS.glob("*.avsc"))


def current_text(name: str) -> str:
    return (SCHEMAS / f"{name}.avsc").read_text(encoding="utf-8")


def current_json(name: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(current_text(name))
    return result


def fields_of(name: str) -> dict[str, Any]:
    return {field["name"]: field for field in current_json(name)["fields"]}


def _git(*args: str) -> str | None:
    """Output of a git command in the repository, or None when git or the repository is absent."""
    if shutil.which("git") is None:
        return None
    try:
        done = subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False, timeout=60
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


@cache
def git_available() -> bool:
    return _git("rev-parse", "--is-inside-work-tree") is not None


@cache
def committed_versions(name: str) -> tuple[tuple[str, str], ...]:
    """(label, schema text) of every committed version of schemas/<name>.avsc, newest first."""
    versions: list[tuple[str, str]] = []
    if git_available():
        log = _git("log", "--format=%H", "--", f"schemas/{name}.avsc") or ""
        for sha in log.split():
            text = _git("show", f"{sha}:schemas/{name}.avsc")
            if text is not None:  # None: the commit deleted the file
                versions.append((sha[:12], text))
    for path in sorted(HISTORY.glob(f"{name}.*.avsc")):
        versions.append((str(path.relative_to(REPO)), path.read_text(encoding="utf-8")))
    return tuple(versions)


def compatibility(reader_json: str, writer_json: str):
    reader = avro.schema.parse(reader_json)
    writer = avro.schema.parse(writer_json)
    return ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)


# --- the contract --------------------------------------------------------------------------------


def test_the_schemas_directory_holds_exactly_the_contract():
    assert set(SCHEMA_NAMES) == set(CONTRACT)
    assert set(SCHEMA_NAMES) == set(EVENT_SCHEMA_NAMES) | set(OUTPUT_SCHEMA_NAMES)


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_parses_with_apache_avro_and_fastavro(name):
    assert avro.schema.parse(current_text(name)).name == name
    fastavro.parse_schema(current_json(name))


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_the_record_and_field_names_are_the_contract(name):
    namespace, fields = CONTRACT[name]
    schema = current_json(name)
    assert schema["type"] == "record"
    assert schema["name"] == name
    assert schema["namespace"] == namespace
    assert [field["name"] for field in schema["fields"]] == fields


@pytest.mark.parametrize(("name", "field"), sorted(LOGICAL_TYPES))
def test_the_logical_types_are_the_contract(name, field):
    field_type = fields_of(name)[field]["type"]
    if isinstance(field_type, list):  # optional: ["null", {...}]
        assert field_type[0] == "null"
        assert fields_of(name)[field].get("default", "missing") is None
        (field_type,) = field_type[1:]
    assert (field_type["type"], field_type["logicalType"]) == LOGICAL_TYPES[(name, field)]


def test_no_other_field_has_a_logical_type():
    found = set()
    for name in SCHEMA_NAMES:
        for field_name, field in fields_of(name).items():
            if "logicalType" in json.dumps(field["type"]):
                found.add((name, field_name))
    assert found == set(LOGICAL_TYPES)


@pytest.mark.parametrize(("name", "field"), sorted(ENUMS))
def test_the_enum_symbols_match_the_domain_enums(name, field):
    symbols = fields_of(name)[field]["type"]["symbols"]
    assert symbols == [member.value for member in ENUMS[(name, field)]]


def test_the_region_counts_schema_matches_the_table_row():
    assert list(fields_of("RegionCounts")) == list(RegionCounts.__dataclass_fields__)


def test_a_history_row_has_the_figures_of_a_table_row_without_its_day():
    (row,) = [f for f in current_json("HistorySnapshot")["fields"] if f["name"] == "rows"]
    names = [field["name"] for field in row["type"]["items"]["fields"]]
    assert names == [n for n in RegionCounts.__dataclass_fields__ if n != "as_of"]


# --- backward compatibility over history -------------------------------------------------------


def test_git_history_is_found_when_git_is_available():
    if not git_available():
        return  # e.g. a source tarball: nothing to compare against
    assert committed_versions("ClientRegistration"), "no committed version of a committed schema"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_the_current_schema_reads_data_of_every_committed_version(name):
    reader = current_text(name)
    for label, writer in committed_versions(name):
        result = compatibility(reader, writer)
        assert result.compatibility is SchemaCompatibilityType.compatible, (
            f"schemas/{name}.avsc cannot read data written with version {label}: "
            f"{[i.value for i in result.incompatibilities]} {sorted(result.messages)} "
            f"at {sorted(result.locations)}"
        )


def _changed(name: str, change) -> str:
    schema = current_json(name)
    change(schema)
    return json.dumps(schema)


def test_the_check_catches_a_new_field_without_a_default():
    reader = _changed(
        "Indication", lambda s: s["fields"].append({"name": "uitkering", "type": "string"})
    )
    result = compatibility(reader, current_text("Indication"))
    assert result.compatibility is SchemaCompatibilityType.incompatible
    assert SchemaIncompatibilityType.reader_field_missing_default_value in result.incompatibilities


def test_the_check_catches_a_removed_enum_symbol():
    def drop_verwijderd(schema):
        schema["fields"][3]["type"]["symbols"].remove("VERWIJDERD")

    reader = _changed("ClientRegistration", drop_verwijderd)
    result = compatibility(reader, current_text("ClientRegistration"))
    assert result.compatibility is SchemaCompatibilityType.incompatible
    assert SchemaIncompatibilityType.missing_enum_symbols in result.incompatibilities


def test_the_check_catches_a_changed_field_type():
    def count_as_string(schema):
        schema["fields"][2]["type"] = "string"

    reader = _changed("RegionCounts", count_as_string)
    result = compatibility(reader, current_text("RegionCounts"))
    assert result.compatibility is SchemaCompatibilityType.incompatible
    assert SchemaIncompatibilityType.type_mismatch in result.incompatibilities


def test_the_check_accepts_a_new_field_with_a_default():
    def add_optional(schema):
        schema["fields"].append({"name": "bron", "type": ["null", "string"], "default": None})

    reader = _changed("ClientRegistration", add_optional)
    result = compatibility(reader, current_text("ClientRegistration"))
    assert result.compatibility is SchemaCompatibilityType.compatible


def test_the_history_check_fails_for_an_incompatible_current_schema(monkeypatch):
    """The real check, fed an incompatible "current" schema, fails with the version it breaks."""
    if not committed_versions("Indication"):
        return
    broken = _changed("Indication", lambda s: s["fields"].append({"name": "x", "type": "long"}))
    monkeypatch.setattr(f"{__name__}.current_text", lambda name: broken)
    with pytest.raises(AssertionError, match="cannot read data written with version"):
        test_the_current_schema_reads_data_of_every_committed_version("Indication")


# --- schemas/history holds a copy of every version (the single-object decoder reads them) -----


def _copies(name: str) -> list[Any]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in HISTORY.glob(f"{name}.*.avsc")]


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_history_holds_the_current_version_of_every_schema(name):
    assert current_json(name) in _copies(name), (
        f"schemas/{name}.avsc changed: copy it to schemas/history/{name}.v<N>.avsc in the same"
        " commit (producers may write any committed version; see schemas/history/README.md)"
    )


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_schemas_history_holds_every_version_committed_to_git(name):
    copies = _copies(name)
    for label, text in committed_versions(name):
        assert json.loads(text) in copies, f"version {label} of {name} is not in schemas/history"
