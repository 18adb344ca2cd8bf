"""The broker's runtime: the Kafka jars, resolved with Maven into the cache once, and Java."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from streams.devtools.broker.layout import (
    JARS_MARKER,
    KAFKA_VERSION,
    BrokerError,
    cache_dir,
    project_root,
)


def ensure_jars(version: str = KAFKA_VERSION) -> Path:
    """Resolve the broker jars with Maven into the cache (once) and return the lib directory."""
    lib = cache_dir() / version / "lib"
    if (lib / JARS_MARKER).is_file():
        return lib
    pom = project_root() / "deploy" / "local-broker" / "pom.xml"
    if not pom.is_file():
        raise BrokerError(f"missing {pom}: cannot resolve the Kafka jars")
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError("Maven (mvn) is not on PATH: cannot resolve the Kafka jars")
    # Resolve into a private staging dir and rename it into place, so that parallel
    # processes never see a half-filled lib dir.
    staging = lib.parent / f"lib.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        f"-Dkafka.version={version}",
        f"-DoutputDirectory={staging}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not any(staging.glob(f"kafka_2.13-{version}.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        raise BrokerError(
            f"mvn failed to resolve kafka_2.13:{version} (exit {proc.returncode}):\n"
            f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
        )
    (staging / JARS_MARKER).write_text(f"{version}\n")
    if (lib / JARS_MARKER).is_file():  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)
        return lib
    shutil.rmtree(lib, ignore_errors=True)
    try:
        staging.rename(lib)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if not (lib / JARS_MARKER).is_file():
            raise
    return lib


def java() -> str:
    """Return the java executable ($JAVA_HOME/bin/java or java on PATH)."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise BrokerError("java is not on PATH and JAVA_HOME is not set (Kafka needs Java 17+)")
    return found
