"""One entry point for every format of the publication: the edition in, the file's bytes out."""

from __future__ import annotations

from streams.publication.formats import PublicationFormat
from streams.publication.html import PUBLISHER, render_html
from streams.publication.pdf import render_pdf
from streams.publication.sheet import render_csv, render_xlsx
from streams.service.publication import Edition


def render(
    edition: Edition,
    fmt: PublicationFormat,
    publisher: str = PUBLISHER,
    contact: str = "",
    bom: bool = False,
) -> bytes:
    """The edition in one format; `bom` starts a CSV with a UTF-8 byte order mark (Excel)."""
    if fmt == "pdf":
        return render_pdf(edition, publisher, contact)
    if fmt == "xlsx":
        return render_xlsx(edition, publisher)
    if fmt == "csv":
        return render_csv(edition, bom).encode("utf-8")
    return render_html(edition, publisher, contact).encode("utf-8")


def filename(edition: Edition, fmt: PublicationFormat) -> str:
    """transparantie-klantprofielen-2026-09-30.pdf"""
    return f"transparantie-klantprofielen-{edition.peildatum.isoformat()}.{fmt}"
