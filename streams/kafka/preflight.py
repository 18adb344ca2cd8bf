"""Before the worker starts: can it reach the brokers, log in, and do all it will need?

The brokers say which operations the connected principal may perform on each topic and
group (KIP-430: Metadata v8 and DescribeGroups v3 with `include_*_authorized_operations`),
without any ACL beyond the ones asked about. So a worker that lacks one ACL of
streams/kafka/acls.py refuses to start with a line naming it, instead of failing when it
first writes a dead letter, perhaps days later.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

from aiokafka.client import AIOKafkaClient
from aiokafka.errors import GroupAuthorizationFailedError, KafkaError, for_code
from aiokafka.protocol.admin import DescribeGroupsResponse_v3
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import Array, Boolean, Int16, Int32, Schema, String

from streams.kafka import clients
from streams.kafka.acls import OPERATIONS, Acl
from streams.kafka.failures import ACLS, AccessDenied, MissingTopic
from streams.kafka.security import principal_hint
from streams.settings import Settings

UNKNOWN_TOPIC = 3
TOPIC_AUTHORIZATION_FAILED = 29
GROUP_AUTHORIZATION_FAILED = 30
COORDINATOR_WAIT = 20.0
PREFLIGHT_TIMEOUT_MS = 10_000
#: Kafka's "authorized operations not known" (Int32 minimum)
UNKNOWN_OPERATIONS = -(2**31)


class _MetadataResponseV8(Response):  # type: ignore[misc]  # aiokafka is untyped
    API_KEY = 3
    API_VERSION = 8
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("brokers", Array(("node_id", Int32), ("host", String("utf-8")), ("port", Int32),
                          ("rack", String("utf-8")))),
        ("cluster_id", String("utf-8")),
        ("controller_id", Int32),
        ("topics", Array(
            ("error_code", Int16), ("name", String("utf-8")), ("is_internal", Boolean),
            ("partitions", Array(
                ("error_code", Int16), ("partition_index", Int32), ("leader_id", Int32),
                ("leader_epoch", Int32), ("replica_nodes", Array(Int32)),
                ("isr_nodes", Array(Int32)), ("offline_replicas", Array(Int32)),
            )),
            ("topic_authorized_operations", Int32),
        )),
        ("cluster_authorized_operations", Int32),
    )  # fmt: skip


class _MetadataRequestV8(RequestStruct):  # type: ignore[misc]  # aiokafka is untyped
    API_KEY = 3
    API_VERSION = 8
    RESPONSE_TYPE = _MetadataResponseV8
    SCHEMA = Schema(
        ("topics", Array(String("utf-8"))),  # v8's topic entries hold only the name
        ("allow_auto_topic_creation", Boolean),
        ("include_cluster_authorized_operations", Boolean),
        ("include_topic_authorized_operations", Boolean),
    )


class AuthorizedMetadata(Request[_MetadataRequestV8]):  # type: ignore[misc]  # aiokafka is untyped
    """Metadata of some topics, with the operations the caller may perform on each."""

    API_KEY = 3

    def __init__(self, topics: Sequence[str]) -> None:
        self.topics = list(topics)

    def build(self, request_struct_class: type[_MetadataRequestV8]) -> _MetadataRequestV8:
        """The v8 request: no auto-creation, the topics' authorized operations."""
        return request_struct_class(self.topics, False, False, True)


class _DescribeGroupsResponseV3(Response):  # type: ignore[misc]  # aiokafka is untyped
    API_KEY = 15
    API_VERSION = 3
    SCHEMA = DescribeGroupsResponse_v3.SCHEMA


class _DescribeGroupsRequestV3(RequestStruct):  # type: ignore[misc]  # aiokafka is untyped
    # aiokafka's own v3 request decodes its answer as v2, without the authorized operations
    API_KEY = 15
    API_VERSION = 3
    RESPONSE_TYPE = _DescribeGroupsResponseV3
    SCHEMA = Schema(("groups", Array(String("utf-8"))), ("include_authorized_operations", Boolean))


class AuthorizedGroups(Request[_DescribeGroupsRequestV3]):  # type: ignore[misc]  # aiokafka is untyped
    """A description of consumer groups, with the operations the caller may perform on each."""

    API_KEY = 15

    def __init__(self, groups: Sequence[str]) -> None:
        self.groups = list(groups)

    def build(
        self, request_struct_class: type[_DescribeGroupsRequestV3]
    ) -> _DescribeGroupsRequestV3:
        """The v3 request, asking for the authorized operations."""
        return request_struct_class(self.groups, True)


async def _group_operations(client: AIOKafkaClient, group: str) -> int:
    """The operations the caller may perform on the group, from its coordinator, which a new
    cluster elects only when a group is first used (retriable errors until then, raised or
    in the answer); 0 when the caller may not even describe it."""
    deadline = time.monotonic() + COORDINATOR_WAIT
    while True:
        try:
            node = await client.coordinator_lookup(0, group)
            response: Any = await client.send(node, AuthorizedGroups([group]))
            ((code, _name, *_rest, bits),) = response.groups
            if code == GROUP_AUTHORIZATION_FAILED:
                return 0
            if code:
                raise for_code(code)(f"describing group {group!r}")
            return int(bits)
        except GroupAuthorizationFailedError:  # not even DESCRIBE: no coordinator for us
            return 0
        except KafkaError as exc:
            if not exc.retriable or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _allowed(bits: int, operation: str) -> bool:
    if bits == UNKNOWN_OPERATIONS:  # the broker did not say: Faust finds out when it joins
        return True
    return bool(bits & (1 << OPERATIONS[operation]))


def _lacking(who: str, acl: Acl) -> AccessDenied:
    return AccessDenied(
        f"{who} lacks the ACL {acl.operation} on {acl.resource} {acl.name!r} that the worker "
        f"needs: {ACLS}"
    )


async def check_access(settings: Settings, needed: Sequence[Acl]) -> None:
    """Raise (AccessDenied, MissingTopic, or the connection's error) unless the principal of
    the settings may do everything in `needed` on topics that exist."""
    who = principal_hint(settings)
    topics = sorted({acl.name for acl in needed if acl.resource == "topic"})
    groups = sorted({acl.name for acl in needed if acl.resource == "group"})
    # a short timeout: a broker that takes the connection and never answers (another protocol
    # than SECURITY_PROTOCOL) is said in seconds; the worker's own clients keep aiokafka's
    client = AIOKafkaClient(**clients.connection(settings), request_timeout_ms=PREFLIGHT_TIMEOUT_MS)
    await client.bootstrap()
    try:
        response: Any = await client.send(client.get_random_node(), AuthorizedMetadata(topics))
        allowed: dict[str, int] = {}
        for code, name, _internal, _partitions, bits in response.topics:
            if code == UNKNOWN_TOPIC:
                raise MissingTopic(
                    f"topic {name!r} does not exist (run `transparantie topics create`)"
                )
            allowed[name] = 0 if code == TOPIC_AUTHORIZATION_FAILED else bits
        for acl in needed:
            if acl.resource == "topic" and not _allowed(allowed.get(acl.name, 0), acl.operation):
                raise _lacking(who, acl)
        await _check_groups(client, who, groups, needed)
    finally:
        with contextlib.suppress(Exception):
            await client.close()


async def _check_groups(
    client: AIOKafkaClient, who: str, groups: list[str], needed: Sequence[Acl]
) -> None:
    bits = {group: await _group_operations(client, group) for group in groups}
    for acl in needed:
        if acl.resource == "group" and not _allowed(bits.get(acl.name, 0), acl.operation):
            raise _lacking(who, acl)
