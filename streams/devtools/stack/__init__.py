"""An isolated stack for tests, benchmarks and the demo: a broker, topics and workers of its own.

- `infra`: start a local broker (fresh or reused), generate a population once;
- `env`: the environment / Settings of a stack (own app id, topics, folders), `cli` to run a
  `transparantie` command with it;
- `worker`: a `transparantie worker` subprocess, its readiness, /counts and /metrics;
- `polling`: `wait_until`, `free_port`, small HTTP GETs; `metrics`: /metrics, parsed.
"""

from __future__ import annotations

from streams.devtools.generate import load_expected
from streams.devtools.stack import metrics
from streams.devtools.stack.env import (
    PROJECT,
    CommandFailed,
    cli,
    env_of,
    isolated_env,
    stack_env,
    stack_settings,
    topic_names,
)
from streams.devtools.stack.infra import isolated_broker, population, start_broker
from streams.devtools.stack.polling import free_port, get_json, http_get, wait_until
from streams.devtools.stack.worker import Worker, WorkerExited

__all__ = [
    "PROJECT",
    "CommandFailed",
    "Worker",
    "WorkerExited",
    "cli",
    "env_of",
    "free_port",
    "get_json",
    "http_get",
    "isolated_broker",
    "isolated_env",
    "load_expected",
    "metrics",
    "population",
    "stack_env",
    "stack_settings",
    "start_broker",
    "topic_names",
    "wait_until",
]
