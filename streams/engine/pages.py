"""HTTP views for people: the publication, the page's trends and changes, the table as CSV, the
accessibility statement and the OpenAPI document. Thin: each calls the layers below."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime
from importlib import resources

import faust
from faust import web

from streams.domain import RegionCounts
from streams.engine.openapi import document
from streams.publication.formats import FORMATS, MEDIA_TYPES
from streams.publication.pdf import PdfUnavailable
from streams.publication.render import filename, render
from streams.publication.sheet import table_csv
from streams.publication.trend import render_svg, trend_to_json
from streams.service import trends
from streams.service.clock import AMSTERDAM
from streams.service.history import Snapshot, year_earlier
from streams.service.publication import MissingSnapshot, edition, edition_days
from streams.settings import Settings

#: The history at hand: the snapshots from the first to the last day (None: unbounded).
History = Callable[[date | None, date | None], list[Snapshot]]
#: The live table of the day of counting, and that day.
Live = Callable[[], tuple[list[RegionCounts], date]]


def static_page(name: str) -> str:
    """A page of streams/web_static."""
    return resources.files("streams").joinpath("web_static", name).read_text("utf-8")


def typed(media_type: str, **headers: str) -> dict[str, str]:
    """Response headers with the Content-Type (aiohttp takes a charset only this way)."""
    return {"Content-Type": media_type, **headers}


def register_pages(app: faust.App, settings: Settings, history: History, live: Live) -> None:
    """Add the views for people to the Faust web server."""

    @app.page("/counts.csv")
    async def counts_csv(self: web.View, request: web.Request) -> web.Response:
        rows, today = live()
        name = f"transparantie-klantprofielen-live-{today.isoformat()}.csv"
        disposition = f'attachment; filename="{name}"'
        headers = typed(MEDIA_TYPES["csv"], **{"Content-Disposition": disposition})
        return self.bytes(table_csv(rows, bom=True).encode("utf-8"), headers=headers)

    @app.page("/changes")
    async def changes(self: web.View, request: web.Request) -> web.Response:
        rows, today = live()
        found = trends.changes(history(year_earlier(today), today), rows, today)
        return self.json(trends.changes_to_json(found))

    async def trend_of(request: web.Request, code: str) -> trends.Trend | str:
        measure = request.query.get("maat", "totaal")
        compare = request.query.get("vergelijk", "")
        if measure not in trends.MEASURES or compare not in ("", "NL"):
            return "maat must be totaal or dekking, vergelijk NL or absent"
        rows, today = live()
        first, last = trends.window(today)
        found = trends.trend(history(first, last), code.upper(), measure,
                             compare == "NL", today, rows)  # fmt: skip
        return found if found is not None else f"unknown region {code!r}"

    @app.page("/trend/{regio_code}.svg")
    async def trend_svg(self: web.View, request: web.Request, regio_code: str) -> web.Response:
        found = await trend_of(request, regio_code)
        if isinstance(found, str):
            return self.json({"error": found}, status=404 if "region" in found else 400)
        svg = render_svg(found).encode("utf-8")
        return self.bytes(svg, headers=typed("image/svg+xml; charset=utf-8"))

    @app.page("/trend/{regio_code}.json")
    async def trend_json(self: web.View, request: web.Request, regio_code: str) -> web.Response:
        found = await trend_of(request, regio_code)
        if isinstance(found, str):
            return self.json({"error": found}, status=404 if "region" in found else 400)
        return self.json(trend_to_json(found))

    @app.page("/publication/{peildatum}.{fmt}")
    async def publication(
        self: web.View, request: web.Request, peildatum: str, fmt: str
    ) -> web.Response:
        if fmt not in FORMATS:
            return self.json(
                {"error": f"no format {fmt!r}: one of {', '.join(FORMATS)}"}, status=404
            )
        try:
            day = date.fromisoformat(peildatum)
        except ValueError:
            return self.json(
                {"error": f"peildatum {peildatum!r} is no day (YYYY-MM-DD)"}, status=400
            )
        _, _, oldest = edition_days(day)
        try:
            found = edition(day, history(oldest, day), datetime.now(AMSTERDAM))
            # a PDF takes a second or two of CPU: off the event loop, so /counts stays quick
            data = await asyncio.get_running_loop().run_in_executor(
                None, render, found, fmt,
                settings.publication_publisher, settings.publication_contact, fmt == "csv",
            )  # fmt: skip
        except MissingSnapshot as exc:
            return self.json({"error": str(exc)}, status=404)
        except PdfUnavailable as exc:
            return self.json({"error": str(exc)}, status=503)
        disposition = "inline" if fmt in ("pdf", "html") else "attachment"
        named = f'{disposition}; filename="{filename(found, fmt)}"'
        return self.bytes(data, headers=typed(MEDIA_TYPES[fmt], **{"Content-Disposition": named}))

    @app.page("/toegankelijkheid")
    async def accessibility(self: web.View, request: web.Request) -> web.Response:
        return self.html(static_page("toegankelijkheid.html"))

    @app.page("/openapi.json")
    async def openapi(self: web.View, request: web.Request) -> web.Response:
        return self.json(document())
