"""A secured local broker: SASL_SSL (SCRAM-SHA-512) and mutual-TLS listeners, ACLs enforced.

For tests and for trying a secured setup on one machine. The TLS material is PEM files (Kafka
reads PEM key stores, so no keytool); the SCRAM users are written into the storage when it is
formatted (`kafka-storage format --add-scram`), so they exist before the broker first starts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from pydantic import SecretStr

from streams.devtools.broker.config import Listener
from streams.devtools.broker.layout import HOST, BrokerError
from streams.settings import Settings

SCRAM: Final = "SCRAM-SHA-512"
AUTHORIZER = "org.apache.kafka.metadata.authorizer.StandardAuthorizer"
SASL_LISTENER = "SASL_SSL"
MTLS_LISTENER = "MTLS"
#: The principal of a client certificate is its CN (User:worker), like a SCRAM user's name;
#: Kafka's default would be the whole distinguished name.
CN_RULE = "RULE:^(.*,)?CN=([^,]+)(,.*)?$/$2/,DEFAULT"
#: SCRAM's attribute syntax at format time ([name=…,password=…]) has no escaping.
_UNSAFE = set(",[]=\"'\\ \n")


@dataclass(frozen=True)
class Secured:
    """What makes the local broker a secured one.

    The first SCRAM user (`admin`) is the broker's own identity between its listeners and a
    super user; `users` are the other SCRAM users. The controller listener stays PLAINTEXT on
    127.0.0.1 (its principal, ANONYMOUS, must be a super user to register the broker): fine for
    a broker on one machine, never for a real cluster.
    """

    ssl_port: int
    ca_file: Path
    keystore_file: Path  # the broker's private key (PKCS#8, unencrypted) and certificate, PEM
    admin: tuple[str, str]
    users: Mapping[str, str] = field(default_factory=dict)
    super_users: tuple[str, ...] = ()  # more super users, e.g. an mTLS admin's CN

    def __post_init__(self) -> None:
        for name, password in [self.admin, *self.users.items()]:
            if not name or not password or _UNSAFE & set(name + password):
                raise BrokerError(f"SCRAM user {name!r}: name and password need plain characters")

    def listeners(self, sasl_port: int) -> tuple[Listener, ...]:
        """SASL_SSL first (it carries the broker's own traffic), then mutual TLS."""
        return (
            Listener(SASL_LISTENER, sasl_port, "SASL_SSL"),
            Listener(MTLS_LISTENER, self.ssl_port, "SSL"),
        )

    def properties(self) -> dict[str, str]:
        """The server.properties settings for TLS, SASL and the authorizer."""
        name, password = self.admin
        sasl = f"listener.name.{SASL_LISTENER.lower()}"
        jaas = (
            "org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{name}" password="{password}";'
        )
        supers = [f"User:{name}", "User:ANONYMOUS", *(f"User:{u}" for u in self.super_users)]
        return {
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.keystore_file),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.ca_file),
            f"listener.name.{MTLS_LISTENER.lower()}.ssl.client.auth": "required",
            "ssl.principal.mapping.rules": CN_RULE,
            "sasl.enabled.mechanisms": SCRAM,
            "sasl.mechanism.inter.broker.protocol": SCRAM,
            f"{sasl}.sasl.enabled.mechanisms": SCRAM,
            f"{sasl}.{SCRAM.lower()}.sasl.jaas.config": jaas,
            "authorizer.class.name": AUTHORIZER,
            "allow.everyone.if.no.acl.found": "false",
            "super.users": ";".join(supers),
        }

    def scram_arguments(self) -> list[str]:
        """The `kafka-storage format` arguments that create the SCRAM users."""
        arguments: list[str] = []
        for name, password in [self.admin, *self.users.items()]:
            arguments += ["--add-scram", f"{SCRAM}=[name={name},password={password}]"]
        return arguments

    def admin_settings(self, sasl_port: int) -> Settings:
        """Client settings of the admin (super user) on the SASL_SSL listener."""
        return Settings(
            bootstrap_servers=f"{HOST}:{sasl_port}",
            security_protocol="SASL_SSL",
            sasl_mechanism=SCRAM,
            sasl_username=self.admin[0],
            sasl_password=SecretStr(self.admin[1]),
            ssl_cafile=self.ca_file,
        )
