"""A local Apicurio Registry (Confluent-compatible API) for development and tests: resolved from
Maven Central into the cache once, started on 127.0.0.1 with its storage in a data dir.

Apicurio Registry 3.3.3 is a prebuilt Quarkus server (`io.apicurio:apicurio-registry-app`,
classifier `all`, a tar.gz) that needs Java 21+. Its default storage is an in-memory H2
database, whose ids restart at 1 after a restart; here H2 keeps its file in the data dir, so a
stopped and restarted registry (the outage test) knows every id it issued before. The
compatibility rule is BACKWARD, as Confluent's default (Apicurio's own is NONE).

`python -m streams.devtools.registry fetch` resolves it (.ci/install-registry);
`… start [--port P]` and `… stop` run one by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from streams.devtools.broker import project_root

APICURIO_VERSION = "3.3.3"
ARTIFACT = "io.apicurio:apicurio-registry-app"
HOST = "127.0.0.1"
DEFAULT_PORT = 8081
MIN_JAVA = 21
MARKER = ".complete"
JVM_OPTS = ("-XX:-UsePerfData", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx256m")
CCOMPAT_PATH = "/apis/ccompat/v7"


class RegistryError(RuntimeError):
    """The local registry could not be resolved, started or stopped."""


def cache_dir() -> Path:
    """$TRANSPARANTIE_REGISTRY_CACHE or .cache/registry at the project root."""
    env = os.environ.get("TRANSPARANTIE_REGISTRY_CACHE")
    return Path(env) if env else project_root() / ".cache" / "registry"


def ensure_dist(version: str = APICURIO_VERSION) -> Path:
    """Resolve the server with Maven and unpack it into the cache (once); its folder."""
    home = cache_dir() / version
    if (home / MARKER).is_file():
        return home
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RegistryError("Maven (mvn) is not on PATH: cannot resolve Apicurio Registry")
    coordinates = f"{ARTIFACT}:{version}:tar.gz:all"
    done = subprocess.run(
        [mvn, "-q", "-B", "dependency:get", f"-Dartifact={coordinates}", "-Dtransitive=false"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    repository = Path(os.environ.get("MAVEN_REPOSITORY", Path.home() / ".m2" / "repository"))
    archive = (
        repository / "io" / "apicurio" / "apicurio-registry-app" / version
        / f"apicurio-registry-app-{version}-all.tar.gz"
    )  # fmt: skip
    if done.returncode != 0 or not archive.is_file():
        raise RegistryError(
            f"mvn could not resolve {coordinates} (exit {done.returncode}):\n"
            f"{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    # unpack beside the final folder and rename it into place: parallel runs never see half
    staging = home.parent / f"{version}.tmp-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    if not (staging / "quarkus-run.jar").is_file():
        shutil.rmtree(staging, ignore_errors=True)
        raise RegistryError(f"{archive} holds no quarkus-run.jar")
    (staging / MARKER).write_text(f"{version}\n")
    if (home / MARKER).is_file():  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)
        return home
    shutil.rmtree(home, ignore_errors=True)
    staging.rename(home)
    return home


def java_major(java: str) -> int:
    """The major version of a java executable (0 when it does not run)."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return 0
    found = re.search(r'version "(\d+)', done.stderr + done.stdout)
    return int(found.group(1)) if found else 0


def java21() -> str:
    """A Java 21+ executable: $TRANSPARANTIE_REGISTRY_JAVA, $JAVA_HOME, PATH, /usr/lib/jvm/*."""
    candidates = [
        os.environ.get("TRANSPARANTIE_REGISTRY_JAVA"),
        str(Path(os.environ["JAVA_HOME"]) / "bin" / "java") if "JAVA_HOME" in os.environ else None,
        shutil.which("java"),
        *sorted(glob.glob("/usr/lib/jvm/*/bin/java"), reverse=True),
    ]
    for java in candidates:
        if java and Path(java).is_file() and java_major(java) >= MIN_JAVA:
            return java
    raise RegistryError(
        f"Apicurio Registry {APICURIO_VERSION} needs Java {MIN_JAVA}+ and none was found"
        " (set TRANSPARANTIE_REGISTRY_JAVA to its java executable)"
    )


def answering(url: str, timeout: float = 2.0) -> bool:
    """True when the registry's Confluent API answers GET /subjects with 200."""
    try:
        with urllib.request.urlopen(f"{url}/subjects", timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


@dataclass
class LocalRegistry:
    """One Apicurio Registry process, its storage and log in `data_dir`."""

    data_dir: Path
    port: int = DEFAULT_PORT
    management_port: int = DEFAULT_PORT + 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The base URL of the Confluent-compatible API (TRANSPARANTIE_SCHEMA_REGISTRY_URL)."""
        return f"http://{HOST}:{self.port}{CCOMPAT_PATH}"

    @property
    def log_path(self) -> Path:
        """The server's log."""
        return self.data_dir / "registry.log"

    def command(self, home: Path, java: str) -> list[str]:
        """The JVM command line."""
        tmp = self.data_dir / "tmp"
        return [
            java, *JVM_OPTS, f"-Djava.io.tmpdir={tmp}",
            f"-Dquarkus.http.host={HOST}", f"-Dquarkus.http.port={self.port}",
            f"-Dquarkus.management.host={HOST}", f"-Dquarkus.management.port={self.management_port}",
            "-Dquarkus.http.access-log.enabled=false",
            "-Dapicurio.rules.global.compatibility=BACKWARD",
            f"-Dapicurio.datasource.url=jdbc:h2:file:{self.data_dir / 'h2' / 'registry'}",
            "-Dapicurio.datasource.jdbc.initial-size=2", "-Dapicurio.datasource.jdbc.min-size=2",
            "-jar", str(home / "quarkus-run.jar"),
        ]  # fmt: skip

    def start(self, wait_timeout: float = 120.0) -> LocalRegistry:
        """Start the server and wait until its API answers."""
        if self.alive():
            return self
        home, java = ensure_dist(), java21()
        (self.data_dir / "tmp").mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(home, java), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.data_dir, start_new_session=True,
            )  # fmt: skip
        (self.data_dir / "registry.pid").write_text(f"{self.process.pid}\n")
        deadline = time.monotonic() + wait_timeout
        while not answering(self.url):
            if not self.alive():
                raise RegistryError(f"Apicurio Registry exited during startup, see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RegistryError(
                    f"Apicurio Registry did not answer in time, see {self.log_path}"
                )
            time.sleep(0.25)
        return self

    def alive(self) -> bool:
        """True while the server process runs."""
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (it stops in about a second), SIGKILL when it does not."""
        if self.process is None:
            return
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        (self.data_dir / "registry.pid").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """`fetch`, or `start` (in the foreground until Ctrl-C)."""
    parser = argparse.ArgumentParser(prog="python -m streams.devtools.registry")
    parser.add_argument("command", choices=("fetch", "start"))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--data-dir", type=Path, default=Path(".cache/registry-data"))
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(ensure_dist(), java21())
            return 0
        registry = LocalRegistry(args.data_dir.resolve(), args.port, args.port + 1).start()
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Apicurio Registry {APICURIO_VERSION}: {registry.url} (log {registry.log_path})")
    try:
        assert registry.process is not None
        registry.process.wait()
    except KeyboardInterrupt:
        registry.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
