"""A throw-away PKI for the secured test broker: a CA, the broker's certificate and clients'."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PEM = serialization.Encoding.PEM
PKCS8 = serialization.PrivateFormat.PKCS8


@dataclass(frozen=True)
class Issued:
    """A private key and its certificate, as PEM files."""

    cert: Path
    key: Path


class Authority:
    """A self-signed CA that issues certificates into a directory."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.certificate = (
            _builder(subject, subject, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )
        directory.mkdir(parents=True, exist_ok=True)
        self.cert_file = directory / f"{name}.pem"
        self.cert_file.write_bytes(self.certificate.public_bytes(PEM))

    def issue(
        self, cn: str, *, ips: tuple[str, ...] = (), names: tuple[str, ...] = (),
        server: bool = False, key_password: str | None = None,
    ) -> Issued:  # fmt: skip
        """A certificate for `cn` (a server's with these IP and DNS names, else a client's)."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "transparantie tests"),
             x509.NameAttribute(NameOID.COMMON_NAME, cn)]
        )  # fmt: skip
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = _builder(subject, self.certificate.subject, key.public_key()).add_extension(
            x509.ExtendedKeyUsage([usage, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
        alt: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        alt += [x509.DNSName(name) for name in names]
        if alt:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(key_password.encode())
            if key_password
            else serialization.NoEncryption()
        )
        issued = Issued(self.directory / f"{cn}.crt", self.directory / f"{cn}.key")
        issued.cert.write_bytes(cert.public_bytes(PEM) + self.certificate.public_bytes(PEM))
        issued.key.write_bytes(key.private_bytes(PEM, PKCS8, encryption))
        return issued


def keystore(issued: Issued, into: Path) -> Path:
    """One PEM file with the key and then the certificate chain, as Kafka's PEM key store reads."""
    into.write_bytes(issued.key.read_bytes() + issued.cert.read_bytes())
    return into


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
    )
