"""HTTP views of a worker: the table as JSON, health, readiness, metrics and the live page."""

from __future__ import annotations

from datetime import date
from importlib import resources
from typing import Any

import faust
from faust import web
from faust.sensors.prometheus import setup_prometheus_sensors

from streams.domain import RegionCounts
from streams.engine.health import is_ready
from streams.engine.pages import register_pages
from streams.engine.worker import Worker
from streams.kafka.partitioning import partition_of
from streams.service import explain
from streams.service.timeline import history_csv, history_rows, parse_query, wants_csv

#: The answer of /counts before the worker has read a whole table from the counts topic: no
#: figures rather than figures that may be wrong (the page shows it as stale).
NOT_SERVING = {
    "error": "no complete table yet: the counts topic is being read or has none",
    "stale": True,
}


def explain_getter(app: faust.App, worker: Worker) -> explain.Getter:
    """Reads a client from this worker's table, only for the input partitions it owns now."""
    inputs = set(worker.settings.event_topics())
    partitions = worker.settings.partitions
    return explain.table_getter(
        app.table_io.get,  # type: ignore[attr-defined]
        lambda: {tp.partition for tp in app.assignor.assigned_actives() if tp.topic in inputs},
        lambda key: partition_of(key, partitions),
        lambda: worker.runtime.recovered,
    )


def register_views(app: faust.App, worker: Worker) -> None:
    """Add the worker's HTTP endpoints to the Faust web server."""
    # Faust mounts a JSON "production index" at "/" with no setting to turn it off;
    # "/" is our live page, so the aiohttp driver gets no production blueprints.
    from faust.web.drivers.aiohttp import Web

    Web.production_blueprints = []
    settings, runtime, view = worker.settings, worker.runtime, worker.counts_view
    setup_prometheus_sensors(
        app, pattern="/metrics", registry=worker.metrics.registry, name_prefix="faust"
    )

    @app.page("/counts")
    async def counts(self: web.View, request: web.Request) -> web.Response:
        if not view.serving():
            return self.json(NOT_SERVING, status=503)
        return self.json([row.to_json() for row in view.rows(runtime.today())])

    @app.page("/counts/{regio_code}")
    async def region(self: web.View, request: web.Request, regio_code: str) -> web.Response:
        if not view.serving():
            return self.json(NOT_SERVING, status=503)
        for row in view.rows(runtime.today()):
            if row.regio_code == regio_code.upper():
                return self.json(row.to_json())
        return self.json({"error": f"unknown region {regio_code!r}"}, status=404)

    @app.page("/healthz")
    async def healthz(self: web.View, request: web.Request) -> web.Response:
        live, why = worker.health.live(settings.stall_seconds)
        if live:
            return self.json({"status": "ok"})
        return self.json({"status": "stuck", "reason": why}, status=503)

    @app.page("/readyz")
    async def readyz(self: web.View, request: web.Request) -> web.Response:
        ready = is_ready(worker)
        current, why = worker.health.current(settings.stale_seconds)
        body: dict[str, Any] = {
            "ready": ready,
            "state_recovered": runtime.recovered,
            "counts_view_caught_up": view.caught_up.is_set(),
            "schema_registry_available": worker.schemas.available,
            "following_input": current,
        }
        if not current:
            body["reason"] = why
        return self.json(body, status=200 if ready else 503)

    async def history(view: web.View, request: web.Request, path: str) -> web.Response:
        try:
            query = parse_query(dict(request.rel_url.query), worker.regions)
        except ValueError as exc:
            return view.json({"error": str(exc)}, status=400)
        if not worker.history_view.caught_up.is_set():
            return view.json({"error": "the history topic is still being read"}, status=503)
        rows = history_rows(worker.history_view.snapshots(query.first, query.last), query)
        if wants_csv(path, request.headers.get("Accept")):
            return view.text(history_csv(rows), content_type="text/csv")  # aiohttp adds UTF-8
        return view.json(rows)

    @app.page("/history")
    async def history_json(self: web.View, request: web.Request) -> web.Response:
        return await history(self, request, "/history")

    @app.page("/history.csv")
    async def history_csv_file(self: web.View, request: web.Request) -> web.Response:
        return await history(self, request, "/history.csv")

    explain.check_settings(settings)  # enabled without a token: refuse to start
    get = explain_getter(app, worker)

    @app.page("/explain/{client_id}")
    async def explain_client(self: web.View, request: web.Request, client_id: str) -> web.Response:
        auth = request.headers.get("Authorization")
        status, body = explain.explain(
            client_id, auth, get, settings, worker.regions, runtime.today()
        )
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return self.json(body, status=status, headers=headers)

    def live() -> tuple[list[RegionCounts], date]:
        today = runtime.today()
        return view.rows(today), today

    register_pages(app, settings, worker.history_view.snapshots, live)

    page = resources.files("streams").joinpath("web_static").joinpath("index.html")

    @app.page("/")
    async def index(self: web.View, request: web.Request) -> web.Response:
        return self.html(page.read_text("utf-8") if page.is_file() else "<h1>transparantie</h1>")
