"""The publication as an A4 PDF: the HTML edition laid out by WeasyPrint (Debian's pango)."""

from __future__ import annotations

from streams.publication.html import PUBLISHER, render_html
from streams.service.publication import Edition


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (pango) are not installed."""


def render_pdf(edition: Edition, publisher: str = PUBLISHER, contact: str = "") -> bytes:
    """The publication of one edition as PDF bytes."""
    try:
        # imported here: loading WeasyPrint loads pango, which only the PDF needs
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            f"PDF needs WeasyPrint and Debian's pango ({exc}): run `bash .ci/install-publication`"
        ) from exc
    html = weasyprint.HTML(string=render_html(edition, publisher, contact))
    pdf: bytes = html.write_pdf()
    return pdf
