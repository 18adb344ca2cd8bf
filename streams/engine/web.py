"""HTTP views of a worker: the table as JSON, health, readiness, metrics and the live page."""

from __future__ import annotations

from importlib import resources
from typing import Any

import faust
from faust import web
from faust.sensors.prometheus import setup_prometheus_sensors

from streams.engine.metrics import Metrics
from streams.kafka.topics import CLIENTS_TABLE
from streams.service import explain
from streams.service.runtime import Runtime
from streams.settings import Settings


def is_ready(app: faust.App, runtime: Runtime) -> bool:
    """Ready: client state recovered, ledger rebuilt and the counts view caught up."""
    view = app.counts_view  # type: ignore[attr-defined]
    return bool(runtime.recovered and view.caught_up.is_set())


def register_views(app: faust.App, settings: Settings, runtime: Runtime, metrics: Metrics) -> None:
    """Add the worker's HTTP endpoints to the Faust web server."""
    # Faust mounts a JSON "production index" at "/" with no setting to turn it off;
    # "/" is our live page, so the aiohttp driver gets no production blueprints.
    from faust.web.drivers.aiohttp import Web

    Web.production_blueprints = []
    setup_prometheus_sensors(
        app, pattern="/metrics", registry=metrics.registry, name_prefix="faust"
    )
    view = app.counts_view  # type: ignore[attr-defined]

    @app.page("/counts")
    async def counts(self: web.View, request: web.Request) -> web.Response:
        return self.json([row.to_json() for row in view.rows(runtime.today())])

    @app.page("/counts/{regio_code}")
    async def region(self: web.View, request: web.Request, regio_code: str) -> web.Response:
        for row in view.rows(runtime.today()):
            if row.regio_code == regio_code.upper():
                return self.json(row.to_json())
        return self.json({"error": f"unknown region {regio_code!r}"}, status=404)

    @app.page("/healthz")
    async def healthz(self: web.View, request: web.Request) -> web.Response:
        return self.json({"status": "ok"})

    @app.page("/readyz")
    async def readyz(self: web.View, request: web.Request) -> web.Response:
        ready = is_ready(app, runtime)
        body: dict[str, Any] = {
            "ready": ready,
            "state_recovered": runtime.recovered,
            "counts_view_caught_up": view.caught_up.is_set(),
        }
        return self.json(body, status=200 if ready else 503)

    explain.check_settings(settings)  # enabled without a token: refuse to start
    inputs = set(settings.event_topics())
    get = explain.table_getter(
        app.tables[CLIENTS_TABLE],
        lambda: {tp.partition for tp in app.assignor.assigned_actives() if tp.topic in inputs},
        settings.partitions, lambda: runtime.recovered,
    )  # fmt: skip

    @app.page("/explain/{client_id}")
    async def explain_client(self: web.View, request: web.Request, client_id: str) -> web.Response:
        auth = request.headers.get("Authorization")
        status, body = explain.explain(client_id, auth, get, settings, runtime.regions)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return self.json(body, status=status, headers=headers)

    page = resources.files("streams").joinpath("web_static").joinpath("index.html")

    @app.page("/")
    async def index(self: web.View, request: web.Request) -> web.Response:
        return self.html(page.read_text("utf-8") if page.is_file() else "<h1>transparantie</h1>")
