"""Commands for bad input and drift: `dead-letters list|replay` and `reconcile`."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import date, datetime
from typing import Any

import click

from streams.cli.failures import EXIT_FAILED, operator_line
from streams.cli.offline import DATE

LIST_FORMATS = ("table", "json")
#: The port the reconcile job serves its metrics on (deploy/prometheus scrapes reconcile:9091).
DEFAULT_METRICS_PORT = 9091


def _fail(exc: BaseException) -> None:
    """Report an operational error (broker, topic, timeout) and exit 2 (1 means drift)."""
    line = operator_line(exc) or f"{type(exc).__name__}: {exc}"
    click.echo(f"error: {line}", err=True)
    sys.exit(EXIT_FAILED)


@click.group("dead-letters")
def dead_letters() -> None:
    """The dead-letter topic: rejected input, with reason, source and the raw bytes."""


@dead_letters.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the last N.")
@click.option(
    "--format", "fmt", type=click.Choice(LIST_FORMATS), default="table", show_default=True
)
def dead_letters_list(limit: int | None, fmt: str) -> None:
    """Show the dead letters: offset, source topic/partition/offset, error class, reason, time
    and the sizes of key and value. The raw bytes hold client ids and are never shown."""
    from streams.cli.render import render_dead_letters
    from streams.kafka.deadletters import read_dead_letters
    from streams.settings import Settings

    try:
        letters = asyncio.run(read_dead_letters(Settings()))
    except Exception as exc:  # operational: no broker, no topic
        _fail(exc)
    if limit is not None:
        letters = letters[-limit:]
    click.echo(render_dead_letters([d.info() for d in letters], fmt), nl=False)


@dead_letters.command("replay")
@click.option(
    "--since-offset", type=click.IntRange(min=0), default=0, show_default=True,
    help="First dead-letter offset to replay (see `list`).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Only say what would be replayed.")
def dead_letters_replay(since_offset: int, dry_run: bool) -> None:
    """Send each dead letter's raw key and value back to its source topic and partition.

    Do this after the cause is fixed (producer, schema, reference data or the processor).
    Replays from --since-offset up to the end of the dead-letter topic as it is when the replay
    starts. A message that is still bad is dead-lettered again at a new offset; it is not
    replayed again by this run, and `--since-offset` (printed at the end) skips it next time.
    Events that were applied are no-ops when they arrive twice.
    """
    from streams.cli.render import render_replay
    from streams.kafka.deadletters import replay
    from streams.settings import Settings

    try:
        report = asyncio.run(replay(Settings(), since_offset, dry_run))
    except Exception as exc:
        _fail(exc)
    click.echo(render_replay(report), nl=False)


@click.command()
@click.option("--as-of", type=DATE, help="Day of counting; default as the worker (AS_OF or today).")
@click.option(
    "--format", "fmt", type=click.Choice(LIST_FORMATS), default="table", show_default=True
)
@click.option(
    "--settle", type=float, default=10.0, show_default=True,
    help="Retry a differing comparison for up to this many seconds (updates in flight).",
)  # fmt: skip
@click.option("--timeout", type=float, default=30.0, show_default=True, help="Counts topic read.")
@click.option("--metrics-port", type=int, default=None, help="Run forever; serve /metrics here.")
@click.option(
    "--metrics", "metrics_default", is_flag=True,
    help=f"Same as --metrics-port {DEFAULT_METRICS_PORT}.",
)  # fmt: skip
@click.option("--metrics-host", default="0.0.0.0", show_default=True)
@click.option(
    "--interval", type=float, default=3600.0, show_default=True,
    help="Seconds between runs with --metrics-port.",
)  # fmt: skip
def reconcile(
    as_of: datetime | None,
    fmt: str,
    settle: float,
    timeout: float,
    metrics_port: int | None,
    metrics_default: bool,
    metrics_host: str,
    interval: float,
) -> None:
    """Recompute the table from the whole event log and compare it with the counts topic.

    Prints the differing cells (region, column, expected = recomputed, actual = counts topic).
    Exit code 0: equal; 1: drift; 2: could not run (broker, topics, timeout).
    With --metrics-port (or --metrics) it runs every --interval seconds until stopped and serves
    transparantie_reconcile_differences and transparantie_reconcile_last_run_timestamp_seconds.
    """
    from streams.cli.render import render_reconcile
    from streams.kafka.jobs import reconcile_topics
    from streams.service.clock import Clock
    from streams.service.reference import load_regions
    from streams.settings import Settings

    settings = Settings()
    regions = load_regions()
    if metrics_default and metrics_port is None:
        metrics_port = DEFAULT_METRICS_PORT

    clock = Clock(settings.as_of, settings.as_of_file)

    def day() -> date:
        return as_of.date() if as_of else clock.today()

    def once() -> Any:
        return asyncio.run(reconcile_topics(settings, regions, day(), settle, timeout))

    if metrics_port is None:
        try:
            result = once()
        except Exception as exc:
            _fail(exc)
        click.echo(render_reconcile(result, fmt), nl=False)
        sys.exit(1 if result.drift else 0)

    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    registry = CollectorRegistry()
    found = Gauge(
        "transparantie_reconcile_differences",
        "Cells that differed between the counts topic and a full recomputation at the last run.",
        registry=registry,
    )
    last_run = Gauge(
        "transparantie_reconcile_last_run_timestamp_seconds",
        "Unix time of the last completed reconcile run.",
        registry=registry,
    )
    start_http_server(metrics_port, metrics_host, registry=registry)
    click.echo(
        f"serving reconcile metrics on http://{metrics_host}:{metrics_port}/metrics", err=True
    )
    while True:
        began = time.monotonic()
        try:
            result = once()
        except Exception as exc:  # keep running; ReconcileNotRun alerts when runs keep failing
            line = operator_line(exc) or f"{type(exc).__name__}: {exc}"
            click.echo(f"reconcile run failed: {line}", err=True)
        else:
            found.set(len(result.differences))
            last_run.set(time.time())
            click.echo(render_reconcile(result, fmt), nl=False)
        time.sleep(max(0.0, interval - (time.monotonic() - began)))


def register(group: click.Group) -> None:
    """Add the reliability commands to the CLI group."""
    group.add_command(dead_letters)
    group.add_command(reconcile)
