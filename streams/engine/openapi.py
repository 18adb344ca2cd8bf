"""The OpenAPI 3.1 document of every endpoint a worker serves (GET /openapi.json).

Written by hand, beside the views in web.py and pages.py; tests/integration/test_openapi.py
runs schemathesis against a running worker, so an answer that strays from it fails the suite.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from streams.domain import COUNT_FIELDS, NEDERLAND, ONBEKEND
from streams.publication.formats import MEDIA_TYPES
from streams.service.reference import load_regions

REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    """A reference to a schema of the components."""
    return {"$ref": REF + name}


def json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """A response with a JSON body."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def body(media_type: str, description: str, binary: bool = False) -> dict[str, Any]:
    """A response whose body is text or bytes of one media type."""
    schema = {"type": "string", **({"format": "binary"} if binary else {})}
    return {"description": description, "content": {media_type: {"schema": schema}}}


def error(description: str) -> dict[str, Any]:
    """A JSON error answer: {"error": "..."}."""
    return json_body(ref("Error"), description)


def get(summary: str, responses: dict[int, Any], parameters: list[Any] | None = None) -> Any:
    """One GET operation."""
    operation = {"summary": summary, "responses": {str(k): v for k, v in responses.items()}}
    return {"get": operation | ({"parameters": parameters} if parameters else {})}


def path_param(name: str, description: str, **schema: Any) -> dict[str, Any]:
    """A parameter in the path."""
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", **schema}}  # fmt: skip


def query(name: str, description: str, **schema: Any) -> dict[str, Any]:
    """An optional query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "string", **schema}}  # fmt: skip


COUNTS = {f: {"type": "integer", "minimum": 0} for f in COUNT_FIELDS}
REGION_COUNTS = {
    "type": "object",
    "description": "One row of the publication table.",
    "required": ["regio_code", "regio_naam", *COUNT_FIELDS, "as_of"],
    "properties": {"regio_code": {"type": "string"}, "regio_naam": {"type": "string"}, **COUNTS,
                   "as_of": {"type": "string", "format": "date"}},
}  # fmt: skip
HISTORY_ROW = {
    "type": "object",
    "description": "One region's row of one day's snapshot.",
    "required": ["peildatum", "quarter_end", "source", "known_at", "regio_code", "regio_naam",
                 *COUNT_FIELDS],
    "properties": {"peildatum": {"type": "string", "format": "date"},
                   "quarter_end": {"type": "boolean"}, "source": {"enum": ["live", "backfill"]},
                   "known_at": {"type": ["string", "null"]},
                   "regio_code": {"type": "string"}, "regio_naam": {"type": "string"}, **COUNTS},
}  # fmt: skip
FIGURES = {
    "type": ["object", "null"],
    "required": ["totaal", "met_profiel"],
    "properties": {"totaal": {"type": "integer"}, "met_profiel": {"type": "integer"}},
}
CHANGES = {
    "type": "object",
    "required": ["peildatum", "vorig_kwartaaleinde", "jaar_eerder", "laatste_publicatie", "rows"],
    "properties": {
        "peildatum": {"type": "string", "format": "date"},
        "vorig_kwartaaleinde": {"type": "string", "format": "date"},
        "jaar_eerder": {"type": "string", "format": "date"},
        "laatste_publicatie": {"type": ["string", "null"], "format": "date"},
        "rows": {"type": "array", "items": {
            "type": "object",
            "required": ["regio_code", "regio_naam", "totaal", "met_profiel",
                         "vorig_kwartaaleinde", "jaar_eerder"],
            "properties": {"regio_code": {"type": "string"}, "regio_naam": {"type": "string"},
                           "totaal": {"type": "integer"}, "met_profiel": {"type": "integer"},
                           "vorig_kwartaaleinde": ref("Figures"), "jaar_eerder": ref("Figures")},
        }},
    },
}  # fmt: skip
NUMBER_OR_NULL = {"type": ["number", "null"]}
TREND = {
    "type": "object",
    "required": ["regio_code", "regio_naam", "maat", "vergelijk", "index", "van", "tot", "label",
                 "beschrijving", "maanden"],
    "properties": {
        "regio_code": {"type": "string"}, "regio_naam": {"type": "string"},
        "maat": {"enum": ["totaal", "dekking"]}, "vergelijk": {"type": "boolean"},
        "index": {"type": "boolean"}, "van": {"type": "string", "format": "date"},
        "tot": {"type": "string", "format": "date"}, "label": {"type": "string"},
        "beschrijving": {"type": "string"},
        "maanden": {"type": "array", "items": {
            "type": "object", "required": ["datum", "regio", "nederland"],
            "properties": {"datum": {"type": "string", "format": "date"},
                           "regio": NUMBER_OR_NULL, "nederland": NUMBER_OR_NULL},
        }},
    },
}  # fmt: skip
ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
READY = {
    "type": "object",
    "required": ["ready", "state_recovered", "counts_view_caught_up"],
    "properties": {k: {"type": "boolean"} for k in ("ready", "state_recovered", "counts_view_caught_up")},
}  # fmt: skip
EXPLAIN = {
    "type": "object",
    "description": "Why one client is or is not counted (only with the explain token).",
    "required": ["client_id", "as_of", "counted", "regio_code", "profiel", "partition"],
}

DAY_OR_EMPTY = [{"format": "date"}, {"maxLength": 0}]
REGIO = path_param("regio_code", "A region code (AM01 … AM40), ONBEKEND or NL.")
TREND_QUERY = [
    query("maat", "What the trend shows.", enum=["totaal", "dekking"]),
    query("vergelijk", "Nederland beside the region.", enum=["NL"]),
]
PEILDATUM = path_param("peildatum", "The day of the edition (YYYY-MM-DD).", format="date")


def publication_path(fmt: str) -> Any:
    """The publication of one peildatum in one format."""
    return get(
        f"The quarterly publication of one peildatum as {fmt.upper()}",
        {200: body(MEDIA_TYPES[fmt].split(";")[0], "The publication.", binary=fmt in ("pdf", "xlsx")),
         400: error("The peildatum is no day."),
         404: error("The history has no snapshot of that day."),
         503: error("PDF rendering is not installed on this worker.")},
        [PEILDATUM],
    )  # fmt: skip


def history_path(which: str) -> Any:
    """The daily history as rows per day and region."""
    return get(
        f"Daily snapshots, only aggregate rows per day and region ({which})",
        {200: {"description": "Rows by day and region.", "content": {
            "application/json": {"schema": {"type": "array", "items": ref("HistoryRow")}},
            "text/csv": {"schema": {"type": "string"}}}},
         400: error("A parameter is not understood."),
         503: error("The history topic is still being read.")},
        [query("regio", "One region code, ONBEKEND or NL (empty or absent: all of them).",
               enum=[*load_regions().codes_in_order, ONBEKEND, NEDERLAND, ""]),
         query("from", "First day (YYYY-MM-DD; empty or absent: the first there is).", anyOf=DAY_OR_EMPTY),
         query("to", "Last day (YYYY-MM-DD; empty or absent: the last there is).", anyOf=DAY_OR_EMPTY)],
    )  # fmt: skip


@cache
def document() -> dict[str, Any]:
    """The whole document."""
    paths = {
        "/": get("The live page", {200: body("text/html", "The page.")}),
        "/counts": get(
            "The table now",
            {
                200: json_body(
                    {"type": "array", "items": ref("RegionCounts")},
                    "35 regions, Onbekend if any, Nederland last.",
                )
            },
        ),
        "/counts.csv": get(
            "The table now as CSV for Dutch Excel (`;`, UTF-8 BOM)",
            {200: body("text/csv", "The table.")},
        ),
        "/counts/{regio_code}": get(
            "One row of the table now",
            {200: json_body(ref("RegionCounts"), "The row."), 404: error("No such region.")},
            [REGIO],
        ),
        "/history": history_path("JSON by default; CSV for `Accept: text/csv`"),
        "/history.csv": history_path("CSV"),
        "/changes": get(
            "Every live row against the previous quarter end and a year earlier",
            {200: json_body(ref("Changes"), "The changes.")},
        ),
        "/trend/{regio_code}.svg": get(
            "A region's 13-month trend as an SVG chart",
            {
                200: body("image/svg+xml", "The chart."),
                400: error("maat or vergelijk not understood."),
                404: error("No such region in the history or the table."),
            },
            [REGIO, *TREND_QUERY],
        ),
        "/trend/{regio_code}.json": get(
            "The trend's description and its figures per month",
            {
                200: json_body(ref("Trend"), "The trend."),
                400: error("maat or vergelijk not understood."),
                404: error("No such region in the history or the table."),
            },
            [REGIO, *TREND_QUERY],
        ),
        **{
            f"/publication/{{peildatum}}.{fmt}": publication_path(fmt)
            for fmt in ("pdf", "html", "csv", "xlsx")
        },
        "/healthz": get(
            "Liveness",
            {
                200: json_body(
                    {
                        "type": "object",
                        "required": ["status"],
                        "properties": {"status": {"const": "ok"}},
                    },
                    "Alive.",
                )
            },
        ),
        "/readyz": get(
            "Readiness",
            {
                200: json_body(ref("Ready"), "Ready."),
                503: json_body(ref("Ready"), "Not ready yet."),
            },
        ),
        "/metrics": get("Prometheus metrics", {200: body("text/plain", "The exposition format.")}),
        "/explain/{client_id}": get(
            "Why one client is or is not counted (off unless enabled; bearer token)",
            {
                200: json_body(ref("Explain"), "The explanation."),
                400: error("The client id is empty or too long."),
                401: {
                    **error("No valid token."),
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
                },
                404: error("Disabled, unknown client, or another worker's partition."),
                503: error("The worker is recovering its state."),
            },
            [path_param("client_id", "The client's id.")],
        ),
        "/toegankelijkheid": get(
            "The accessibility statement (toegankelijkheidsverklaring)",
            {200: body("text/html", "The statement.")},
        ),
        "/openapi.json": get("This document", {200: json_body({"type": "object"}, "OpenAPI 3.1.")}),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "transparantie-streams",
            "version": "1",
            "description": "The live table of the publication 'Transparantie klantprofielen' per "
            "arbeidsmarktregio, its daily history, trends and the quarterly publication. Only "
            "aggregate figures, except /explain (off by default, behind a token).",
        },
        "paths": paths,
        "components": {"schemas": {
            "RegionCounts": REGION_COUNTS, "HistoryRow": HISTORY_ROW, "Figures": FIGURES,
            "Changes": CHANGES, "Trend": TREND, "Error": ERROR, "Ready": READY, "Explain": EXPLAIN,
        }},
    }  # fmt: skip
