"""The one translation of the security settings (TLS, SASL) into aiokafka client arguments.

streams/kafka/clients.py adds these to every client the project makes, and the Faust app
(streams/engine/app.py) builds its broker credentials from the same TLS context and SASL
values, so the worker and every command reach a secured cluster in the same way.
"""

from __future__ import annotations

import ssl
from typing import Any

from streams.settings import Settings


class KafkaSetupError(RuntimeError):
    """The client cannot be set up from the settings; the message is one line for an operator."""


def uses_tls(settings: Settings) -> bool:
    """True for SSL and SASL_SSL."""
    return settings.security_protocol in ("SSL", "SASL_SSL")


def uses_sasl(settings: Settings) -> bool:
    """True for SASL_PLAINTEXT and SASL_SSL."""
    return settings.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context for SSL and SASL_SSL (None otherwise): the brokers' certificates are
    verified against SSL_CAFILE (else the system's CAs), their names checked unless
    SSL_CHECK_HOSTNAME is false, and the client certificate presented for mutual TLS."""
    if not uses_tls(settings):
        return None
    try:
        context = ssl.create_default_context(
            ssl.Purpose.SERVER_AUTH,
            cafile=str(settings.ssl_cafile) if settings.ssl_cafile else None,
        )
    except (ssl.SSLError, OSError) as exc:
        raise KafkaSetupError(
            f"TRANSPARANTIE_SSL_CAFILE={settings.ssl_cafile} holds no usable CA certificate "
            f"({exc}): give the PEM file of the CA that signed the brokers' certificates"
        ) from None
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile is not None and settings.ssl_keyfile is not None:
        password = settings.ssl_key_password
        try:
            context.load_cert_chain(
                str(settings.ssl_certfile),
                str(settings.ssl_keyfile),
                password.get_secret_value() if password else None,
            )
        except (ssl.SSLError, OSError) as exc:
            raise KafkaSetupError(
                "cannot load the client certificate TRANSPARANTIE_SSL_CERTFILE="
                f"{settings.ssl_certfile} with its key TRANSPARANTIE_SSL_KEYFILE="
                f"{settings.ssl_keyfile} ({exc.__class__.__name__}: {exc.args[-1]}): check "
                "that both are PEM, that they belong together and TRANSPARANTIE_SSL_KEY_PASSWORD"
            ) from None
    return context


def sasl_arguments(settings: Settings) -> dict[str, Any]:
    """aiokafka's SASL arguments (mechanism, user, password) for SASL_* protocols, else none."""
    if not uses_sasl(settings):
        return {}
    try:
        password = settings.sasl_password_value()
    except OSError as exc:
        raise KafkaSetupError(
            f"cannot read TRANSPARANTIE_SASL_PASSWORD_FILE={settings.sasl_password_file}: "
            f"{exc.strerror}"
        ) from None
    return {
        "sasl_mechanism": settings.sasl_mechanism,
        "sasl_plain_username": settings.sasl_username,
        "sasl_plain_password": password,
    }


def client_arguments(settings: Settings) -> dict[str, Any]:
    """aiokafka's security arguments for the settings: protocol, TLS context and SASL."""
    return {
        "security_protocol": settings.security_protocol,
        "ssl_context": ssl_context(settings),
        **sasl_arguments(settings),
    }


def principal_hint(settings: Settings) -> str:
    """Who the brokers see, as far as the settings tell (for messages; never a secret)."""
    if uses_sasl(settings):
        return f"User:{settings.sasl_username}"
    if settings.ssl_certfile is not None:
        return f"the principal of the client certificate {settings.ssl_certfile.name}"
    return "User:ANONYMOUS"
