"""Why a Kafka client failed, said in one line that names the cause and what to do.

aiokafka reports a failed bootstrap as "Unable to bootstrap from [...]" and keeps the cause
(a TLS verification, the SASL answer, a refused connection) in a log line; `explain` connects
once more, directly, to find it. Authorization errors name what the principal lacks and point
to the ACL list in docs/operations.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from aiokafka import errors
from aiokafka.conn import create_conn

from streams.kafka.security import KafkaSetupError, client_arguments, principal_hint, uses_tls
from streams.settings import Settings

P = "TRANSPARANTIE_"
ACLS = "grant the ACLs listed in docs/operations.md (Least privilege)"
PROBE_TIMEOUT = 15.0
#: OpenSSL's verification results that mean "not signed by a CA we trust".
_UNTRUSTED = {2, 18, 19, 20, 21}
_HOSTNAME_MISMATCH = 62


class AccessDenied(RuntimeError):
    """The brokers refused an operation for lack of an ACL; the message names it."""


class MissingTopic(LookupError):
    """A topic the command needs does not exist; the message says to run `topics create`."""


def is_operational(exc: BaseException) -> bool:
    """True for a failure an operator must fix (connection, TLS, SASL, ACLs, settings, topics);
    False for what would be a bug of ours."""
    known = (errors.KafkaError, ssl.SSLError, ConnectionError, TimeoutError, KafkaSetupError,
             AccessDenied, MissingTopic)  # fmt: skip
    return isinstance(exc, known)


def addresses(settings: Settings) -> list[tuple[str, int]]:
    """The bootstrap addresses as (host, port)."""
    found = []
    for item in settings.bootstrap_servers.split(","):
        host, _, port = item.strip().rpartition(":")
        found.append((host.strip("[]") or item.strip(), int(port) if port.isdigit() else 9092))
    return found


async def connect_once(settings: Settings) -> BaseException | None:
    """Connect and authenticate to each bootstrap address; None when one of them works, else
    the first address's failure."""
    first: BaseException | None = None
    for host, port in addresses(settings):
        try:
            connecting = create_conn(
                host, port, request_timeout_ms=int(PROBE_TIMEOUT * 1000),
                **client_arguments(settings),
            )  # fmt: skip
            conn = await asyncio.wait_for(connecting, PROBE_TIMEOUT)
        except (TimeoutError, Exception) as exc:
            first = first or exc
        else:
            conn.close()
            return None
    return first


async def explain(exc: BaseException, settings: Settings) -> str:
    """One line for an operator: the cause of a Kafka failure and what to do about it."""
    if isinstance(exc, errors.KafkaConnectionError) and "bootstrap" in str(exc):
        with contextlib.suppress(Exception):
            cause = await connect_once(settings)
            if cause is not None:
                return describe(cause, settings, first_contact=True)
    return describe(exc, settings)


def describe(exc: BaseException, settings: Settings, first_contact: bool = False) -> str:
    """The line for an exception as it is (see `explain` for a failed bootstrap);
    `first_contact`: it ended the first connection, so a closed one means a protocol mismatch."""
    where = settings.bootstrap_servers
    who = principal_hint(settings)
    if isinstance(exc, KafkaSetupError | AccessDenied):
        return str(exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate(exc, settings)
    if isinstance(exc, ssl.SSLError):
        return (
            f"TLS with {where} failed ({exc.reason or exc}): check that {P}SECURITY_PROTOCOL "
            "matches the listener and that it accepts the client certificate"
        )
    if isinstance(exc, errors.SaslAuthenticationFailed | errors.AuthenticationFailedError):
        return (
            f"SASL authentication as {settings.sasl_username!r} ({settings.sasl_mechanism}) "
            f"failed at {where}: the brokers rejected the user name or password; check "
            f"{P}SASL_USERNAME, {P}SASL_PASSWORD(_FILE) and {P}SASL_MECHANISM"
        )
    if isinstance(exc, errors.UnsupportedSaslMechanismError):
        return (
            f"the listener at {where} does not offer SASL {settings.sasl_mechanism}: set "
            f"{P}SASL_MECHANISM to a mechanism it enables"
        )
    if isinstance(exc, errors.IllegalSaslStateError):
        return f"the listener at {where} does not expect SASL: check {P}SECURITY_PROTOCOL"
    if isinstance(exc, errors.TopicAuthorizationFailedError):
        return f"{who} is not authorized for topic(s) {_names(exc)}: {ACLS}"
    if isinstance(exc, errors.GroupAuthorizationFailedError):
        return f"{who} is not authorized for consumer group {settings.app_id!r}: {ACLS}"
    if isinstance(exc, errors.ClusterAuthorizationFailedError):
        return f"{who} is not authorized for a cluster operation: {ACLS}"
    if isinstance(exc, errors.TransactionalIdAuthorizationFailed):
        return f"{who} is not authorized for a transactional id: {ACLS}"
    if isinstance(exc, errors.KafkaConnectionError) and "bootstrap" in str(exc):
        return (  # `explain` finds the cause; `describe` alone cannot
            f"could not connect and log in to any broker of {where}: check "
            f"{P}BOOTSTRAP_SERVERS, {P}SECURITY_PROTOCOL and the credentials"
        )
    if isinstance(exc, errors.KafkaConnectionError) and "closed" in str(exc) and first_contact:
        return _closed(settings)
    if isinstance(exc, ConnectionRefusedError | errors.KafkaConnectionError):
        return (
            f"cannot reach the brokers at {where} ({_first_line(exc)}): check "
            f"{P}BOOTSTRAP_SERVERS and that the brokers run"
        )
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return (
            f"no answer from {where} in time: check {P}BOOTSTRAP_SERVERS and that "
            f"{P}SECURITY_PROTOCOL={settings.security_protocol} is what the listener speaks"
        )
    if isinstance(exc, OSError):
        return (
            f"cannot reach the brokers at {where} ({_first_line(exc)}): check {P}BOOTSTRAP_SERVERS"
        )
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _certificate(exc: ssl.SSLCertVerificationError, settings: Settings) -> str:
    where = settings.bootstrap_servers
    if exc.verify_code == _HOSTNAME_MISMATCH:
        return (
            f"TLS: the broker's certificate is not valid for the address in {where} (hostname "
            f"mismatch): put a name from the certificate in {P}BOOTSTRAP_SERVERS, or have the "
            "broker's certificate name this address"
        )
    if exc.verify_code in _UNTRUSTED:
        ca = settings.ssl_cafile or "the system's CAs"
        return (
            f"TLS: the broker's certificate at {where} is not signed by a trusted CA "
            f"({exc.verify_message}; trusted: {ca}): set {P}SSL_CAFILE to the CA that signed it"
        )
    return f"TLS: the broker's certificate at {where} was refused ({exc.verify_message})"


def _closed(settings: Settings) -> str:
    where = settings.bootstrap_servers
    if uses_tls(settings) and settings.ssl_certfile is None:
        return (
            f"the broker at {where} closed the connection during TLS: the listener requires a "
            f"client certificate ({P}SSL_CERTFILE and {P}SSL_KEYFILE) or speaks another "
            f"protocol than {P}SECURITY_PROTOCOL={settings.security_protocol}"
        )
    if uses_tls(settings):
        return (
            f"the broker at {where} closed the connection: it does not accept the client "
            f"certificate, or the listener speaks another protocol than {P}SECURITY_PROTOCOL="
            f"{settings.security_protocol}"
        )
    return (
        f"the broker at {where} closed the connection: the listener expects TLS or SASL; set "
        f"{P}SECURITY_PROTOCOL to what it speaks (now {settings.security_protocol})"
    )


def _names(exc: BaseException) -> str:
    names: list[str] = []
    for arg in exc.args:
        items = sorted(arg) if isinstance(arg, set | frozenset | list | tuple) else [arg]
        names += [str(item) for item in items]
    return ", ".join(repr(n) for n in names) or "(not named by the broker)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
