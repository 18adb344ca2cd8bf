"""The `transparantie` command line: offline tools, the local broker, topics and the worker."""

from __future__ import annotations

import contextlib

import click

from streams.cli import kafka_commands, offline, reliability, schemas
from streams.devtools import demo


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="transparantie-streams")
def cli() -> None:
    """Live transparency counts of client profiles (doelgroep banenafspraak) per arbeidsmarktregio."""
    configure_logging()


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
schemas.register(cli)
cli.add_command(demo.demo)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="transparantie")
