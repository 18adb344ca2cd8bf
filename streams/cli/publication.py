"""`transparantie publication`: one edition of the quarterly publication from the history topic."""

from __future__ import annotations

import asyncio
import sys
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

import click

from streams.publication.formats import BINARY, FORMATS, PublicationFormat
from streams.service.history import Snapshot
from streams.service.publication import MissingSnapshot, edition, edition_days

DATE = click.DateTime(formats=["%Y-%m-%d"])


def read_history(first: date, last: date) -> list[Snapshot]:
    """The snapshots of the history topic from `first` to `last` (both included)."""
    from streams.kafka.history import read_snapshots
    from streams.settings import Settings

    return asyncio.run(read_snapshots(Settings(), first, last))


def write(data: bytes, output: Path | None, out: BinaryIO) -> None:
    """To the file, or to `out`."""
    if output is not None:
        output.write_bytes(data)
        return
    out.write(data)
    out.flush()


@click.command()
@click.option("--peildatum", type=DATE, required=True, help="The day (YYYY-MM-DD), a quarter end.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: standard output).")  # fmt: skip
@click.option("--bom/--no-bom", default=False, help="CSV: start with a UTF-8 byte order mark, "
              "so that Dutch Excel reads the accents right.")  # fmt: skip
def publication(
    peildatum: datetime, fmt: PublicationFormat, output: Path | None, bom: bool
) -> None:
    """The quarterly publication of one peildatum as HTML, PDF, CSV (`;`) or xlsx, with the
    changes against the previous quarter end and a year earlier, from the history topic."""
    from streams.publication.pdf import PdfUnavailable
    from streams.publication.render import filename, render
    from streams.service.clock import AMSTERDAM
    from streams.settings import Settings

    day, _, oldest = edition_days(peildatum.date())
    if fmt in BINARY and output is None and sys.stdout.isatty():
        raise click.UsageError(f"--format {fmt} needs --output FILE or a pipe (| or >)")
    settings = Settings()
    try:
        found = edition(day, read_history(oldest, day), datetime.now(AMSTERDAM))
        data = render(found, fmt, settings.publication_publisher, settings.publication_contact, bom)
    except (MissingSnapshot, PdfUnavailable) as exc:
        raise click.ClickException(str(exc)) from exc
    write(data, output, sys.stdout.buffer)
    if output is not None:
        click.echo(f"wrote {output} ({filename(found, fmt)}, {len(data)} bytes)", err=True)


def register(group: click.Group) -> None:
    """Add the publication command to the CLI group."""
    group.add_command(publication)
