"""Operational failures of a command as one line on stderr: settings, TLS, SASL, ACLs, topics."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import NoReturn

import click
from pydantic import ValidationError

#: Exit status of a command that could not do its work (1 is reconcile's "drift").
EXIT_FAILED = 2


def settings_line(exc: ValidationError) -> str:
    """The first problem of the settings, without the values (they may hold a password)."""
    error = exc.errors()[0]
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["loc"]:
        variable = "TRANSPARANTIE_" + str(error["loc"][0]).upper()
        return f"settings: {variable}: {message}"
    return f"settings: {message}"


def operator_line(exc: BaseException) -> str | None:
    """One line for an operator when `exc` is an operational failure; None for a bug."""
    from streams.kafka.failures import explain, is_operational
    from streams.settings import Settings

    if isinstance(exc, ValidationError):
        return settings_line(exc)
    if not is_operational(exc):
        return None
    try:
        settings = Settings()
    except ValidationError as invalid:
        return settings_line(invalid)
    return asyncio.run(explain(exc, settings))


def fail(exc: BaseException) -> NoReturn:
    """Report a failure in one line and exit 2; re-raise what is not operational (a bug)."""
    line = operator_line(exc)
    if line is None:
        raise exc
    click.echo(f"error: {line}", err=True)
    sys.exit(EXIT_FAILED)


def quiet_kafka_client_logs() -> None:
    """aiokafka logs each failed connection itself; a command says what went wrong once."""
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
