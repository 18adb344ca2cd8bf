"""The `transparantie` command line: offline tools, the local broker, topics and the worker."""

from __future__ import annotations

import contextlib

import click

from streams.cli import (
    failures,
    history_commands,
    kafka_commands,
    offline,
    publication,
    reliability,
    schemas,
    security,
)
from streams.devtools import demo


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="transparantie-streams")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Live transparency counts of client profiles (doelgroep banenafspraak) per arbeidsmarktregio."""
    configure_logging()
    if ctx.invoked_subcommand != "worker":  # Faust sets up the worker's logging
        failures.quiet_kafka_client_logs()


def configure_logging() -> None:
    """JSON log lines for TRANSPARANTIE_LOG_FORMAT=json (the worker sets up its own)."""
    from pydantic import ValidationError

    from streams.engine.logs import configure_commands
    from streams.settings import Settings

    # on invalid settings the command reads them itself and says what is wrong
    with contextlib.suppress(ValidationError):
        configure_commands(Settings())


offline.register(cli)
kafka_commands.register(cli)
reliability.register(cli)
publication.register(cli)
history_commands.register(cli)
security.register(cli)
schemas.register(cli)
cli.add_command(demo.demo)


def main() -> None:
    """Console-script entry point: an operational failure ends in one line and exit status 2."""
    try:
        cli(prog_name="transparantie")
    except Exception as exc:
        failures.fail(exc)
