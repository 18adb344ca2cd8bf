"""Commands that need no broker: replay an event log, generate a demo population."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from streams.service.clock import Clock
from streams.service.formats import FORMATS, Format, render

DATE = click.DateTime(formats=["%Y-%m-%d"])


def as_day(value: datetime | None) -> date:
    """A click DateTime (or nothing) as the day of counting."""
    return Clock(value.date() if value else None).today()


def expand(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; a directory stands for the *.avro files in it."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.avro")) if path.is_dir() else [path]
    return files


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--as-of", type=DATE, help="Day of counting (YYYY-MM-DD); default today (Amsterdam).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on stderr (default: on a terminal).",
)
def replay(
    files: tuple[Path, ...], as_of: datetime | None, fmt: Format, progress: bool | None
) -> None:
    """Fold Avro event files (any number, any order; a directory = its *.avro) into the table."""
    from tqdm import tqdm

    from streams.codecs.events import event_from_record
    from streams.codecs.files import count_records, records_of
    from streams.service.reference import load_regions
    from streams.service.replay import replay as run_replay

    paths = expand(files)
    show = sys.stderr.isatty() if progress is None else progress
    total = count_records(paths) if show else None
    bar = tqdm(records_of(paths), total=total, unit=" events", disable=not show, file=sys.stderr)
    result = run_replay(bar, event_from_record, as_day(as_of), load_regions())
    click.echo(render(result.rows, fmt), nl=False)
    if result.rejected:
        total_rejected = sum(result.rejected.values())
        click.echo(f"{total_rejected} invalid events skipped, by reason:", err=True)
        for reason, n in result.rejected.most_common():
            click.echo(f"  {n:>8}  {reason}", err=True)


@click.command()
@click.option("--clients", type=int, default=300_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--as-of", type=DATE, help="Day the population is built for; default today.")
@click.option("--progress/--no-progress", default=True)
def generate(
    clients: int, seed: int, out_dir: Path, as_of: datetime | None, progress: bool
) -> None:
    """Write a synthetic population (Avro files) and the table it was built to reach."""
    from streams.devtools.generate import generate as run_generate

    summary = run_generate(clients, seed, out_dir, as_day(as_of), progress=progress)
    click.echo(f"wrote {out_dir}: {summary}", err=True)


def register(group: click.Group) -> None:
    """Add the offline commands to the CLI group."""
    group.add_command(replay)
    group.add_command(generate)
