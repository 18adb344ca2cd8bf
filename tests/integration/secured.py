"""The secured test broker: its PKI, its SCRAM users, and the environments of its clients."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from streams.devtools import broker
from streams.devtools.broker.security import Secured
from streams.devtools.stack import free_port
from tests.integration.pki import Authority, Issued, keystore

ADMIN = ("admin", "admin-secret")
WORKER = ("worker", "worker-secret")
KEY_PASSWORD = "key-secret"


@dataclass
class SecuredCluster:
    """A running broker with a SASL_SSL (SCRAM-SHA-512) and a mutual-TLS listener, ACLs on."""

    sasl_port: int
    mtls_port: int
    pki: Authority
    stranger_ca: Authority  # signed nothing of the broker's: a client trusting only it fails
    data_dir: Path
    _certs: dict[str, Issued] = field(default_factory=dict)

    @property
    def sasl(self) -> str:
        """Bootstrap address of the SASL_SSL listener."""
        return f"{broker.HOST}:{self.sasl_port}"

    @property
    def mtls(self) -> str:
        """Bootstrap address of the mutual-TLS listener."""
        return f"{broker.HOST}:{self.mtls_port}"

    def sasl_env(self, user: tuple[str, str], **extra: str) -> dict[str, str]:
        """Settings of a SCRAM user; the password comes from a file, as a mounted secret."""
        secret = (
            self.pki.directory / f"{user[0]}-{hashlib.sha256(user[1].encode()).hexdigest()[:8]}"
        )
        secret.write_text(user[1] + "\n")
        return {
            "TRANSPARANTIE_BOOTSTRAP_SERVERS": self.sasl,
            "TRANSPARANTIE_SECURITY_PROTOCOL": "SASL_SSL",
            "TRANSPARANTIE_SASL_MECHANISM": "SCRAM-SHA-512",
            "TRANSPARANTIE_SASL_USERNAME": user[0],
            "TRANSPARANTIE_SASL_PASSWORD_FILE": str(secret),
            "TRANSPARANTIE_SSL_CAFILE": str(self.pki.cert_file),
            **extra,
        }

    def mtls_env(self, cn: str, **extra: str) -> dict[str, str]:
        """Settings of a client certificate for `cn` (principal User:cn), key under a password."""
        if cn not in self._certs:
            self._certs[cn] = self.pki.issue(cn, key_password=KEY_PASSWORD)
        cert = self._certs[cn]
        return {
            "TRANSPARANTIE_BOOTSTRAP_SERVERS": self.mtls,
            "TRANSPARANTIE_SECURITY_PROTOCOL": "SSL",
            "TRANSPARANTIE_SSL_CAFILE": str(self.pki.cert_file),
            "TRANSPARANTIE_SSL_CERTFILE": str(cert.cert),
            "TRANSPARANTIE_SSL_KEYFILE": str(cert.key),
            "TRANSPARANTIE_SSL_KEY_PASSWORD": KEY_PASSWORD,
            **extra,
        }


def start_secured(directory: Path) -> SecuredCluster:
    """Make the PKI and start the broker (SCRAM users admin and worker) on free ports."""
    pki = Authority(directory / "pki", "transparantie-test-ca")
    stranger = Authority(directory / "stranger-pki", "stranger-ca")
    # the broker's certificate names 127.0.0.1 only: a client dialling localhost sees a mismatch
    certificate = pki.issue("broker", ips=(broker.HOST,), server=True)
    secured = Secured(
        ssl_port=free_port(),
        ca_file=pki.cert_file,
        keystore_file=keystore(certificate, pki.directory / "broker-keystore.pem"),
        admin=ADMIN,
        users=dict([WORKER]),
    )
    cluster = SecuredCluster(free_port(), secured.ssl_port, pki, stranger, directory / "broker")
    broker.start(
        port=cluster.sasl_port,
        data_dir=cluster.data_dir,
        wait_timeout=120,
        controller_port=free_port(),
        secured=secured,
    )
    return cluster
