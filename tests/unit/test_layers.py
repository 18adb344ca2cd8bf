"""The folders are the layers: each package imports only the ones below it, and the frameworks
stay in the package that adapts them (docs/architecture.md, "What each package may import")."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "streams"

#: Bottom to top; a package may import itself and anything before it in this list.
LAYERS = (
    "settings", "domain", "service", "publication", "codecs", "kafka", "engine", "devtools", "cli",
)  # fmt: skip
#: Third-party libraries and the only packages that may import them.
CONFINED = {
    "faust": {"engine"},
    "mode": {"engine"},
    "aiokafka": {"kafka", "engine"},
    "prometheus_client": {"engine", "cli", "devtools"},
    "fastavro": {"codecs", "devtools"},
    "rocksdict": {"engine"},
    "jinja2": {"publication"},
    "weasyprint": {"publication"},
    "openpyxl": {"publication"},
    "confluent_kafka": {"kafka"},  # the schema registry adapter, streams/kafka/registry.py
    "avro": {"codecs"},  # Apache Avro's compatibility checker, for writer schemas
}


def layer_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py") if len(relative.parts) > 1 else relative.stem


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if layer_of(p) in LAYERS)


def test_every_module_of_the_package_sits_in_a_layer() -> None:
    outside = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if layer_of(p) not in (*LAYERS, "__init__", "__main__")
    ]
    assert not outside, f"modules outside every layer: {outside}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_its_own_layer_and_the_layers_below(path: Path) -> None:
    mine = LAYERS.index(layer_of(path))
    upward = [
        name
        for name in imports_of(path)
        if name.startswith("streams.")
        and name.split(".")[1] in LAYERS
        and LAYERS.index(name.split(".")[1]) > mine
    ]
    assert not upward, f"{path.relative_to(PACKAGE)} imports a higher layer: {upward}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_frameworks_are_imported_only_by_the_package_that_adapts_them(path: Path) -> None:
    layer = layer_of(path)
    wrong = [
        name
        for name in imports_of(path)
        if name.split(".")[0] in CONFINED and layer not in CONFINED[name.split(".")[0]]
    ]
    assert not wrong, f"{path.relative_to(PACKAGE)} ({layer}) may not import {wrong}"


def test_the_domain_imports_nothing_but_the_standard_library_and_itself() -> None:
    for path in (PACKAGE / "domain").rglob("*.py"):
        foreign = [
            n for n in imports_of(path)
            if not n.startswith("streams.domain") and n.split(".")[0] not in STDLIB
        ]  # fmt: skip
        assert not foreign, f"{path.name} imports {foreign}"


STDLIB = {"__future__", "collections", "dataclasses", "datetime", "enum", "types", "typing"}
