"""`topics check` and `topics apply`: the live topics read through the admin API, compared with
the specs (streams/kafka/topicdrift.py), and their configurations altered to the specs.

Configurations are changed with IncrementalAlterConfigs (KIP-339): only the named keys change,
where the older AlterConfigs would reset every other override of the topic. aiokafka's admin
client lacks that request, so it is declared here with aiokafka's own protocol classes and sent
through its public low-level client.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, KafkaError
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String

from streams.kafka import clients
from streams.kafka.topicdrift import Drift, LiveConfig, LiveTopic, compare
from streams.kafka.topics import CHECKED_CONFIGS, topic_specs
from streams.settings import Settings

TOPIC = int(ConfigResourceType.TOPIC)
DYNAMIC_TOPIC_CONFIG = 1  # DescribeConfigs v1+: the value is set on the topic itself
SET, DELETE = 0, 1  # IncrementalAlterConfigs operations
UNKNOWN_TOPIC = 3
#: How long `apply` waits for the brokers to show the new configurations.
SETTLE_SECONDS = 10.0


class TopicsUnavailable(RuntimeError):
    """The cluster did not describe or alter the topics (its one-line reason in the message)."""


class IncrementalAlterConfigsResponse_v0(Response):  # type: ignore[misc]  # aiokafka is untyped
    """The broker's answer: an error code per resource."""

    API_KEY = 44
    API_VERSION = 0
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("responses", Array(("error_code", Int16), ("error_message", String("utf-8")),
                            ("resource_type", Int8), ("resource_name", String("utf-8")))),
    )  # fmt: skip


class IncrementalAlterConfigsRequest_v0(RequestStruct):  # type: ignore[misc]
    """Per resource: (name, operation, value) to set or delete."""

    API_KEY = 44
    API_VERSION = 0
    RESPONSE_TYPE = IncrementalAlterConfigsResponse_v0
    SCHEMA = Schema(
        ("resources", Array(("resource_type", Int8), ("resource_name", String("utf-8")),
                            ("configs", Array(("name", String("utf-8")),
                                              ("config_operation", Int8),
                                              ("value", String("utf-8")))))),
        ("validate_only", Boolean),
    )  # fmt: skip


class IncrementalAlterConfigsRequest(Request[IncrementalAlterConfigsRequest_v0]):  # type: ignore[misc]
    """IncrementalAlterConfigs, in the version the broker and this declaration share."""

    API_KEY = 44

    def __init__(self, resources: list[tuple[int, str, list[tuple[str, int, str | None]]]]):
        self.resources = resources

    def build(
        self, request_struct_class: type[IncrementalAlterConfigsRequest_v0]
    ) -> IncrementalAlterConfigsRequest_v0:
        return request_struct_class(self.resources, False)


@dataclass(frozen=True)
class TopicsReport:
    """What `check` found (and `apply` changed): the topics compared and every drift left."""

    topics: int
    drifts: list[Drift]
    changed: list[Drift]


async def describe(settings: Settings, names: Iterable[str]) -> dict[str, LiveTopic]:
    """The live topics among `names` (a missing one is absent), with their checked configs."""
    admin = clients.admin(settings)
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        wanted = [n for n in names if n in existing]
        if not wanted:
            return {}
        metadata = await admin.describe_topics(wanted)
        resources = [ConfigResource(ConfigResourceType.TOPIC, n, None) for n in wanted]
        answers = await admin.describe_configs(resources)
    finally:
        await admin.close()
    configs: dict[str, dict[str, LiveConfig]] = {}
    for answer in answers:
        for resource in answer.to_object()["resources"]:
            name, code = resource["resource_name"], resource["error_code"]
            if code == UNKNOWN_TOPIC:  # deleted meanwhile: missing
                continue
            if code:
                raise TopicsUnavailable(
                    f"the cluster did not describe the configuration of {name}:"
                    f" {resource['error_message'] or f'error code {code}'}"
                )
            configs[name] = {
                e["config_names"]: LiveConfig(e["config_value"], on_topic(e))
                for e in resource["config_entries"]
                if e["config_names"] in CHECKED_CONFIGS
            }
    found = {}
    for t in metadata:
        if t["error_code"] == 0 and t["topic"] in configs:
            replicas = frozenset(len(p["replicas"]) for p in t["partitions"])
            found[t["topic"]] = LiveTopic(
                t["topic"], len(t["partitions"]), replicas, configs[t["topic"]]
            )
    return found


def on_topic(entry: Mapping[str, Any]) -> bool:
    """Whether a DescribeConfigs entry is set on the topic (v0 knows only `is_default`)."""
    if "config_source" in entry:
        return bool(entry["config_source"] == DYNAMIC_TOPIC_CONFIG)
    return not entry.get("is_default", True)


async def check(settings: Settings) -> TopicsReport:
    """Compare every topic's live configuration with its spec."""
    specs = topic_specs(settings)
    live = await describe(settings, [s.name for s in specs])
    return TopicsReport(len(specs), compare(specs, live, settings.replication_factor), [])


async def alter(settings: Settings, drifts: Iterable[Drift]) -> None:
    """Set (or remove, to the cluster's default) the drifted configurations, key by key."""
    per_topic: dict[str, list[tuple[str, int, str | None]]] = {}
    for d in drifts:
        change = (d.item, DELETE, None) if d.expected is None else (d.item, SET, d.expected)
        per_topic.setdefault(d.topic, []).append(change)
    if not per_topic:
        return
    client = clients.cluster(settings)
    try:
        await client.bootstrap()
        request = IncrementalAlterConfigsRequest([(TOPIC, t, c) for t, c in per_topic.items()])
        answer = await client.send(client.get_random_node(), request)
    finally:
        await client.close()
    for code, message, _, name in answer.responses:
        if code:
            raise TopicsUnavailable(
                f"the cluster refused to alter the configuration of {name}:"
                f" {message or f'error code {code}'}"
            )


async def apply(settings: Settings) -> TopicsReport:
    """Alter every drifted configuration to its spec (never the partition count or the
    replication factor); return what changed and what is left, once the brokers show it."""
    before = await check(settings)
    fixable = [d for d in before.drifts if d.fixable]
    await alter(settings, fixable)
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:  # the brokers take the change from the metadata log a moment later
        after = await check(settings)
        if not any(d.fixable for d in after.drifts) or time.monotonic() > deadline:
            return TopicsReport(after.topics, after.drifts, fixable)
        await asyncio.sleep(0.2)


async def run(
    settings: Settings, job: Callable[[Settings], Awaitable[TopicsReport]]
) -> TopicsReport:
    """`check` or `apply`, with every way the cluster can fail said as TopicsUnavailable."""
    try:
        return await job(settings)
    except TopicsUnavailable:
        raise
    except KafkaConnectionError:
        raise TopicsUnavailable(
            f"cannot reach the brokers at {settings.bootstrap_servers}"
            " (TRANSPARANTIE_BOOTSTRAP_SERVERS)"
        ) from None
    except (TimeoutError, KafkaError, OSError) as exc:
        raise TopicsUnavailable(
            f"the cluster at {settings.bootstrap_servers} failed the request:"
            f" {type(exc).__name__}: {exc}".rstrip(": ")
        ) from None
