"""The schema registry adapter: confluent-kafka's AsyncSchemaRegistryClient behind the service
layer's `WriterLookup` port, and the release checks of `transparantie schemas check|register`.

Why here: a registry is network I/O like Kafka, and this layer holds the project's network
clients; it sits above the codecs (it fills their `WriterSchemas`) and below the engine and
the commands that use it. Why the async client: the worker's event loop must never block on
HTTP, and the asynchronous client (httpx underneath) needs no executor thread. Its own retries
are off (`max.retries` 0): `SchemaGate` (streams/service/schemas.py) retries with backoff and
reports the outage, so every failed attempt is seen.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka.schema_registry import AsyncSchemaRegistryClient, Schema
from confluent_kafka.schema_registry.error import SchemaRegistryError

from streams.codecs.schemas import schema_text
from streams.codecs.writers import WriterSchemas
from streams.service.ports import RegistryMetrics, RegistryUnavailable
from streams.service.schemas import NoLookup, SchemaGate
from streams.settings import Settings

#: The registry's error code for "schema not found" (40403): the id was never issued.
SCHEMA_NOT_FOUND = 40403
SUBJECT_NOT_FOUND = 40401


def subject_of(topic: str) -> str:
    """The TopicNameStrategy subject of a topic's values, as Confluent's serializers use it."""
    return f"{topic}-value"


def worker_outputs(settings: Settings) -> dict[str, str]:
    """The schemas a worker writes -> their subjects."""
    return {
        "RegionCounts": subject_of(settings.topic_counts),
        "DeadLetter": subject_of(settings.topic_dead_letters),
        **history_outputs(settings),
    }


def history_outputs(settings: Settings) -> dict[str, str]:
    """The schema of the history topic (the worker and `history backfill` write it)."""
    return {"HistorySnapshot": subject_of(settings.topic_history)}


def input_outputs(settings: Settings) -> dict[str, str]:
    """The event schemas the producer helpers write -> their subjects."""
    return {name: subject_of(topic) for topic, name in settings.event_topics().items()}


def client_config(settings: Settings) -> dict[str, Any]:
    """The AsyncSchemaRegistryClient configuration from the settings."""
    if not settings.schema_registry_url:
        raise ValueError(
            "TRANSPARANTIE_FRAMING=confluent needs TRANSPARANTIE_SCHEMA_REGISTRY_URL"
            " (the registry's Confluent-compatible API)"
        )
    conf: dict[str, Any] = {
        "url": settings.schema_registry_url,
        "max.retries": 0,
        "timeout": settings.schema_registry_timeout_seconds,
    }
    secret = settings.schema_registry_secret()
    if settings.schema_registry_username or secret:
        conf["basic.auth.user.info"] = f"{settings.schema_registry_username or ''}:{secret or ''}"
    if settings.schema_registry_ca_file is not None:
        conf["ssl.ca.location"] = str(settings.schema_registry_ca_file)
    return conf


def _cause(exc: BaseException) -> str:
    if isinstance(exc, SchemaRegistryError):
        return f"HTTP {exc.http_status_code}, error {exc.error_code}: {exc.error_message}"[:300]
    text = str(exc) or "no answer"
    return f"{type(exc).__name__}: {text}"[:300]


class Registry:
    """One process's schema registry client (made on first use, inside the running loop)."""

    def __init__(
        self, settings: Settings, writers: WriterSchemas, outputs: Mapping[str, str] | None = None
    ) -> None:
        self.conf = client_config(settings)
        self.url = str(self.conf["url"])
        self.writers = writers
        self.outputs = dict(outputs or {})
        self._client: AsyncSchemaRegistryClient | None = None

    def client(self) -> AsyncSchemaRegistryClient:
        """The client (one HTTP connection pool per process)."""
        if self._client is None:
            self._client = AsyncSchemaRegistryClient(self.conf)
        return self._client

    async def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def unavailable(self, what: str, exc: BaseException) -> RegistryUnavailable:
        """The error for an attempt the registry could not answer."""
        return RegistryUnavailable(f"{what} at {self.url}: {_cause(exc)}")

    # --- WriterLookup --------------------------------------------------------------------

    def missing(self, values: Iterable[bytes | None]) -> set[int]:
        """The registry ids of these values that are not known yet."""
        return self.writers.missing_ids(values)

    async def fetch(self, ids: Collection[int]) -> None:
        """Fetch the writer schemas of these ids (concurrently)."""
        await asyncio.gather(*(self._fetch_one(i) for i in sorted(ids)))

    async def _fetch_one(self, schema_id: int) -> None:
        try:
            schema = await self.client().get_schema(schema_id)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404 and exc.error_code == SCHEMA_NOT_FOUND:
                self.writers.learn_unknown(schema_id)  # never issued: its messages are dead letters
                return
            raise self.unavailable(f"schema id {schema_id}", exc) from exc
        except Exception as exc:  # httpx: refused, reset, timed out, TLS
            raise self.unavailable(f"schema id {schema_id}", exc) from exc
        if (schema.schema_type or "AVRO") != "AVRO":
            self.writers.learn_not_avro(schema_id, str(schema.schema_type))
        elif schema.references:
            self.writers.learn_not_avro(schema_id, "AVRO schema with references (unsupported)")
        else:
            self.writers.learn_id(schema_id, schema.schema_str or "")

    async def register_outputs(self) -> None:
        """Register each schema we write under its subject and write with its id."""
        for name, subject in self.outputs.items():
            try:
                schema_id = await self.client().register_schema(
                    subject, Schema(schema_text(name), "AVRO")
                )
            except Exception as exc:  # refused (409 incompatible) or unreachable
                raise self.unavailable(f"registering {name} under {subject}", exc) from exc
            self.writers.learn_output(name, schema_id)

    # --- release checks --------------------------------------------------------------------

    async def check(self, name: str, subject: str) -> SubjectCheck:
        """Compare our schema `name` with the latest version of `subject`."""
        ours = Schema(schema_text(name), "AVRO")
        client = self.client()
        try:
            latest = await client.get_latest_version(subject)
        except SchemaRegistryError as exc:
            if exc.http_status_code == 404 and exc.error_code == SUBJECT_NOT_FOUND:
                return SubjectCheck(name, subject, None, "new subject", True)
            raise self.unavailable(f"subject {subject}", exc) from exc
        except Exception as exc:
            raise self.unavailable(f"subject {subject}", exc) from exc
        registered = json.loads(latest.schema.schema_str or "null")
        if registered == json.loads(schema_text(name)):
            return SubjectCheck(name, subject, latest.version, "registered as latest", True)
        try:
            compatible = await client.test_compatibility(subject, ours)
        except Exception as exc:
            raise self.unavailable(f"compatibility of {subject}", exc) from exc
        if compatible:
            return SubjectCheck(name, subject, latest.version, "compatible change", True)
        from streams.codecs.writers import Writer, reading  # the reason, in Avro's terms

        found = reading(Writer.of(f"{subject} version {latest.version}", registered), name)
        why = found.problem or "the registry's compatibility rule refuses it"
        return SubjectCheck(name, subject, latest.version, f"incompatible: {why}", False)

    async def register(self, name: str, subject: str) -> int:
        """Register our schema `name` under `subject`; the id (the same one when unchanged)."""
        try:
            return await self.client().register_schema(subject, Schema(schema_text(name), "AVRO"))
        except Exception as exc:
            raise self.unavailable(f"registering {name} under {subject}", exc) from exc


@dataclass(frozen=True)
class SubjectCheck:
    """How our schema compares with the registry's latest version of its subject."""

    name: str
    subject: str
    latest_version: int | None
    verdict: str
    ok: bool


def schema_gate(
    settings: Settings,
    writers: WriterSchemas,
    outputs: Mapping[str, str] | None = None,
    metrics: RegistryMetrics | None = None,
    give_up_after: float | None = None,
) -> SchemaGate:
    """The gate for the configured framing: a registry lookup for `confluent`, none else."""
    if settings.framing != "confluent":
        return SchemaGate(NoLookup(), metrics, needs_registry=False)
    registry = Registry(settings, writers, outputs)
    return SchemaGate(registry, metrics, give_up_after=give_up_after)
