"""A secured broker (SASL_SSL with SCRAM-SHA-512, mutual TLS, ACLs enforced), end to end.

The worker runs with exactly the ACLs of `transparantie acls create` (docs/operations.md,
Least privilege) and counts exactly; `report` and `reconcile` work as the same principal. A
principal lacking one ACL is refused before it starts, and bad credentials, an untrusted CA,
a hostname mismatch or missing ACLs stop every command and the worker within seconds, with
one line that names the cause.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.devtools.stack import (
    PROJECT,
    Worker,
    cli,
    free_port,
    load_expected,
    stack_env,
    wait_until,
)
from streams.kafka.acls import Acl, create_acls, worker_acls
from streams.settings import Settings
from tests.integration.live import converged
from tests.integration.secured import ADMIN, WORKER, SecuredCluster

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
AS_OF = "2026-11-29"


def run(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess[str], float]:
    """`transparantie ARGS` whatever its exit code, and how long it took."""
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=env, cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done, time.monotonic() - began


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population")
    cli({}, "generate", "--clients", "600", "--seed", "11", "--out", str(out), "--as-of", AS_OF,
        "--no-progress")  # fmt: skip
    return out


@pytest.mark.parametrize("listener", ["SASL_SSL", "mTLS"])
def test_a_worker_with_exactly_its_acls_counts_exactly_and_report_and_reconcile_agree(
    secured_kafka: SecuredCluster, population: Path, tmp_path: Path, listener: str
) -> None:
    name = f"sec-{listener.lower().replace('_', '')}"
    stack = stack_env(secured_kafka.sasl, name, tmp_path, TRANSPARANTIE_AS_OF=AS_OF)
    admin = {**stack, **secured_kafka.sasl_env(ADMIN)}
    if listener == "SASL_SSL":
        principal, security = f"User:{WORKER[0]}", secured_kafka.sasl_env(WORKER)
    else:
        principal, security = "User:mtls-worker", secured_kafka.mtls_env("mtls-worker")
    as_worker = {**stack, **security}

    assert "created" in cli(admin, "topics", "create")
    granted = cli(admin, "acls", "create", "--principal", principal)
    assert (
        granted.count("allowed") == len(worker_acls(settings_of(admin))) and "CREATE" not in granted
    )
    producer = {**stack, **secured_kafka.mtls_env("sonar-producer")}
    grant(admin, "User:sonar-producer", [("WRITE", "topic", t) for t in input_topics(admin)])
    worker = Worker(as_worker, tmp_path / "worker.log").start()
    try:
        worker.wait_ready()
        cli(producer, "produce", str(population), "--no-progress")
        expected = load_expected(population)
        wait_until(lambda: converged(worker, expected), 120, "/counts to equal expected.json")
        assert json.loads(cli(as_worker, "report", "--format", "json")) == expected
        reconciled = json.loads(cli(as_worker, "reconcile", "--format", "json", "--settle", "30"))
        assert reconciled["drift"] is False
    finally:
        worker.stop()


@pytest.mark.parametrize(
    "missing",
    [("WRITE", "topic", "sec-partial.dead-letters"), ("READ", "group", "t-sec-partial")],
    ids=["no WRITE on the dead letters", "no READ on the group"],
)
def test_a_principal_lacking_one_of_the_acls_is_refused_before_it_starts(
    secured_kafka: SecuredCluster, tmp_path: Path, missing: tuple[str, str, str]
) -> None:
    cn = f"partial-{missing[1]}"
    stack = stack_env(secured_kafka.sasl, "sec-partial", tmp_path)
    admin = {**stack, **secured_kafka.sasl_env(ADMIN)}
    cli(admin, "topics", "create")
    grant_all_but(admin, f"User:{cn}", missing)
    env = {**stack, **secured_kafka.mtls_env(cn)}
    port = free_port()
    done, took = run(env, "worker", "--web-port", str(port))
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip() == (
        f"error: the principal of the client certificate {cn}.crt lacks the ACL {missing[0]} "
        f"on {missing[1]} {missing[2]!r} that the worker needs: grant the ACLs listed in "
        "docs/operations.md (Least privilege)"
    )
    assert took < 60


def settings_of(env: dict[str, str]) -> Settings:
    """The settings a command would read from `env`."""
    return Settings(**{k.removeprefix("TRANSPARANTIE_").lower(): v for k, v in env.items()
                       if k.startswith("TRANSPARANTIE_")})  # fmt: skip


def input_topics(env: dict[str, str]) -> list[str]:
    """The input topics of the stack."""
    return list(settings_of(env).event_topics())


def grant(admin: dict[str, str], principal: str, acls: list[tuple[str, str, str]]) -> None:
    """Create ACLs (operation, resource, name) for `principal`, as the admin."""
    asyncio.run(create_acls(settings_of(admin), principal, [Acl(r, n, o) for o, r, n in acls]))


def grant_all_but(admin: dict[str, str], principal: str, missing: tuple[str, str, str]) -> None:
    """The worker's ACLs for `principal` but one (operation, resource, name)."""
    acls = [(a.operation, a.resource, a.name) for a in worker_acls(settings_of(admin))]
    assert missing in acls
    grant(admin, principal, [a for a in acls if a != missing])


COMMANDS = {
    "worker": ("worker", "--web-port", "{port}"),
    "topics create": ("topics", "create"),
    "produce": ("produce", "{population}", "--no-progress"),
    "report": ("report", "--timeout", "20"),
    "reconcile": ("reconcile", "--settle", "0", "--timeout", "20"),
    "dead-letters list": ("dead-letters", "list"),
    "dead-letters replay": ("dead-letters", "replay"),
}
FAILURES = {
    "bad credentials": r"SASL authentication as 'worker' \(SCRAM-SHA-512\) failed .* rejected",
    "untrusted CA": r"TLS: the broker's certificate .* is not signed by a trusted CA .*SSL_CAFILE",
    "hostname mismatch": r"TLS: the broker's certificate is not valid for .* \(hostname mismatch\)",
    "missing ACLs": r"client certificate stranger.crt (lacks the ACL|may not|is not authorized)",
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_every_command_and_the_worker_stop_with_one_line_naming_the_cause(
    secured_kafka: SecuredCluster, population: Path, tmp_path: Path, failure: str
) -> None:
    stack = stack_env(secured_kafka.sasl, "sec-fail", tmp_path)
    cli({**stack, **secured_kafka.sasl_env(ADMIN)}, "topics", "create")
    env = {**stack, **{
        "bad credentials": secured_kafka.sasl_env(("worker", "not-the-password")),
        "untrusted CA": secured_kafka.sasl_env(
            WORKER, TRANSPARANTIE_SSL_CAFILE=str(secured_kafka.stranger_ca.cert_file)),
        "hostname mismatch": secured_kafka.sasl_env(
            WORKER, TRANSPARANTIE_BOOTSTRAP_SERVERS=f"localhost:{secured_kafka.sasl_port}"),
        "missing ACLs": secured_kafka.mtls_env("stranger"),
    }[failure]}  # fmt: skip
    problems = []
    for command, arguments in COMMANDS.items():
        args = [a.format(port=free_port(), population=population) for a in arguments]
        done, took = run(env, *args)
        lines = done.stderr.strip().splitlines()
        if not (
            done.returncode == 2
            and len(lines) == 1
            and re.search(r"^error: .*" + FAILURES[failure], lines[0])
            and took < 60
        ):
            problems.append(f"{command}: exit {done.returncode} in {took:.0f} s: {lines[-8:]}")
    assert not problems, "\n".join(problems)
