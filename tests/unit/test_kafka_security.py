"""The security settings: checked at start, turned into aiokafka arguments and Faust
credentials in one place, never shown; the worker's ACL list as docs/operations.md gives it."""

from __future__ import annotations

import re
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from faust.auth import SASLCredentials, SSLCredentials
from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth
from pydantic import ValidationError

from streams.devtools.broker import BrokerError
from streams.devtools.broker.security import AUTHORIZER, Secured
from streams.engine.app import broker_credentials
from streams.kafka.acls import worker_acls
from streams.kafka.security import KafkaSetupError, client_arguments
from streams.settings import Settings
from tests.integration.pki import Authority

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return Authority(tmp_path_factory.mktemp("pki"), "unit-ca")


def problem(**settings: object) -> str:
    """The message with which the settings are refused."""
    with pytest.raises(ValidationError) as refused:
        Settings(**settings)  # type: ignore[arg-type]
    return str(refused.value.errors()[0]["msg"])


def test_the_default_is_plaintext_with_no_tls_context_and_no_sasl() -> None:
    arguments = client_arguments(Settings())
    assert arguments == {"security_protocol": "PLAINTEXT", "ssl_context": None}


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"security_protocol": "SASL_SSL"}, "SASL_SSL needs TRANSPARANTIE_SASL_USERNAME"),
        ({"security_protocol": "SASL_PLAINTEXT", "sasl_username": "w"},
         "needs TRANSPARANTIE_SASL_PASSWORD or TRANSPARANTIE_SASL_PASSWORD_FILE"),
        ({"sasl_username": "w", "sasl_password": "p"}, "PLAINTEXT does not use SASL"),
        ({"ssl_cafile": "/etc/hostname"}, "PLAINTEXT does not use TLS"),
        ({"security_protocol": "SSL", "ssl_certfile": "/etc/hostname"},
         "needs both TRANSPARANTIE_SSL_CERTFILE and TRANSPARANTIE_SSL_KEYFILE"),
        ({"security_protocol": "SSL", "ssl_key_password": "k"}, "without TRANSPARANTIE_SSL_KEYFILE"),
        ({"security_protocol": "SSL", "ssl_cafile": "/no/such/ca.pem"},
         "TRANSPARANTIE_SSL_CAFILE=/no/such/ca.pem: no such file"),
        ({"security_protocol": "SASL_SSL", "sasl_username": "w", "sasl_password": "p",
          "sasl_password_file": "/etc/hostname"}, "not both"),
    ],
    ids=["SASL without user", "SASL without password", "SASL on PLAINTEXT",
         "TLS on PLAINTEXT", "certificate without key", "key password without key",
         "missing CA file", "two passwords"],
)  # fmt: skip
def test_a_combination_that_cannot_work_is_refused_in_one_sentence(
    settings: dict[str, object], said: str
) -> None:
    message = problem(**settings)
    assert said in message and "\n" not in message


def test_the_password_is_read_from_its_mounted_file_without_the_newline(tmp_path: Path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    settings = Settings(security_protocol="SASL_PLAINTEXT", sasl_username="w",
                        sasl_password_file=secret)  # fmt: skip
    assert client_arguments(settings)["sasl_plain_password"] == "s3cret"
    assert "s3cret" not in repr(settings)


def test_a_command_refuses_bad_settings_in_one_line_without_the_password() -> None:
    env = {"PATH": "/usr/bin:/bin", "TRANSPARANTIE_SECURITY_PROTOCOL": "SASL_SSL",
           "TRANSPARANTIE_SASL_PASSWORD": "do-not-print-me"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "streams", "report"],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: settings: TRANSPARANTIE_SECURITY_PROTOCOL=SASL_SSL needs "
        "TRANSPARANTIE_SASL_USERNAME"
    )
    assert "do-not-print-me" not in done.stdout + done.stderr


def test_tls_verifies_the_broker_against_the_ca_and_checks_its_name(pki: Authority) -> None:
    context = client_arguments(Settings(security_protocol="SSL", ssl_cafile=pki.cert_file))[
        "ssl_context"
    ]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "unit-ca"),),)]
    unchecked = Settings(security_protocol="SSL", ssl_cafile=pki.cert_file,
                         ssl_check_hostname=False)  # fmt: skip
    assert client_arguments(unchecked)["ssl_context"].check_hostname is False


def test_a_client_key_that_does_not_open_is_one_line_naming_the_files(pki: Authority) -> None:
    issued = pki.issue("client", key_password="right")
    settings = Settings(security_protocol="SSL", ssl_certfile=issued.cert, ssl_keyfile=issued.key,
                        ssl_key_password="wrong")  # fmt: skip
    with pytest.raises(KafkaSetupError, match="cannot load the client certificate") as failed:
        client_arguments(settings)
    assert "\n" not in str(failed.value) and "wrong" not in str(failed.value)


def test_faust_gets_the_same_connection_as_every_other_client(pki: Authority) -> None:
    """Faust turns its credentials into aiokafka arguments: they equal ours."""
    issued = pki.issue("worker", key_password="k")
    cases = [
        Settings(),
        Settings(security_protocol="SASL_SSL", sasl_username="w", sasl_password="p",
                 ssl_cafile=pki.cert_file),
        Settings(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", sasl_username="w",
                 sasl_password="p"),
        Settings(security_protocol="SSL", ssl_cafile=pki.cert_file, ssl_certfile=issued.cert,
                 ssl_keyfile=issued.key, ssl_key_password="k"),
    ]  # fmt: skip
    for settings in cases:
        faust_side = credentials_to_aiokafka_auth(broker_credentials(settings))
        ours = client_arguments(settings)
        assert (faust_side.pop("ssl_context", None) is None) == (ours.pop("ssl_context") is None)
        assert faust_side == ours
    assert isinstance(broker_credentials(cases[1]), SASLCredentials)
    assert isinstance(broker_credentials(cases[3]), SSLCredentials)


def test_every_aiokafka_client_of_the_project_connects_through_clients_connection() -> None:
    """A client made anywhere else would reach a secured cluster without its credentials."""
    constructors = re.compile(r"\bAIOKafka(Consumer|Producer|AdminClient|Client)\(")
    for path in (PROJECT / "streams").rglob("*.py"):
        text = path.read_text()
        if constructors.search(text) and path.name != "clients.py":
            assert "clients.connection(" in text, f"{path} makes a client of its own"


def test_operations_md_lists_exactly_the_acls_the_worker_is_tested_with() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "streams", "acls", "show", "--principal",
         "User:transparantie-worker"],
        env={"PATH": "/usr/bin:/bin"}, cwd=PROJECT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(worker_acls(Settings())) == 16
    doc = (PROJECT / "docs" / "operations.md").read_text()
    missing = [line for line in lines if line not in doc]
    assert not missing, missing
    assert "CREATE" not in done.stdout  # the admin creates the topics, the worker nothing


def test_the_secured_broker_enforces_acls_and_client_certificates(tmp_path: Path) -> None:
    secured = Secured(ssl_port=9094, ca_file=tmp_path / "ca.pem",
                      keystore_file=tmp_path / "broker.pem", admin=("admin", "a"),
                      users={"worker": "w"})  # fmt: skip
    props = secured.properties()
    assert props["authorizer.class.name"] == AUTHORIZER
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["listener.name.mtls.ssl.client.auth"] == "required"
    assert props["ssl.keystore.type"] == props["ssl.truststore.type"] == "PEM"
    assert props["super.users"] == "User:admin;User:ANONYMOUS"
    assert secured.scram_arguments() == [
        "--add-scram", "SCRAM-SHA-512=[name=admin,password=a]",
        "--add-scram", "SCRAM-SHA-512=[name=worker,password=w]",
    ]  # fmt: skip
    assert [ln.protocol for ln in secured.listeners(9093)] == ["SASL_SSL", "SSL"]
    with pytest.raises(BrokerError, match="plain characters"):
        Secured(9094, tmp_path, tmp_path, admin=("admin", "a,b"))


def _verification_error(code: int, message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    error.verify_code, error.verify_message = code, message
    return error


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (_verification_error(62, "Hostname mismatch"), "(hostname mismatch): put a name"),
        (_verification_error(20, "unable to get local issuer certificate"),
         "not signed by a trusted CA (unable to get local issuer certificate; trusted: the "
         "system's CAs): set TRANSPARANTIE_SSL_CAFILE"),
        (ConnectionRefusedError(111, "Connect call failed"), "cannot reach the brokers at"),
        (TimeoutError(), "no answer from 127.0.0.1:9092 in time"),
    ],
    ids=["hostname mismatch", "untrusted CA", "refused", "timeout"],
)  # fmt: skip
def test_each_failure_is_one_line_that_names_the_cause_and_what_to_do(
    failure: BaseException, said: str
) -> None:
    from streams.kafka.failures import describe

    line = describe(failure, Settings(security_protocol="SSL"))
    assert said in line and "\n" not in line


def test_a_closed_connection_points_at_the_protocol_or_the_missing_client_certificate() -> None:
    from aiokafka.errors import KafkaConnectionError

    from streams.kafka.failures import describe

    closed = KafkaConnectionError("Connection at 127.0.0.1:9093 closed")
    tls = Settings(security_protocol="SSL")
    assert "requires a client certificate" in describe(closed, tls, first_contact=True)
    assert "expects TLS or SASL" in describe(closed, Settings(), first_contact=True)
    assert "cannot reach the brokers" in describe(closed, Settings())  # later: a restart
