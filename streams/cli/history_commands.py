"""The daily history: `history backfill|list`, and what `report --peildatum` does with it."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime, timedelta
from typing import Any, NoReturn

import click

from streams.cli.offline import DATE
from streams.service.formats import Format, render, text_table
from streams.service.history import Snapshot, Source, local_time, parse_moment


def _fail(exc: BaseException) -> NoReturn:
    """One line naming the cause, exit 2 (1 means: not equal)."""
    click.echo(f"error: {type(exc).__name__}: {exc}", err=True)
    sys.exit(2)


def _run(job: Any) -> Any:
    try:
        return asyncio.run(job)
    except Exception as exc:  # operational: no broker, no topic, no snapshot of the day
        _fail(exc)


def describe(snapshot: Snapshot) -> str:
    """How a snapshot was made, in one line (no figures)."""
    p = snapshot.provenance
    how = (
        "live: the worker's table at the end of the day"
        if p.source is Source.LIVE
        else f"backfilled: as known at {local_time(p.known_at) if p.known_at else '?'}"
    )
    written = f", written {local_time(p.made_at)}" if p.made_at else ""
    mark = ", a quarter end (publication peildatum)" if snapshot.quarter_end else ""
    return (
        f"{snapshot.peildatum.isoformat()}{mark}: {how}{written}; "
        f"{len(p.offsets)} input partitions, {sum(p.offsets.values())} messages below the offsets"
    )


@click.group()
def history() -> None:
    """The history topic: the final table of every counting day, with what it reflects."""


@history.command("backfill")
@click.option("--from", "first", type=DATE, required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "last", type=DATE, default=None, help="Last day; default yesterday.")
@click.option("--replace", is_flag=True, help="Also replace days that have a live snapshot.")
@click.option(
    "--processes", type=click.IntRange(min=1), default=1, show_default=True,
    help="Fold the partition numbers in this many processes (cores to spare: up to one each).",
)  # fmt: skip
def backfill(first: datetime, last: datetime | None, replace: bool, processes: int) -> None:
    """Rebuild past days from the input topics in one pass and write them to the history.

    Each day is the table as known at the end of that day in Europe/Amsterdam: every input
    message before the first one with a Kafka timestamp after that moment (offsets by time).
    Days that have a live snapshot keep it unless --replace. Prints each day written.
    """
    from streams.kafka.backfill import backfill_history
    from streams.service.clock import Clock
    from streams.service.reference import load_regions
    from streams.settings import Settings

    settings = Settings()
    today = Clock(settings.as_of, settings.as_of_file).today()
    to = last.date() if last else today - timedelta(days=1)
    if to >= today:
        _fail(ValueError(f"{to.isoformat()} is not over yet (today is {today.isoformat()})"))
    if first.date() > to:
        _fail(ValueError(f"--from {first.date().isoformat()} is after {to.isoformat()}"))
    job = backfill_history(settings, load_regions(), first.date(), to, replace, processes)
    report = _run(job)
    for snapshot in report.written:
        nl = snapshot.rows[-1]
        known = snapshot.provenance.known_at
        mark = "  quarter end" if snapshot.quarter_end else ""
        click.echo(
            f"{snapshot.peildatum.isoformat()}  known at {local_time(known) if known else '?'}"
            f"  NL totaal {nl.totaal}{mark}"
        )
    if report.skipped:
        click.echo(f"kept the live snapshots of {len(report.skipped)} day(s)", err=True)
    click.echo(
        f"wrote {len(report.written)} day(s) from {report.events} input messages "
        f"({sum(report.rejected.values())} skipped as the worker dead-letters them) in "
        f"{report.processes} process(es): read in {report.read_seconds:.1f} s, folded in "
        f"{report.fold_seconds:.1f} s (summed over the partition numbers)",
        err=True,
    )


@history.command("list")
@click.option("--from", "first", type=DATE, default=None)
@click.option("--to", "last", type=DATE, default=None)
def list_days(first: datetime | None, last: datetime | None) -> None:
    """The days in the history: source, quarter end, known-at time and the Nederland total."""
    from streams.kafka.history import read_snapshots
    from streams.settings import Settings

    found: list[Snapshot] = _run(
        read_snapshots(Settings(), first.date() if first else None, last.date() if last else None)
    )
    rows = [
        (
            s.peildatum.isoformat(),
            s.provenance.source.value,
            "yes" if s.quarter_end else "",
            local_time(s.provenance.known_at) if s.provenance.known_at else "",
            str(s.rows[-1].totaal if s.rows else 0),
        )
        for s in found
    ]
    headers = ("peildatum", "source", "quarter_end", "known_at", "NL totaal")
    click.echo(text_table(headers, rows, right=(4,)) + f"\n{len(found)} day(s)")


def report_history(
    peildatum: date, snapshot: bool, known_at: str | None, fmt: Format, timeout: float
) -> None:
    """`report --peildatum D [--snapshot | --known-at T]`: the day's table from the history,
    proven against the input topics, or recomputed as known at a moment."""
    from streams.service.reference import load_regions
    from streams.settings import Settings

    settings, regions = Settings(), load_regions()
    if known_at is not None:
        from streams.kafka.jobs import table_known_at

        try:
            moment = parse_moment(known_at)
        except ValueError as exc:
            _fail(exc)
        found: Snapshot = _run(table_known_at(settings, regions, peildatum, moment))
        click.echo(render(found.rows, fmt), nl=False)
        click.echo(describe(found), err=True)
        return
    if not snapshot:
        from streams.kafka.history import read_snapshots

        days = _run(read_snapshots(settings, peildatum, peildatum, timeout))
        if not days:
            _fail(LookupError(f"the history has no snapshot of {peildatum.isoformat()}"))
        click.echo(render(days[0].rows, fmt), nl=False)
        click.echo(describe(days[0]), err=True)
        return
    from streams.kafka.jobs import prove_snapshot

    proof = _run(prove_snapshot(settings, regions, peildatum, timeout))
    click.echo(render(proof.snapshot.rows, fmt), nl=False)
    click.echo(describe(proof.snapshot), err=True)
    summary = f"recomputed from {proof.events} input messages up to the snapshot's offsets"
    if proof.proven:
        click.echo(f"proven: the snapshot equals the table {summary}", err=True)
        return
    if proof.unnamed:
        named = ", ".join(f"{t}[{p}]" for t, p in proof.unnamed)
        click.echo(f"NOT PROVEN: the provenance does not name {named}", err=True)
    if proof.differences:
        table = text_table(
            ("region", "column", "snapshot", "recomputed"),
            [(d.region, d.column, str(d.actual), str(d.expected)) for d in proof.differences],
            right=(2, 3),
        )
        click.echo(
            f"NOT PROVEN: {len(proof.differences)} cell(s) of the snapshot differ from the "
            f"table {summary}\n{table}",
            err=True,
        )
    sys.exit(1)


def register(group: click.Group) -> None:
    """Add the history commands to the CLI group."""
    group.add_command(history)
