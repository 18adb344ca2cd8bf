"""The settings of an isolated stack: its own app id, topics and folders, and nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from streams.devtools.broker import project_root
from streams.settings import Settings

#: The folder the stack's processes run in (the project root in a checkout).
PROJECT = project_root()
PREFIX = "TRANSPARANTIE_"
#: Settings field -> topic name suffix, for the topics a stack reads and those it writes.
INPUT_TOPICS = {
    "topic_registrations": "client-registrations",
    "topic_indications": "indications",
    "topic_memberships": "register-memberships",
    "topic_profile_edits": "profile-edits",
}
OUTPUT_TOPICS = {
    "topic_subtotals": "region-subtotals",
    "topic_counts": "region-counts",
    "topic_dead_letters": "dead-letters",
    "topic_history": "history",
}


class CommandFailed(RuntimeError):
    """A `transparantie` command of a stack exited with an error."""


def topic_names(inputs: str, outputs: str) -> dict[str, str]:
    """Settings fields of every topic: input topics `<inputs>.*`, output topics `<outputs>.*`."""
    return {
        **{field: f"{inputs}.{suffix}" for field, suffix in INPUT_TOPICS.items()},
        **{field: f"{outputs}.{suffix}" for field, suffix in OUTPUT_TOPICS.items()},
    }


def isolated_env(values: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any TRANSPARANTIE_* variable, plus `values`: a
    subprocess sees only the settings a stack gives it (and the defaults)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    env.update(values)
    return env


def stack_env(bootstrap: str, name: str, tmp: Path, **extra: str) -> dict[str, str]:
    """Environment of one isolated stack named `name`: app id `t-<name>`, every topic
    `<name>.*`, the memory store in `<tmp>/worker`, a 2 s republish; `extra` are more
    TRANSPARANTIE_* variables (they win)."""
    fields = {
        "bootstrap_servers": bootstrap,
        "app_id": f"t-{name}",
        **topic_names(name, name),
        "store": "memory",
        "data_dir": str(tmp / "worker"),
        "republish_interval_seconds": "2",
        "log_level": "info",
    }
    return isolated_env({**{PREFIX + k.upper(): v for k, v in fields.items()}, **extra})


def stack_settings(
    bootstrap: str, app_id: str, inputs: str | None = None, **extra: Any
) -> Settings:
    """Settings of one stack: its own app id and output topics `<app id>.*`, input topics
    `<inputs>.*` (default: its own; stacks that share `inputs` read the same events)."""
    names = topic_names(inputs or app_id, app_id)
    return Settings(bootstrap_servers=bootstrap, app_id=app_id, **{**names, **extra})


def env_of(settings: Settings) -> dict[str, str]:
    """The isolated environment that gives a subprocess exactly these settings."""
    values = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        values[PREFIX + name.upper()] = str(value)
    return isolated_env(values)


def cli(env: Mapping[str, str], *args: str, timeout: float = 300) -> str:
    """Run `python -m streams ARGS` with `env` in the project folder; return its stdout;
    raise CommandFailed with the end of its stderr when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "streams", *args],
        env=dict(env), cwd=PROJECT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise CommandFailed(f"transparantie {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout
