"""The private parts of faust-streaming, aiokafka and mode that the engine relies on are there.

When this fails after an upgrade, the message names the part and the file of ours to revisit
(streams/engine/internals/manifest.py lists them all); the versions are pinned in pyproject.toml.
"""

from __future__ import annotations

import ast
from importlib.metadata import version
from pathlib import Path

import pytest

from streams.engine.internals import IncompatibleLibrary, check_internals
from streams.engine.internals.manifest import NEEDS, PINNED, Needs, _problems, missing

PACKAGE = Path(__file__).resolve().parents[2] / "streams"


def test_the_installed_libraries_are_the_pinned_versions() -> None:
    for name, pinned in PINNED.items():
        assert version(name) == pinned, (
            f"{name} {version(name)} is installed, but streams/engine/internals was written "
            f"against {pinned}: check every entry of streams/engine/internals/manifest.py"
        )


def test_every_private_part_the_engine_uses_exists_in_the_installed_libraries() -> None:
    assert not missing(), "revisit the files named:\n" + "\n".join(missing())


def test_a_missing_part_is_named_with_the_file_that_uses_it() -> None:
    gone = Needs("streams/engine/internals/x.py", "faust.app.base:App", ("_no_such_thing",))
    renamed = Needs("y.py", "faust.app.base:App", (), {"_new_transport": ("self", "extra")})
    (problem,) = _problems(gone)
    assert "_no_such_thing" in problem and "streams/engine/internals/x.py" in problem
    (changed,) = _problems(renamed)
    assert "('self',)" in changed and "y.py" in changed
    assert _problems(Needs("z.py", "faust.no_such_module:X", ())) != []


def test_the_worker_refuses_to_start_on_incompatible_libraries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import streams.engine.internals as internals

    monkeypatch.setattr(
        internals, "missing", lambda: ("faust.app.base:App has no 'x' (used by f)",)
    )
    with pytest.raises(IncompatibleLibrary, match="Install the pinned versions"):
        check_internals()


def private_names_used(path: Path) -> set[str]:
    """Attribute names starting with one underscore used on something other than self."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            names.add(node.attr)
    return names


def test_no_module_outside_the_engine_touches_a_private_attribute_of_another_object() -> None:
    offenders = {
        str(p.relative_to(PACKAGE)): sorted(private_names_used(p))
        for p in PACKAGE.rglob("*.py")
        if "engine" not in p.relative_to(PACKAGE).parts and private_names_used(p)
    }
    assert not offenders, offenders


def test_every_private_name_the_internals_use_on_library_objects_is_in_the_manifest() -> None:
    listed = {n for needs in NEEDS for n in (*needs.names, *needs.signatures)}
    ours = {"_young", "_old", "_remember", "_recover", "_add_gaps", "_maybe_commit_every"}
    for path in (PACKAGE / "engine" / "internals").glob("*.py"):
        if path.name == "manifest.py":
            continue
        unlisted = private_names_used(path) - listed - ours
        assert not unlisted, f"{path.name} uses {sorted(unlisted)} without listing them"


def test_the_table_manager_start_we_replace_still_only_sleeps_then_starts_the_recovery() -> None:
    # CheckedTableManager.on_start is Faust's without the sleep: a Faust that does more there
    # must be looked at before the pin moves
    import inspect

    from faust.tables.manager import TableManager

    body = [
        line.strip()
        for line in inspect.getsource(TableManager.on_start).splitlines()[2:]
        if line.strip()
    ]
    assert body == [
        "await self.sleep(1.0)",
        "if not self.should_stop:",
        "await self._update_channels()",
        "await self.recovery.start()",
    ]
