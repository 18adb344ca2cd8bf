"""`transparantie schemas check|register`: our schemas against the schema registry, for a
release pipeline (exit 1 when a change would break compatibility, 2 when the registry fails)."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import click


def _subjects() -> tuple[Any, dict[str, str]]:
    from streams.kafka.registry import input_outputs, worker_outputs
    from streams.settings import Settings

    settings = Settings()
    return settings, {**input_outputs(settings), **worker_outputs(settings)}


async def _run(register: bool) -> int:
    from streams.codecs.writers import WriterSchemas
    from streams.kafka.registry import Registry

    settings, subjects = _subjects()
    registry = Registry(settings, WriterSchemas())
    try:
        checks = [await registry.check(name, subject) for name, subject in subjects.items()]
        for c in checks:
            version = "-" if c.latest_version is None else f"v{c.latest_version}"
            state = "ok  " if c.ok else "FAIL"
            click.echo(f"{state}  {c.name:<19} {c.subject:<45} latest {version:<4} {c.verdict}")
        if not all(c.ok for c in checks):
            click.echo("error: a schema change would break compatibility: nothing registered",
                       err=True)  # fmt: skip
            return 1
        if register:
            for name, subject in subjects.items():
                schema_id = await registry.register(name, subject)
                click.echo(f"registered  {name:<19} {subject:<45} id {schema_id}")
        return 0
    finally:
        await registry.close()


@click.group()
def schemas() -> None:
    """Our Avro schemas (schemas/) and the schema registry (TRANSPARANTIE_SCHEMA_REGISTRY_URL)."""


@schemas.command("check")
def schemas_check() -> None:
    """Compare each schema with the latest version of its subject (<topic>-value) by the
    registry's compatibility rule; exit 1, naming the reason, when one would break it."""
    sys.exit(_exit_code(register=False))


@schemas.command("register")
def schemas_register() -> None:
    """Check, then register every schema under its subject (nothing when one is incompatible)."""
    sys.exit(_exit_code(register=True))


def _exit_code(register: bool) -> int:
    from streams.service.ports import RegistryUnavailable

    try:
        return asyncio.run(_run(register))
    except (RegistryUnavailable, ValueError) as exc:  # unreachable, refused, not configured
        click.echo(f"error: {exc}", err=True)
        return 2


def register(group: click.Group) -> None:
    """Add the schema commands to the CLI group."""
    group.add_command(schemas)
