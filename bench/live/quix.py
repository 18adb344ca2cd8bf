"""(4) the Quix Streams contender: the plain loop's work as a Quix application, in its own venv.

Quix Streams 3.28.1 needs confluent-kafka <2.13, the project pins 2.16.1 (its schema registry
client): so Quix runs in a virtualenv of its own, `.cache/bench-quix-venv`, made with
`--system-site-packages` (it sees the project's other packages) and `pip install
quixstreams==<the pin of the `quix` extra in pyproject.toml>`, which shadows confluent-kafka
there only. `ensure_venv` makes it on first use. The contender imports only streams modules
that never import confluent_kafka (domain, service, codecs; not streams.kafka), and checks so.

The work per message is the plain loop's: `Admission.handle` (decode, validate, fold), the
ledger update (classify before and after), the four input topics concatenated into one
dataframe, the client's state kept with a stateful apply in Quix's RocksDB store (encoded
with the worker's state codec) and its changelog topic.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from bench.live.harness import AS_OF, PROJECT, memory, write_json
from streams.settings import Settings

VENV = PROJECT / ".cache" / "bench-quix-venv"
MODULE = "bench.live.quix"


class VenvUnavailable(RuntimeError):
    """The Quix contender's virtualenv could not be made; the message says what to do."""


def requirement() -> str:
    """The Quix pin, from the `quix` extra of pyproject.toml (one place to change it)."""
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    quix: list[str] = project["optional-dependencies"]["quix"]
    return quix[0]


def venv_python() -> Path:
    """The interpreter of the Quix virtualenv."""
    return VENV / "bin" / "python"


def _has(python: Path, pin: str) -> bool:
    version = pin.split("==", 1)[1]
    check = f"import quixstreams, sys; sys.exit(quixstreams.__version__ != {version!r})"
    return (
        python.exists()
        and subprocess.run([python, "-c", check], capture_output=True).returncode == 0
    )


def ensure_venv() -> Path:
    """The virtualenv's interpreter, the venv made (and Quix installed into it) if missing."""
    pin, python = requirement(), venv_python()
    if _has(python, pin):
        return python
    print(f"making {VENV} for the Quix contender ({pin})", flush=True)
    steps = {
        "python -m venv": [sys.executable, "-m", "venv", "--system-site-packages", str(VENV)],
        "pip install": [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        pin],
    }  # fmt: skip
    for label, step in steps.items():
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise VenvUnavailable(
                f"cannot make the Quix venv ({label}: {last}); make it by hand: "
                f"{sys.executable} -m venv --system-site-packages {VENV} && {python} -m pip "
                f"install '{pin}', or leave Quix out with --skip quix"
            )
    if not _has(python, pin):
        raise VenvUnavailable(f"{VENV} has no {pin} after installing it; remove the folder "
                              "and run again, or leave Quix out with --skip quix")  # fmt: skip
    return python


def quix_app(settings: Settings, total: int, out: Path, data_dir: Path) -> None:
    """(4): the four input topics concatenated, a stateful apply, Quix's RocksDB + changelog.
    Timed from the first message until Quix has committed its last checkpoint and stopped."""
    import confluent_kafka
    from quixstreams import Application, message_context
    from quixstreams.state.rocksdb import RocksDBOptions

    from streams.codecs import state as statecodec
    from streams.codecs.wire import worker_wire
    from streams.domain import publication_table
    from streams.service.admission import Admission
    from streams.service.ledger import Ledger
    from streams.service.ports import StoredClient
    from streams.service.reference import load_regions

    if "streams.kafka" in sys.modules:  # it needs the project's newer confluent-kafka
        raise SystemExit(f"the Quix contender imported streams.kafka (confluent-kafka "
                         f"{confluent_kafka.version()} here): keep it to domain/service/codecs")  # fmt: skip
    regions = load_regions()
    ledger = Ledger(regions, AS_OF)
    handle = Admission(worker_wire(settings, regions).decoders, regions).handle
    update = ledger.update
    app = Application(
        broker_address=settings.bootstrap_servers, consumer_group=settings.app_id,
        auto_offset_reset="earliest", state_dir=data_dir, loglevel="WARNING",
        # the worker's state codec, so that both encode the same bytes per state
        rocksdb_options=RocksDBOptions(dumps=statecodec.dumps, loads=statecodec.loads),
    )  # fmt: skip
    frames = [
        app.dataframe(app.topic(t, key_deserializer="bytes", value_deserializer="bytes"))
        for t in settings.event_topics()
    ]
    sdf = frames[0]
    for other in frames[1:]:
        sdf = sdf.concat(other)
    seen: dict[str, Any] = {"done": 0, "clients": 0}

    def apply(value: bytes, key: bytes, _timestamp: int, _headers: Any, state: Any) -> None:
        if not seen["done"]:
            seen.update(t_first=time.monotonic(), cpu_first=time.process_time(),
                        rss_first=memory(os.getpid())["VmRSS"])  # fmt: skip
        context = message_context()
        stored = state.get(b"c")
        before = None if stored is None else stored.state
        handled = handle(context.topic, key, value, before)
        if handled.state is not None:
            update(context.partition, handled.client_id, before, handled.state)
            state.set(b"c", StoredClient(context.partition, handled.state))
            seen["clients"] += stored is None
        seen["done"] += 1
        if seen["done"] == total:
            seen.update(t_last=time.monotonic(), cpu_last=time.process_time())
            app.stop()  # the run loop then commits the last checkpoint: state and changelog

    sdf.apply(apply, stateful=True, metadata=True)
    app.run(timeout=120)  # the timeout only ends a run that never sees all `total` messages
    t_end, cpu_end = time.monotonic(), time.process_time()
    mem = memory(os.getpid())
    rows = publication_table(ledger.totals(), regions, AS_OF)
    write_json(out, {
        "events": seen["done"], "complete": seen["done"] == total,
        "seconds": t_end - seen.get("t_first", t_end), "cpu": cpu_end - seen.get("cpu_first", 0.0),
        "seconds_to_last_event": seen.get("t_last", t_end) - seen.get("t_first", t_end),
        "cpu_to_last_event": seen.get("cpu_last", cpu_end) - seen.get("cpu_first", 0.0),
        "rss_start": seen.get("rss_first", 0), "rss_end": mem["VmRSS"], "peak_rss": mem["VmHWM"],
        "clients": seen["clients"], "counts": [r.to_json() for r in rows],
        "versions": {"quixstreams": _version("quixstreams"),
                     "confluent_kafka": confluent_kafka.version()[0]},
    })  # fmt: skip


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main() -> None:
    """Entry point of the contender subprocess, run by the venv's interpreter."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--total", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args()
    quix_app(Settings(), args.total, args.out, args.data_dir)


if __name__ == "__main__":
    main()
