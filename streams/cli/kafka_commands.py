"""Commands that talk to Kafka: the local broker, topics, the worker, produce and report."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from streams.cli.offline import DATE, expand
from streams.service.formats import FORMATS, Format, render
from streams.service.ports import RegistryUnavailable


@click.group()
def broker() -> None:
    """A local single-node Apache Kafka broker (KRaft) on 127.0.0.1, for development and tests."""


@broker.command("start")
@click.option("--port", type=int, default=9092, show_default=True)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def broker_start(port: int, data_dir: Path | None) -> None:
    """Start the broker in the background (idempotent) and wait until it answers."""
    from streams.devtools import broker as local

    local.start(port=port, data_dir=data_dir)
    st = local.status(data_dir, port)
    click.echo(
        f"Kafka {st.version} running on {st.bootstrap_servers} (pid {st.pid}, log {st.log_path})"
    )


@broker.command("stop")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def broker_stop(data_dir: Path | None) -> None:
    """Stop the broker cleanly."""
    from streams.devtools import broker as local

    local.stop(data_dir)
    click.echo("broker stopped")


@broker.command("status")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def broker_status(data_dir: Path | None) -> None:
    """Say whether the broker runs; exit 3 when it does not (LSB: program is not running)."""
    from streams.devtools import broker as local

    st = local.status(data_dir)
    state = "running" if st.running else "stopped"
    click.echo(
        f"Kafka {st.version}: {state} on {st.bootstrap_servers} (pid {st.pid}, log {st.log_path})"
    )
    sys.exit(0 if st.running else local.EXIT_NOT_RUNNING)


@broker.command("fetch")
def broker_fetch() -> None:
    """Resolve the broker jars with Maven into the cache (no start)."""
    from streams.devtools import broker as local

    click.echo(local.ensure_jars())


@click.group()
def topics() -> None:
    """The processor's topics."""


@topics.command("create")
def topics_create() -> None:
    """Create every topic (idempotent): inputs, changelogs, subtotals, counts, dead letters."""
    from streams.kafka.topics import create_topics
    from streams.settings import Settings

    for spec, created in asyncio.run(create_topics(Settings())):
        state = "created" if created else "exists "
        click.echo(f"{state}  {spec.name:<45} partitions={spec.partitions:<3} {spec.purpose}")


#: Exit status of a command that could not do its work (1 means: drift found).
EXIT_CANNOT_RUN = 2


def _topics_report(job_name: str) -> Any:
    """Run `topics check` or `topics apply`; one line and exit 2 when it cannot run."""
    import logging

    from streams.kafka import topicadmin
    from streams.settings import Settings

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # the failure is said once, below
    job = topicadmin.check if job_name == "check" else topicadmin.apply
    try:
        return asyncio.run(topicadmin.run(Settings(), job))
    except topicadmin.TopicsUnavailable as exc:
        click.echo(f"error: topics {job_name} could not run: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)


@topics.command("check")
def topics_check() -> None:
    """Compare every topic's live partitions, replication and configuration with the specs;
    exit 1 listing each drift, 2 when the cluster cannot be asked."""
    report = _topics_report("check")
    for drift in report.drifts:
        click.echo(drift.line())
    if report.drifts:
        sys.exit(1)
    click.echo(f"all {report.topics} topics match their specs")


@topics.command("apply")
def topics_apply() -> None:
    """Alter the topics' configurations to the specs (never partitions or replication: those
    drifts are listed with what to do, exit 1); exit 2 when the cluster cannot be asked."""
    report = _topics_report("apply")
    for drift in report.changed:
        to = "the cluster's default" if drift.expected is None else drift.expected
        click.echo(f"altered  {drift.topic}: {drift.item} {drift.live} -> {to}")
    for drift in report.drifts:
        click.echo(f"left     {drift.line()}")
    if report.drifts:
        sys.exit(1)
    click.echo(f"all {report.topics} topics match their specs")


@click.command()
@click.option(
    "--web-port", type=int, default=None, help="HTTP port (default TRANSPARANTIE_WEB_PORT)."
)
@click.option("--loglevel", "-l", default=None, help="Log level (default TRANSPARANTIE_LOG_LEVEL).")
def worker(web_port: int | None, loglevel: str | None) -> None:
    """Run one Faust worker (join the consumer group; serve /counts, /metrics, /readyz)."""
    from streams.engine.app import run_worker
    from streams.settings import Settings

    settings = Settings() if web_port is None else Settings(web_port=web_port)
    level = loglevel or settings.log_level
    # --quiet: no banner on stdout, which would break a log shipper's JSON lines
    quiet = ["--quiet"] if settings.log_format == "json" else []
    run_worker(settings, [sys.argv[0], *quiet, "worker", "--loglevel", level,
                          "--web-port", str(settings.web_port), "--web-host", settings.web_host])  # fmt: skip


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--rate", type=float, default=None, help="At most this many events per second.")
@click.option("--progress/--no-progress", default=None)
@click.option(
    "--timestamps/--no-timestamps", default=True, show_default=True,
    help="Send each event with the time it became known (X.known_at beside X.avro), if any.",
)  # fmt: skip
def produce(
    files: tuple[Path, ...], rate: float | None, progress: bool | None, timestamps: bool
) -> None:
    """Publish the events of Avro files (as written by `generate`) to their input topics.

    `generate` writes beside each file the moment each event became known; the events are sent
    with those Kafka timestamps (never later than now), so that the history can be rebuilt
    "as known at" any day (`history backfill`). Without them they are stamped when sent.
    """
    from tqdm import tqdm

    from streams.codecs.files import count_records
    from streams.codecs.wire import writer_schemas
    from streams.kafka.producer import publish, timed_messages
    from streams.settings import Settings

    settings = Settings()
    paths = expand(files)
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=count_records(paths), unit=" events", disable=not show, file=sys.stderr)
    writers = writer_schemas(settings)
    items = timed_messages(paths, settings, writers, timestamps)
    try:
        sent = asyncio.run(publish(items, settings, rate, bar, writers))
    except RegistryUnavailable as exc:  # FRAMING=confluent: the schemas could not be registered
        raise click.ClickException(str(exc)) from exc
    bar.close()
    click.echo(f"published {sent} events", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("--timeout", type=float, default=30.0, show_default=True)
@click.option("--peildatum", type=DATE, default=None, help="A day of the history (YYYY-MM-DD).")
@click.option(
    "--snapshot", is_flag=True,
    help="Prove the day's snapshot: recompute it from the input topics up to its offsets.",
)  # fmt: skip
@click.option(
    "--known-at", default=None, metavar="TIME",
    help="Recompute the day from the input messages known at TIME (ISO 8601; a date: its end).",
)  # fmt: skip
def report(
    fmt: Format, timeout: float, peildatum: datetime | None, snapshot: bool, known_at: str | None
) -> None:
    """The publication table as it stands in the counts topic, or of a day of the history.

    With --peildatum D: the history's snapshot of D; with --snapshot as well, recomputed from the
    input topics up to exactly its offsets and proven equal (exit 1 and the differing cells
    otherwise); with --known-at T, the table of D from the messages known at T.
    """
    if peildatum is not None or known_at is not None:
        from streams.cli.history_commands import report_history
        from streams.service.history import day_of, parse_moment

        if peildatum is None:
            assert known_at is not None
            try:
                day = day_of(int(parse_moment(known_at).timestamp() * 1000))
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="--known-at") from exc
        else:
            day = peildatum.date()
        report_history(day, snapshot, known_at, fmt, timeout)
        return
    if snapshot:
        raise click.UsageError("--snapshot needs --peildatum")
    from streams.kafka.countsview import CountsView
    from streams.service.clock import Clock
    from streams.service.reference import load_regions
    from streams.settings import Settings

    settings = Settings()
    view = CountsView(settings, load_regions())
    try:
        asyncio.run(view.read_once(timeout))
    except RegistryUnavailable as exc:  # FRAMING=confluent: a writer schema could not be had
        raise click.ClickException(str(exc)) from exc
    day = Clock(settings.as_of, settings.as_of_file).today()
    click.echo(render(view.rows(day), fmt), nl=False)


@click.command()
@click.option("--format", "fmt", type=click.Choice(("table", "json")), default="table",
              show_default=True)  # fmt: skip
def lag(fmt: str) -> None:
    """The workers' consumer group: committed offsets against end offsets, per topic and
    partition (admin API; joins nothing, commits nothing). Exit 2 when it cannot be read."""
    from streams.cli.render import render_lag
    from streams.kafka.lag import group_lag
    from streams.settings import Settings

    settings = Settings()
    try:
        rows = asyncio.run(group_lag(settings))
    except Exception as exc:  # operational: no broker, no topic
        click.echo(f"error: cannot read the lag of group {settings.app_id}: {exc}", err=True)
        sys.exit(2)
    click.echo(render_lag(settings.app_id, rows, fmt), nl=False)


def register(group: click.Group) -> None:
    """Add the Kafka commands to the CLI group."""
    for command in (broker, topics, worker, produce, report, lag):
        group.add_command(command)
