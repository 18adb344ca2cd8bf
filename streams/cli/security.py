"""`transparantie acls show|create`: the least-privilege ACLs of the worker's principal."""

from __future__ import annotations

import asyncio

import click


@click.group()
def acls() -> None:
    """The ACLs a worker needs on a cluster with an authorizer (docs/operations.md)."""


PRINCIPAL = click.option(
    "--principal", required=True, help="The worker's principal, e.g. User:transparantie-worker."
)


@acls.command("show")
@PRINCIPAL
def acls_show(principal: str) -> None:
    """Print the `kafka-acls.sh` commands that grant the worker's ACLs (for the settings)."""
    from streams.kafka.acls import worker_acls
    from streams.settings import Settings

    for acl in worker_acls(Settings()):
        click.echo(acl.kafka_acls_line(principal))


@acls.command("create")
@PRINCIPAL
def acls_create(principal: str) -> None:
    """Create the worker's ACLs, connecting as the settings say (as an admin of the cluster)."""
    from streams.kafka.acls import create_acls, worker_acls
    from streams.settings import Settings

    settings = Settings()
    wanted = worker_acls(settings)
    asyncio.run(create_acls(settings, principal, wanted))
    for acl in wanted:
        click.echo(f"allowed  {principal} {acl.operation:<6} {acl.resource} {acl.name}")


def register(group: click.Group) -> None:
    """Add the ACL commands to the CLI group."""
    group.add_command(acls)
