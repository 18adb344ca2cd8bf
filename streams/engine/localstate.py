"""A data dir remembers the Kafka cluster its tables were restored from; on another cluster
its tables are discarded at start (the changelog there is the truth), with one warning.

Within one cluster, a partition whose local state is ahead of its changelog (the topics were
recreated or truncated) is found during recovery: streams/engine/internals/consistency.py.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from streams.kafka.cluster import cluster_id
from streams.settings import Settings

log = logging.getLogger(__name__)

#: The file in the data dir that names the cluster the local tables belong to.
CLUSTER_FILE = "kafka-cluster-id"


def settle_cluster(data_dir: Path, tables: Path, current: str) -> str | None:
    """Discard `tables` when `data_dir` says they were built from another cluster than
    `current`; record `current`. Returns the other cluster's id when it discarded them."""
    marker = data_dir / CLUSTER_FILE
    try:
        recorded: str | None = marker.read_text().strip() or None
    except OSError:
        recorded = None
    discard = recorded is not None and recorded != current and tables.exists()
    if discard:
        shutil.rmtree(tables)
    data_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(current + "\n")
    return recorded if discard else None


async def check_cluster(settings: Settings, tables: Path) -> None:
    """At worker start: the local tables must come from the cluster the brokers belong to."""
    try:
        current = await cluster_id(settings)
    except Exception as exc:  # the worker waits for the brokers anyway; recovery checks offsets
        log.info("could not read the Kafka cluster id (%s); local tables kept as they are", exc)
        return
    other = settle_cluster(settings.data_dir, tables, current)
    if other is not None:
        log.warning(
            "the local tables in %s were restored from Kafka cluster %s, but the brokers are "
            "cluster %s: discarded them; every partition is restored from the changelog",
            tables, other, current,
        )  # fmt: skip
