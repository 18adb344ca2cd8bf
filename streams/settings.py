"""Settings from the environment (prefix TRANSPARANTIE_), with defaults for the local broker."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

#: How Avro values are framed on the topics: plain schemaless Avro (writer = our schema), the
#: Confluent wire format (a schema registry id), or Avro single-object encoding (a fingerprint).
Framing = Literal["plain", "confluent", "single-object"]


class Settings(BaseSettings):
    """Everything an operator can set; see README "Settings" for each variable."""

    model_config = SettingsConfigDict(env_prefix="TRANSPARANTIE_", frozen=True, extra="ignore")

    bootstrap_servers: str = "127.0.0.1:9092"
    app_id: str = "transparantie"
    topic_registrations: str = "transparantie.client-registrations"
    topic_indications: str = "transparantie.indications"
    topic_memberships: str = "transparantie.register-memberships"
    topic_profile_edits: str = "transparantie.profile-edits"
    topic_subtotals: str = "transparantie.region-subtotals"
    topic_counts: str = "transparantie.region-counts"
    topic_dead_letters: str = "transparantie.dead-letters"
    partitions: int = 4
    replication_factor: int = 1
    data_dir: Path = Path(".cache/worker")
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    store: Literal["rocksdb", "memory"] = "rocksdb"
    as_of: date | None = None
    as_of_file: Path | None = (
        None  # a file holding YYYY-MM-DD, read at every clock tick (demos, tests)
    )
    framing: Framing = "plain"
    instance_id: str | None = None  # static group membership, e.g. the StatefulSet pod name
    session_timeout_seconds: float = 10.0
    republish_interval_seconds: float = 10.0
    clock_interval_seconds: float = 1.0
    explain_enabled: bool = False
    explain_token: SecretStr | None = None
    log_level: str = "info"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line (shippers)

    # --- schema registry and writer schemas (FRAMING confluent / single-object) --------------
    # Kept apart from the Kafka connection settings: the registry has its own URL, credentials
    # and CA (docs/operations.md, "Framing and the schema registry").
    schema_registry_url: str | None = None  # e.g. https://registry:8081 (Confluent API base)
    schema_registry_username: str | None = None  # HTTP basic auth
    schema_registry_password: SecretStr | None = None
    schema_registry_password_file: Path | None = None  # a mounted secret instead of the value
    schema_registry_ca_file: Path | None = None  # CA bundle to verify the registry's TLS
    schema_registry_timeout_seconds: float = 5.0  # one request; slower counts as unreachable
    writer_schemas_dir: Path | None = None  # more .avsc writer versions for single-object

    def schema_registry_secret(self) -> str | None:
        """The registry password: the setting, else the file's content (trailing newline cut)."""
        if self.schema_registry_password is not None:
            return self.schema_registry_password.get_secret_value()
        if self.schema_registry_password_file is not None:
            return self.schema_registry_password_file.read_text("utf-8").rstrip("\r\n")
        return None

    def event_topics(self) -> dict[str, str]:
        """Input topic name -> the event schema its messages are written with."""
        return {
            self.topic_registrations: "ClientRegistration",
            self.topic_indications: "Indication",
            self.topic_memberships: "RegisterMembership",
            self.topic_profile_edits: "ProfileEdit",
        }

    def topic_for_schema(self, schema_name: str) -> str:
        """The input topic that carries events of one schema."""
        for topic, name in self.event_topics().items():
            if name == schema_name:
                return topic
        raise KeyError(f"no input topic carries {schema_name}")
