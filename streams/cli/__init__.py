"""The `transparantie` command line: offline tools, the local broker, topics and the worker."""

from __future__ import annotations

import click

from streams.cli import kafka_commands, offline, reliability, schemas
from streams.devtools import demo


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="transparantie-streams")
def cli() -> None:
    """Live transparency counts of client profiles (doelgroep banenafspraak) per arbeidsmarktregio."""


offline.register(cli)
kafka_commands.register(cli)
reliability.register(cli)
schemas.register(cli)
cli.add_command(demo.demo)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="transparantie")
