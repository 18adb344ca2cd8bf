"""Every topic the processor uses, created explicitly (nothing relies on auto-creation)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from aiokafka.admin import NewTopic

from streams.kafka import clients
from streams.kafka.failures import AccessDenied
from streams.kafka.security import principal_hint
from streams.settings import Settings

CLIENTS_TABLE = "clients"
SUBTOTALS_TABLE = "region-subtotals"
FOREVER = "-1"
TOPIC_AUTHORIZATION_FAILED = 29
TOPIC_ALREADY_EXISTS = 36
#: Segment size of the client changelog. Kafka compacts only closed segments, and rolls one
#: at 1 GiB by default: with a million clients the whole changelog sat in the active segment,
#: never compacted, and a cold start read every state a client ever had (4.8M records). At
#: 16 MiB it reads little more than the latest state of each client (docs/performance.md).
CHANGELOG_SEGMENT_BYTES = str(16 * 1024 * 1024)
#: The topic configurations `topics check` compares with the specs (`topics apply` sets them);
#: one the spec does not name is expected at the cluster's default (no override on the topic).
CHECKED_CONFIGS = ("cleanup.policy", "retention.ms", "segment.bytes", "min.insync.replicas")


@dataclass(frozen=True)
class TopicSpec:
    """Name, partitions and configuration of one topic."""

    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)
    purpose: str = ""


def changelog_topic(settings: Settings, table: str) -> str:
    """The name Faust gives the changelog topic of a table."""
    return f"{settings.app_id}-{table}-changelog"


def min_in_sync_replicas(replication_factor: int) -> str:
    """How many replicas must have a write before it counts (producers use acks=all): two of
    three or more, so one broker may fail without losing an acknowledged message; one below."""
    return str(min(2, max(1, replication_factor - 1)))


def topic_specs(settings: Settings) -> list[TopicSpec]:
    """All topics: inputs (co-partitioned), changelogs, subtotals, counts, dead letters and the
    history; every one with the min ISR of the replication factor."""
    n = settings.partitions
    keep = {"retention.ms": FOREVER}
    compact = {"cleanup.policy": "compact"}
    log = {"cleanup.policy": "delete"}  # said, not left to the cluster: compaction loses events
    specs = [
        *(
            TopicSpec(topic, n, {**log, **keep}, f"input: {schema} events keyed by client_id")
            for topic, schema in settings.event_topics().items()
        ),
        TopicSpec(
            changelog_topic(settings, CLIENTS_TABLE),
            n,
            {**compact, "segment.bytes": CHANGELOG_SEGMENT_BYTES},
            "client state changelog",
        ),
        TopicSpec(settings.topic_subtotals, 1, compact, "absolute subtotals per input partition"),
        TopicSpec(changelog_topic(settings, SUBTOTALS_TABLE), 1, compact, "aggregator changelog"),
        TopicSpec(settings.topic_counts, 1, compact, "RegionCounts per region and NL (output)"),
        TopicSpec(
            settings.topic_dead_letters, 1, {**log, **keep}, "DeadLetter records (bad input)"
        ),
        # keyed by peildatum: compaction keeps the latest snapshot of every day, for ever
        TopicSpec(settings.topic_history, 1, {**compact, **keep}, "HistorySnapshot per day"),
    ]
    durable = {"min.insync.replicas": min_in_sync_replicas(settings.replication_factor)}
    return [replace(s, config={**durable, **s.config}) for s in specs]


async def create_topics(settings: Settings) -> list[tuple[TopicSpec, bool]]:
    """Create missing topics; return each spec with True when it was created now."""
    admin = clients.admin(settings)
    try:  # stopped also when it fails to start: no unclosed client
        await admin.start()
        existing = set(await admin.list_topics())
        specs = topic_specs(settings)
        missing = [s for s in specs if s.name not in existing]
        created = set()
        if missing:
            response = await admin.create_topics(
                [
                    NewTopic(
                        s.name, s.partitions, settings.replication_factor, topic_configs=s.config
                    )
                    for s in missing
                ]
            )
            created = _created(response.topic_errors, settings)
        return [(s, s.name in created) for s in specs]
    finally:
        await admin.close()


def _created(topic_errors: list[tuple[Any, ...]], settings: Settings) -> set[str]:
    """The topics the broker created; raise on any it refused (the admin client does not)."""
    created = set()
    for topic, code, *message in topic_errors:
        if code == 0:
            created.add(topic)
        elif code == TOPIC_AUTHORIZATION_FAILED:
            raise AccessDenied(
                f"{principal_hint(settings)} may not create topic {topic!r}: run "
                "`topics create` as the cluster's admin, or grant CREATE as listed in "
                f"docs/operations.md (Least privilege)"
            )
        elif code != TOPIC_ALREADY_EXISTS:  # created meanwhile by another `topics create`
            reason = message[0] if message and message[0] else f"error code {code}"
            raise RuntimeError(f"the broker refused to create topic {topic!r}: {reason}")
    return created
