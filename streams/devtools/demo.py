"""`transparantie demo`: broker, topics, a worker and a demo population, in one command."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import click

#: How long the demo waits, after publishing, for the live table to equal the expected one.
VERDICT_SECONDS = 120.0


def _step(command: list[str], env: dict[str, str]) -> str:
    """Run one command of the demo and return what it printed (its progress and errors go to
    the terminal); when it fails, it said why on stderr: stop in one line."""
    done = subprocess.run(command, env=env, check=False, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        step = " ".join(command[3:5])
        raise click.ClickException(f"`transparantie {step}` failed (exit {done.returncode})")
    return done.stdout


@click.command()
@click.option(
    "--clients", type=int, default=50_000, show_default=True, help="Demo population size."
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--web-port", type=int, default=6066, show_default=True)
def demo(clients: int, seed: int, web_port: int) -> None:
    """Start the local broker, create topics, run a worker, publish a demo population and
    backfill its history (five quarters)."""
    from streams.devtools import broker as local
    from streams.devtools.generate import EXPECTED_QUARTERS_FILE, MANIFEST_FILE
    from streams.devtools.stack import Worker, WorkerExited, population
    from streams.service.clock import amsterdam_today
    from streams.settings import Settings

    settings = Settings(web_port=web_port)
    if settings.security_protocol != "PLAINTEXT":
        raise click.ClickException(
            "the demo starts a local PLAINTEXT broker: unset TRANSPARANTIE_SECURITY_PROTOCOL (now "
            f"{settings.security_protocol}), or run topics create, worker and produce yourself "
            "against your cluster"
        )
    local.start()
    env = {**os.environ, "TRANSPARANTIE_WEB_PORT": str(web_port)}
    as_of = settings.as_of or amsterdam_today()
    env.setdefault("TRANSPARANTIE_AS_OF", as_of.isoformat())
    run = [sys.executable, "-m", "streams"]
    _step([*run, "topics", "create"], env)
    pop = population(
        Path(".cache") / "demo" / f"{clients}-{seed}-{as_of.isoformat()}", clients, seed, as_of,
        progress=True,
    )  # fmt: skip
    # the worker's output goes to this terminal; it runs in the current folder, like the demo
    worker = Worker(env, port=web_port, host=settings.web_host, cwd=Path.cwd()).start()
    try:
        worker.wait_ready(timeout=math.inf)  # recovering a large state may take a while
        started = time.monotonic()
        click.echo(_step([*run, "produce", str(pop), "--progress"], env), nl=False)
        published = time.monotonic() - started
        # the population has a past: its events are stamped with when they became known, so
        # the days before today are rebuilt from the input topics as known at their end
        first = json.loads((pop / MANIFEST_FILE).read_text())["history"]["window_start"]
        started = time.monotonic()
        days = _step([*run, "history", "backfill", "--from", first], env).splitlines()
        click.echo(
            f"\nPublished the demo population in {published:.1f} s; backfilled its history of "
            f"{len(days)} days ({days[0].split()[0]} .. {days[-1].split()[0]}) in "
            f"{time.monotonic() - started:.1f} s.\n"
            f"  live page : {worker.url}/\n  table JSON: {worker.url}/counts\n"
            f"  history   : {worker.url}/history?regio=NL\n"
            f"  metrics   : {worker.url}/metrics\n  expected  : {pop / 'expected.json'},"
            f" {pop / EXPECTED_QUARTERS_FILE}\n"
            "The worker keeps running; press Ctrl-C to stop it (the broker stays up:"
            " `transparantie broker stop`)."
        )
        click.echo(verdict(worker, pop / "expected.json", VERDICT_SECONDS))
        worker.wait()
    except WorkerExited:
        raise click.ClickException("the worker stopped; see its log above") from None
    except KeyboardInterrupt:
        pass
    finally:
        worker.stop(timeout=30)


def verdict(worker: Any, expected_path: Path, timeout: float) -> str:
    """Wait until the worker's /counts equals the population's expected table, at most
    `timeout` seconds; say in one line whether it does."""
    from streams.devtools.generate import load_expected

    expected = load_expected(expected_path.parent)
    started = time.monotonic()
    live: list[dict[str, Any]] | None = None
    while True:
        try:
            live = worker.counts()
        except (OSError, ValueError):  # not answering, or no whole table yet
            live = None
        if live == expected or time.monotonic() - started > timeout:
            return table_verdict(live, expected, time.monotonic() - started, expected_path)
        time.sleep(1.0)


def table_verdict(
    live: list[dict[str, Any]] | None, expected: list[dict[str, Any]], waited: float,
    expected_path: Path,
) -> str:  # fmt: skip
    """One line: the live table equals the expected one, or how it differs."""
    if live == expected:
        return (
            f"The live table equals the population's expected table ({len(expected)} rows,"
            f" {waited:.0f} s after publishing)."
        )
    if live is None:
        return f"The worker served no table within {waited:.0f} s; see its log above."
    wrong = [e["regio_code"] for e, got in zip(expected, live, strict=False) if e != got]
    wrong += ["(missing rows)"] * max(0, len(expected) - len(live))
    return (
        f"The live table does NOT equal the expected table after {waited:.0f} s: {len(wrong)} of"
        f" {len(expected)} rows differ ({', '.join(wrong[:5])}{', ...' if len(wrong) > 5 else ''});"
        f" compare /counts with {expected_path}."
    )
