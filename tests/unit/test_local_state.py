"""Which local state the worker discards: ahead of its changelog, or from another cluster."""

from __future__ import annotations

from pathlib import Path

from faust.types import TP

from streams.engine.internals.consistency import Discarded, ahead_of, describe
from streams.engine.localstate import CLUSTER_FILE, settle_cluster

CHANGELOG = "t-clients-changelog"


def test_a_local_offset_beyond_the_changelogs_last_offset_is_ahead_and_equal_is_not() -> None:
    local = {TP(CHANGELOG, 0): 2026, TP(CHANGELOG, 1): 99, TP(CHANGELOG, 2): 0, TP(CHANGELOG, 3): 7}
    ends = {TP(CHANGELOG, 0): 0, TP(CHANGELOG, 1): 100, TP(CHANGELOG, 2): None, TP(CHANGELOG, 3): 5}
    assert ahead_of(local, ends) == [  # end offsets: the next offset, so the last is end - 1
        Discarded(TP(CHANGELOG, 0), 2026, -1),
        Discarded(TP(CHANGELOG, 2), 0, -1),  # Faust's own check lets offset 0 through
        Discarded(TP(CHANGELOG, 3), 7, 4),
    ]


def test_the_warning_names_each_partition_its_offsets_and_what_the_worker_does() -> None:
    line = describe([Discarded(TP(CHANGELOG, 1), 12, 4), Discarded(TP(CHANGELOG, 0), 2026, -1)])
    assert line.startswith(
        "local state is ahead of its changelog for t-clients-changelog[0] (local offset 2026, "
        "changelog empty), t-clients-changelog[1] (local offset 12, changelog ends at 4):"
    )
    assert line.endswith("restoring them from the changelog")


def test_tables_from_another_cluster_are_discarded_and_the_new_cluster_recorded(
    tmp_path: Path,
) -> None:
    tables = tmp_path / "v1" / "tables"
    tables.mkdir(parents=True)
    (tmp_path / CLUSTER_FILE).write_text("old-cluster\n")
    assert settle_cluster(tmp_path, tables, "new-cluster") == "old-cluster"
    assert not tables.exists()
    assert (tmp_path / CLUSTER_FILE).read_text() == "new-cluster\n"


def test_tables_of_the_same_cluster_or_of_an_unrecorded_one_are_kept(tmp_path: Path) -> None:
    tables = tmp_path / "v1" / "tables"
    tables.mkdir(parents=True)
    assert settle_cluster(tmp_path, tables, "this-cluster") is None  # first start: recorded
    assert settle_cluster(tmp_path, tables, "this-cluster") is None
    assert tables.exists()
    assert (tmp_path / CLUSTER_FILE).read_text() == "this-cluster\n"
