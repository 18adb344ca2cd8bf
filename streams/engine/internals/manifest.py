"""Every private part of faust-streaming, aiokafka and mode that streams/engine/internals relies on.

The versions are pinned in pyproject.toml. An upgrade that renames or removes one of these
parts would break the worker in subtle ways (a batch acked twice, a recovery that never ends),
so `missing()` checks each of them against the installed libraries: the unit test
tests/unit/test_engine_internals.py fails on any, and the worker refuses to start with one line
naming the part and the file to revisit.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from functools import cache

#: The versions these internals were read from.
PINNED = {"faust-streaming": "0.15.3", "aiokafka": "0.14.0"}

_CONSUMER = "streams/engine/internals/consumer.py"
_RECOVERY = "streams/engine/internals/recovery.py"
_TABLEIO = "streams/engine/internals/tableio.py"
_CONSISTENCY = "streams/engine/internals/consistency.py"
_PROGRESS = "streams/engine/internals/progress.py"


@dataclass(frozen=True)
class Needs:
    """Names our file `where` uses on a library class (or module) `owner` ('module:Class')."""

    where: str
    owner: str
    names: tuple[str, ...]
    #: overridden or called methods whose parameters must stay as they are
    signatures: dict[str, tuple[str, ...]] = field(default_factory=dict)


NEEDS: tuple[Needs, ...] = (
    Needs(_CONSUMER, "faust.transport.drivers.aiokafka:Consumer", (
        "_unacked_messages", "_waiting_for_ack", "_committed_offset", "_acked_index", "_acked",
        "_n_acked", "_stopped", "_read_offset", "_wait_next_records", "_buffered_partitions",
        "_add_gap", "_to_message", "_commit_every", "flow_active", "perform_seek",
        "suspend_flow", "consumer_stopped_errors", "diag", "callback", "should_stop",
        "wait_first", "sleep", "highwater", "commit", "transport", "app",
    ), {"_drain_messages": ("self", "fetcher"), "_new_consumer_thread": ("self",)}),
    Needs(_CONSUMER, "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread", (),
          {"_create_worker_consumer": ("self", "transport")}),
    Needs(_CONSUMER, "aiokafka:AIOKafkaConsumer", ("_fetch_min_bytes", "_fetch_max_wait_ms")),
    Needs(_CONSUMER, "faust.transport.drivers.aiokafka:Producer", ("_ensure_producer", "buffer")),
    Needs(_CONSUMER, "faust.app.base:App", (
        "consumer_generation_id", "flow_control", "producer", "assignor", "topics", "monitor",
        "tables",
    ), {"_new_transport": ("self",)}),
    Needs(_CONSUMER, "faust.transport.conductor:Conductor", ("acks_enabled_for",)),
    Needs(_CONSUMER, "faust.sensors.monitor:Monitor", ("track_tp_end_offset", "stream_inbound_time")),
    Needs(_CONSUMER, "faust.transport.consumer", ("CONSUMER_FETCHING",)),
    Needs(_CONSUMER, "faust.types.tuples", ("ack_lock",)),
    Needs(_CONSUMER, "mode.utils.futures", ("notify",)),
    Needs(_RECOVERY, "faust.tables.recovery:Recovery", (
        "active_tps", "standby_tps", "active_offsets", "_active_events_received_at",
        "standby_offsets", "_standby_events_received_at", "tp_to_table", "buffers",
        "_last_flush_at", "in_recovery", "need_recovery", "flush_buffers", "_set_recovery_ended",
        "_actives_span", "signal_recovery_end", "_standbys_span", "tables",
        "standby_remaining_total", "_generation_id", "signal_recovery_start",
    )),
    Needs(_RECOVERY, "faust.tables.base:Collection", (
        "standby_buffer_size", "recovery_buffer_size", "apply_changelog_batch",
    )),
    Needs(_RECOVERY, "faust.tables.manager:TableManager", (
        "standbys_ready", "on_standbys_ready", "recovery",
    )),
    Needs(_RECOVERY, "faust.utils.tracing", ("finish_span",)),
    Needs(_TABLEIO, "faust.tables.base:Collection", ("data", "changelog_topic")),
    Needs(_TABLEIO, "faust.stores.memory:Store", (
        "data", "_key_partition", "_encode_value", "_decode_value",
    ), {"_create_batch_iterator": ("self", "mark_as_delete", "to_key", "to_value", "batch")}),
    Needs(_TABLEIO, "faust.stores.rocksdb:Store", (
        "_db_for_partition", "offset_key", "_key_index", "set_persisted_offset",
    )),
    Needs(_TABLEIO, "faust.stores", ("STORES",)),
    Needs(_CONSISTENCY, "faust.tables.recovery:Recovery", ("tp_to_table",), {
        "_build_offsets": ("self", "consumer", "tps", "destination", "title"),
    }),
    Needs(_CONSISTENCY, "faust.tables.manager:TableManager", (
        "_recovery", "recovery", "app", "beacon", "loop", "on_start", "_update_channels",
        "should_stop",
    )),
    Needs(_CONSISTENCY, "faust.stores.rocksdb:Store", (
        "_dbs", "_key_index", "_db_for_partition", "partition_path",
    )),
    Needs(_CONSISTENCY, "faust.transport.drivers.aiokafka:Consumer", ("highwaters",)),
    Needs(_PROGRESS, "faust.transport.drivers.aiokafka:Consumer", ("_thread",)),
    Needs(_PROGRESS, "faust.transport.drivers.aiokafka:AIOKafkaConsumerThread", (
        "_ensure_consumer",
    )),
    Needs(_PROGRESS, "aiokafka:AIOKafkaConsumer", ("_subscription",)),
    Needs(_PROGRESS, "aiokafka.consumer.subscription_state:SubscriptionState", ("subscription",)),
    Needs(_PROGRESS, "aiokafka.consumer.subscription_state:Subscription", ("assignment",)),
    Needs(_PROGRESS, "aiokafka.consumer.subscription_state:Assignment", (
        "tps", "active", "state_value",
    )),
    Needs(_PROGRESS, "aiokafka.consumer.subscription_state:TopicPartitionState", (
        "has_valid_position", "position", "highwater", "timestamp",
    )),
    Needs(_PROGRESS, "faust.app.base:App", ("consumer", "rebalancing", "rebalancing_count")),
)  # fmt: skip


def _assigned_in_source(cls: type, name: str) -> bool:
    """True when some class of the MRO assigns `self.<name>` or declares `<name>` in its body
    (instance attributes exist only on instances, which need a running app to make)."""
    assign = re.compile(rf"self\.{re.escape(name)}\b\s*(:[^=\n]*)?=(?!=)")
    declare = re.compile(rf"^\s+{re.escape(name)}\s*[:=]", re.MULTILINE)
    for klass in inspect.getmro(cls):
        source = _source_of(klass)
        if source is not None and (assign.search(source) or declare.search(source)):
            return True
    return False


@cache
def _source_of(klass: type) -> str | None:
    """A class's source, read once: `inspect.getsource` parses the class's whole module with
    `ast` on every call, and asked per attribute and per class of the MRO it took about a
    second of every worker's start (py-spy, docs/performance.md "Recovery, session 4")."""
    try:
        return inspect.getsource(klass)
    except (OSError, TypeError):
        return None


def _problems(needs: Needs) -> list[str]:
    module_name, _, class_name = needs.owner.partition(":")
    try:
        owner: object = importlib.import_module(module_name)
        if class_name:
            owner = getattr(owner, class_name)
    except (ImportError, AttributeError) as exc:
        return [f"{needs.owner} is gone ({exc})"]
    found = []
    for name in needs.names:
        present = hasattr(owner, name)
        if not present and isinstance(owner, type):
            present = _assigned_in_source(owner, name)
        if not present:
            found.append(f"{needs.owner} has no {name!r}")
    for name, parameters in needs.signatures.items():
        method = getattr(owner, name, None)
        if method is None:
            found.append(f"{needs.owner} has no {name!r}")
            continue
        actual = tuple(inspect.signature(method).parameters)
        if actual != parameters:
            found.append(f"{needs.owner}.{name} takes {actual}, not {parameters}")
    return [f"{problem} (used by {needs.where})" for problem in found]


@cache
def missing() -> tuple[str, ...]:
    """Every part of NEEDS that the installed libraries lack; empty when all is there."""
    return tuple(problem for needs in NEEDS for problem in _problems(needs))
