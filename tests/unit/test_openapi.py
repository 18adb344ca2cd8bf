"""The OpenAPI document names every endpoint the worker serves, and is a valid document."""

from __future__ import annotations

import ast
from pathlib import Path

from streams.engine.openapi import document

ENGINE = Path(__file__).resolve().parents[2] / "streams" / "engine"


def served_paths() -> set[str]:
    """Every path given to `@app.page(...)` in the engine's views, and Prometheus' /metrics."""
    paths = {"/metrics"}  # mounted by faust's setup_prometheus_sensors(pattern="/metrics")
    for module in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "page" and node.args
                    and isinstance(node.args[0], ast.Constant)):  # fmt: skip
                paths.add(str(node.args[0].value))
    return paths


def documented(path: str) -> set[str]:
    """A served path as the document spells it (one path per publication format)."""
    if path == "/publication/{peildatum}.{fmt}":
        return {f"/publication/{{peildatum}}.{fmt}" for fmt in ("pdf", "html", "csv", "xlsx")}
    return {path}


def test_every_endpoint_the_worker_serves_is_in_the_document_and_nothing_else() -> None:
    want = set().union(*(documented(p) for p in served_paths()))
    assert set(document()["paths"]) == want


def test_the_document_is_valid_openapi() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_dict(document())
    assert len(list(schema.get_all_operations())) == len(document()["paths"])
