"""Settings from the environment (prefix TRANSPARANTIE_), with defaults for the local broker."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: How Avro values are framed on the topics: plain schemaless Avro (writer = our schema), the
#: Confluent wire format (a schema registry id), or Avro single-object encoding (a fingerprint).
Framing = Literal["plain", "confluent", "single-object"]

# --- Kafka security (issue 11, part 1) -------------------------------------------------------
SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
# --- end Kafka security -----------------------------------------------------------------------


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
    topic_history: str = "transparantie.history"
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
    #: /healthz fails after this long without evidence of progress (docs/operations.md)
    stall_seconds: float = 180.0
    #: /readyz fails after this long without evidence of progress
    stale_seconds: float = 30.0
    #: how often every worker reads the whole consumer group's lag for its metrics
    lag_interval_seconds: float = 30.0
    explain_enabled: bool = False
    explain_token: SecretStr | None = None
    log_level: str = "info"
    log_format: Literal["text", "json"] = "text"  # json: one JSON object per line (shippers)
    #: the colofon of the quarterly publication: who issues it, and whom to ask (omitted if empty)
    publication_publisher: str = "UWV Werkbedrijf"
    publication_contact: str = ""

    # --- Kafka security (issue 11, part 1): how every client reaches the brokers; checked by
    # check_kafka_security below, turned into client arguments only by streams/kafka/security.py
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    sasl_password_file: Path | None = None  # a mounted secret; its content is the password
    ssl_cafile: Path | None = None  # the CA that signed the brokers' certificates (else: system)
    ssl_certfile: Path | None = None  # mutual TLS: the client's certificate (chain), PEM
    ssl_keyfile: Path | None = None  # mutual TLS: its private key, PEM
    ssl_key_password: SecretStr | None = None
    ssl_check_hostname: bool = True
    # --- end Kafka security

    # --- Kafka security (issue 11, part 1)
    @model_validator(mode="after")
    def check_kafka_security(self) -> Settings:
        """Refuse a combination of security settings that cannot work, with one sentence."""
        problem = kafka_security_problem(self)
        if problem:
            raise ValueError(problem)
        return self

    def sasl_password_value(self) -> str | None:
        """The SASL password: from SASL_PASSWORD_FILE (a mounted secret) or SASL_PASSWORD."""
        if self.sasl_password_file is not None:
            return self.sasl_password_file.read_text().strip("\r\n")
        return self.sasl_password.get_secret_value() if self.sasl_password else None

    # --- end Kafka security

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


# --- Kafka security (issue 11, part 1) -------------------------------------------------------
def kafka_security_problem(s: Settings) -> str | None:
    """What is wrong with the security settings, as one sentence naming the variables; None
    when they fit together (files named must exist: a typo fails at start, not at connect)."""
    p = "TRANSPARANTIE_"
    sasl = s.security_protocol.startswith("SASL_")
    tls = s.security_protocol.endswith("SSL")
    proto = f"{p}SECURITY_PROTOCOL={s.security_protocol}"
    if sasl and not s.sasl_username:
        return f"{proto} needs {p}SASL_USERNAME"
    if sasl and s.sasl_password is None and s.sasl_password_file is None:
        return f"{proto} needs {p}SASL_PASSWORD or {p}SASL_PASSWORD_FILE"
    if s.sasl_password is not None and s.sasl_password_file is not None:
        return f"set one of {p}SASL_PASSWORD and {p}SASL_PASSWORD_FILE, not both"
    if not sasl and (s.sasl_username or s.sasl_password or s.sasl_password_file):
        return f"SASL settings are set but {proto} does not use SASL (SASL_SSL or SASL_PLAINTEXT)"
    tls_files = {"SSL_CAFILE": s.ssl_cafile, "SSL_CERTFILE": s.ssl_certfile,
                 "SSL_KEYFILE": s.ssl_keyfile}  # fmt: skip
    if not tls and (any(tls_files.values()) or s.ssl_key_password):
        return f"TLS settings are set but {proto} does not use TLS (SSL or SASL_SSL)"
    if (s.ssl_certfile is None) != (s.ssl_keyfile is None):
        return f"mutual TLS needs both {p}SSL_CERTFILE and {p}SSL_KEYFILE"
    if s.ssl_key_password is not None and s.ssl_keyfile is None:
        return f"{p}SSL_KEY_PASSWORD is set without {p}SSL_KEYFILE"
    files = {**tls_files, "SASL_PASSWORD_FILE": s.sasl_password_file}
    for name, path in files.items():
        if path is not None and not path.is_file():
            return f"{p}{name}={path}: no such file"
    if s.sasl_password_file is not None and not s.sasl_password_value():
        return f"{p}SASL_PASSWORD_FILE={s.sasl_password_file} is empty"
    return None


# --- end Kafka security
