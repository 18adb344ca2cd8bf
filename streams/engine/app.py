"""The Faust app factory: where the worker's parts are made and wired (the composition root)."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from functools import partial
from typing import Any, NoReturn

import faust
from faust.auth import SASLCredentials, SSLCredentials
from faust.serializers import codecs as faust_codecs
from faust.types.auth import CredentialsT

from streams.codecs import state as statecodec
from streams.codecs.wire import worker_wire, writer_schemas
from streams.engine.agents import wire_clients
from streams.engine.aggregator import wire_aggregator
from streams.engine.failures import OneLineWorker
from streams.engine.grouplag import wire_group_lag
from streams.engine.health import wire_health
from streams.engine.internals import CheckedTableManager, WorkerApp, check_internals
from streams.engine.localstate import check_cluster
from streams.engine.logs import worker_logging_config
from streams.engine.metrics import Metrics
from streams.engine.web import register_views
from streams.engine.worker import Worker
from streams.kafka.acls import worker_acls
from streams.kafka.countsview import CountsView
from streams.kafka.history import HistoryView
from streams.kafka.preflight import check_access
from streams.kafka.registry import schema_gate, worker_outputs
from streams.kafka.security import sasl_arguments, ssl_context, uses_sasl
from streams.service.aggregation import Aggregator
from streams.service.clock import Clock
from streams.service.daybook import Daybook
from streams.service.reference import load_regions
from streams.service.runtime import Runtime
from streams.settings import Settings


class ClientStateCodec(faust_codecs.Codec):
    """Faust codec for the values of the client table."""

    def _dumps(self, obj: Any) -> bytes:
        return statecodec.dumps(obj)

    def _loads(self, s: bytes) -> Any:
        return statecodec.loads(s)


faust_codecs.register("client_state", ClientStateCodec())


def faust_broker_url(bootstrap_servers: str) -> str:
    """'h1:9092,h2:9092' -> 'kafka://h1:9092;h2:9092'."""
    return "kafka://" + ";".join(s.strip() for s in bootstrap_servers.split(","))


def broker_credentials(settings: Settings) -> CredentialsT | None:
    """Faust's credentials from the security settings, made of the same TLS context and SASL
    values as every other client's (streams/kafka/security.py); Faust hands them to aiokafka."""
    context = ssl_context(settings)
    if uses_sasl(settings):
        sasl = sasl_arguments(settings)
        return SASLCredentials(
            username=sasl["sasl_plain_username"],
            password=sasl["sasl_plain_password"],
            mechanism=sasl["sasl_mechanism"],
            ssl_context=context,  # SASL_SSL with a context, SASL_PLAINTEXT without
        )
    return SSLCredentials(context) if context is not None else None


def create_app(settings: Settings | None = None) -> faust.App:
    """Build the worker app for the given settings (from the environment by default)."""
    check_internals()  # an upgraded faust-streaming or aiokafka fails here, in one line
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    app = WorkerApp(
        settings.app_id,
        broker=faust_broker_url(settings.bootstrap_servers),
        broker_credentials=broker_credentials(settings),
        Worker=OneLineWorker,  # Kafka failures end in one line (streams/engine/failures.py)
        store="rocksdb://" if settings.store == "rocksdb" else "memory://",
        datadir=str(settings.data_dir),
        web_host=settings.web_host,
        web_port=settings.web_port,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=False,  # `transparantie topics create` creates every topic
        topic_disable_leader=True,
        table_standby_replicas=0,
        consumer_auto_offset_reset="earliest",
        web_tables_enabled=False,  # table contents are personal data
        web_router_enabled=False,
        producer_acks=-1,
        producer_linger=0.005,
        # a killed worker's partitions move after this long without heartbeats; with a stable
        # INSTANCE_ID (static membership) a restarted worker takes them back at once
        broker_session_timeout=settings.session_timeout_seconds,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_seconds / 5),
        consumer_group_instance_id=settings.instance_id,
        # the consumer hands over a fetch at a time (streams/engine/internals); unbounded, a
        # catch-up fetch held 150 000 records and blocked the loop (web, timers) for 9 s
        broker_max_poll_records=10_000,
        # local state ahead of its changelog is discarded and restored, not fatal
        TableManager=CheckedTableManager,
        logging_config=worker_logging_config(settings),  # LOG_FORMAT, filters (engine/logs.py)
    )
    tune_gc()
    regions = load_regions()
    clock = Clock(settings.as_of, settings.as_of_file)
    metrics = Metrics()
    writers = writer_schemas(settings)  # shared: the registry fetches into what decoders read
    wire = worker_wire(settings, regions, writers)
    gate = schema_gate(settings, writers, worker_outputs(settings), metrics)
    worker = Worker(
        settings, regions, clock, metrics,
        Runtime(regions, clock, wire, metrics, settings.partitions),
        Aggregator(regions, settings.partitions, wire, metrics),
        CountsView(settings, regions, writers, gate),
        gate,
        Daybook(regions, settings.partitions),
        HistoryView(settings, writers, gate),
    )  # fmt: skip
    app.worker = worker  # type: ignore[attr-defined]
    # tables restored from another cluster are discarded before any store opens
    app.before_start = partial(check_cluster, settings, app.conf.tabledir)
    wire_clients(app, worker)
    wire_aggregator(app, worker)
    wire_health(app, worker)
    wire_group_lag(app, worker)
    register_views(app, worker)
    return app


def run_worker(settings: Settings, argv: list[str]) -> NoReturn:
    """Check that the worker can reach the brokers, log in and do all it needs (one line and
    exit 2 when not: streams/cli), then run the Faust worker with Faust's command line `argv`."""
    app = create_app(settings)
    loop = asyncio.new_event_loop()  # its own: Faust makes and keeps the worker's loop
    client_log = logging.getLogger("aiokafka")
    level = client_log.level
    client_log.setLevel(logging.CRITICAL)  # a failure is said once, by the caller
    try:
        loop.run_until_complete(check_access(settings, worker_acls(settings)))
    finally:
        loop.close()
        client_log.setLevel(level)
    sys.argv = argv
    app.main()


def tune_gc() -> None:
    """Collect garbage less often: client states hold no reference cycles, and the default
    thresholds made the cyclic collector take about a third of the core's time (bench.core)."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
