"""The least-privilege ACLs of the worker's principal, as `kafka-acls` lines and created for real.

The list is the worker's whole need when an admin pre-creates the topics (`topics create`):
it reads its inputs and its consumer group, reads and writes its changelogs, the subtotals
the counts (the worker's /counts follows the counts topic) and the history (the aggregator
writes each day's final table, /history and the page read it), writes dead letters, and
creates nothing. READ and WRITE imply DESCRIBE. docs/operations.md shows the same list, and
tests/integration/test_security.py runs a worker with exactly these and nothing more.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.admin import CreateAclsRequest

from streams.kafka import clients
from streams.kafka.topics import CLIENTS_TABLE, SUBTOTALS_TABLE, changelog_topic
from streams.settings import Settings

# Kafka's wire codes (org.apache.kafka.common.acl and .resource)
RESOURCE_TYPES = {"topic": 2, "group": 3, "cluster": 4, "transactional-id": 5}
OPERATIONS = {"READ": 3, "WRITE": 4, "CREATE": 5, "DESCRIBE": 8, "IDEMPOTENT_WRITE": 12}
LITERAL = 3
ALLOW = 3


@dataclass(frozen=True)
class Acl:
    """Allow one operation on one resource (literal name), from any host."""

    resource: str  # topic | group | cluster | transactional-id
    name: str
    operation: str  # READ | WRITE | CREATE | DESCRIBE | IDEMPOTENT_WRITE

    def kafka_acls_line(self, principal: str) -> str:
        """The `kafka-acls.sh` command that adds this ACL (with the admin's --command-config)."""
        where = {"topic": f"--topic {self.name}", "group": f"--group {self.name}",
                 "cluster": "--cluster",
                 "transactional-id": f"--transactional-id {self.name}"}[self.resource]  # fmt: skip
        return (
            "kafka-acls.sh --bootstrap-server $BOOTSTRAP --command-config admin.properties "
            f"--add --allow-principal {principal} --operation {self.operation} {where}"
        )


def worker_acls(settings: Settings) -> list[Acl]:
    """Every ACL a worker needs, and no more, on topics created by `topics create`."""
    read = [*settings.event_topics()]
    read_write = [
        changelog_topic(settings, CLIENTS_TABLE),
        settings.topic_subtotals,
        changelog_topic(settings, SUBTOTALS_TABLE),
        settings.topic_counts,
        settings.topic_history,  # the aggregator writes each day's table; /history reads it
    ]
    return [
        *(Acl("topic", topic, "READ") for topic in read),
        *(Acl("topic", topic, op) for topic in read_write for op in ("READ", "WRITE")),
        Acl("topic", settings.topic_dead_letters, "WRITE"),
        Acl("group", settings.app_id, "READ"),
    ]


async def create_acls(settings: Settings, principal: str, acls: Sequence[Acl]) -> None:
    """Create the ACLs for `principal` (e.g. User:worker), connecting as `settings` say (an
    admin allowed to ALTER the cluster). aiokafka's admin client has no call for it, so the
    request goes through its client, to any broker (the cluster's metadata is shared)."""
    client = AIOKafkaClient(**clients.connection(settings))
    await client.bootstrap()
    try:
        node = client.get_random_node()
        for acl in acls:
            request = CreateAclsRequest(
                RESOURCE_TYPES[acl.resource], acl.name if acl.resource != "cluster" else
                "kafka-cluster", LITERAL, principal, "*", OPERATIONS[acl.operation], ALLOW,
            )  # fmt: skip
            response = await client.send(node, request)
            for code, message in response.creation_responses:
                if code:
                    raise RuntimeError(
                        f"the broker refused the ACL {acl.operation} on {acl.resource} "
                        f"{acl.name!r} for {principal}: {message or f'error code {code}'}"
                    )
    finally:
        with contextlib.suppress(Exception):
            await client.close()
