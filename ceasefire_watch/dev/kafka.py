"""A real single-node Apache Kafka broker (KRaft mode) on 127.0.0.1.

Why: the pipeline reads news articles from Kafka, and the demo, the tests and
CI need a genuine broker without Docker. The broker is assembled from Maven
Central jars (checksums verified by Maven, then pinned in a sha256 manifest)
into a per-user cache outside the repo, and runs as a plain JVM process.

CLI::

    python -m ceasefire_watch.dev.kafka install
    python -m ceasefire_watch.dev.kafka start [--port P] [--data-dir D]
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import ctypes
import fcntl
import hashlib
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from kafka import KafkaAdminClient
from kafka import errors as kafka_errors

from ceasefire_watch.runners import default_cache_dir

log = logging.getLogger("ceasefire_watch.dev.kafka")  # same name under -m

KAFKA_VERSION = "4.4.0"
SCALA_BINARY_VERSION = "2.13"
# Same log4j2 as kafka_2.13 pulls in; log4j-slf4j-impl routes Kafka's slf4j 1.x
# logging into it (without a binding slf4j silently drops every log line).
LOG4J_VERSION = "2.25.5"
# Maven 3.8's built-in default (2.8) is ancient; pin a modern plugin.
DEPENDENCY_PLUGIN_VERSION = "3.8.1"
MIN_JAVA_MAJOR = 17  # Kafka 4.x brokers require Java 17+.

# Verified against 4.4.0: both live in kafka_2.13-<ver>.jar (core).
KAFKA_MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL_MAIN_CLASS = "kafka.tools.StorageTool"

_MARKER = ".complete"
_MANIFEST = "SHA256SUMS"
_HOST = "127.0.0.1"


class KafkaSetupError(RuntimeError):
    """Installing, formatting or starting the local broker failed."""


# --------------------------------------------------------------------------
# Installation
# --------------------------------------------------------------------------


def find_java() -> str:
    """Return a Java 17+ executable (JAVA_HOME first), or explain what is missing."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home, "bin", "java") if java_home else None
    java = str(candidate) if candidate and candidate.is_file() else shutil.which("java")
    if not java:
        raise KafkaSetupError(
            f"java not found: Kafka {KAFKA_VERSION} needs a Java {MIN_JAVA_MAJOR}+ "
            "runtime "
            "on PATH or in JAVA_HOME (Debian: apt-get install openjdk-17-jre-headless)."
        )
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if match:
        major = int(match.group(1))
        if major == 1 and match.group(2):  # "1.8.0_x" style
            major = int(match.group(2))
        if major < MIN_JAVA_MAJOR:
            raise KafkaSetupError(
                f"{java} is Java {major}; Kafka {KAFKA_VERSION} needs Java {MIN_JAVA_MAJOR}+."
            )
    return java


def _find_mvn() -> str:
    mvn = shutil.which("mvn")
    if not mvn:
        raise KafkaSetupError(
            "mvn not found: it is needed once to fetch the Kafka jars from Maven "
            "Central "
            "(Debian: apt-get install maven)."
        )
    return mvn


def _pom_xml() -> str:
    """A throwaway pom whose runtime dependencies are exactly the broker's classpath."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ceasefire-watch.local</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>{KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_{SCALA_BINARY_VERSION}</artifactId>
      <version>{KAFKA_VERSION}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId>
      <artifactId>log4j-slf4j-impl</artifactId>
      <version>{LOG4J_VERSION}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>{DEPENDENCY_PLUGIN_VERSION}</version>
      </plugin>
    </plugins>
  </build>
</project>
"""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_text(libs: Path) -> str:
    jars = sorted(p for p in libs.iterdir() if p.is_file())
    return "".join(f"{_sha256(p)}  {p.name}\n" for p in jars)


def _manifest_problems(libs: Path, manifest: Path) -> list[str]:
    """Differences between the jars on disk and the manifest written at install time."""
    if not libs.is_dir() or not manifest.is_file():
        return ["libs dir or manifest missing"]
    expected: dict[str, str] = {}
    for line in manifest.read_text().splitlines():
        digest, _, name = line.partition("  ")
        expected[name] = digest
    actual = {p.name: p for p in libs.iterdir() if p.is_file()}
    problems = [f"missing {name}" for name in sorted(expected.keys() - actual.keys())]
    problems += [f"unexpected {name}" for name in sorted(actual.keys() - expected.keys())]
    problems += [
        f"checksum mismatch {name}"
        for name in sorted(expected.keys() & actual.keys())
        if _sha256(actual[name]) != expected[name]
    ]
    return problems


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise installs between processes (e.g. parallel test workers)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_kafka_installed(cache_dir: Path | None = None) -> Path:
    """Fetch the broker's jars once and return the directory to put on the classpath.

    ``cache_dir`` is the cache root (default ``default_cache_dir()``); jars go to
    ``<cache_dir>/kafka-<version>/libs``. Later calls only re-check the sha256
    manifest, and re-fetch if the cache was damaged.
    """
    home = (cache_dir or default_cache_dir()) / f"kafka-{KAFKA_VERSION}"
    libs = home / "libs"
    home.mkdir(parents=True, exist_ok=True)
    with _file_lock(home / ".lock"):
        if (home / _MARKER).is_file():
            problems = _manifest_problems(libs, home / _MANIFEST)
            if not problems:
                return libs
            log.warning(
                "Kafka jar cache %s failed verification (%s); re-fetching",
                libs,
                problems,
            )
            (home / _MARKER).unlink()
        _install(home, libs)
    return libs


def _install(home: Path, libs: Path) -> None:
    mvn = _find_mvn()
    find_java()  # Maven needs it too; fail with the clearer message.
    log.info("Fetching Apache Kafka %s jars from Maven Central into %s", KAFKA_VERSION, libs)
    started = time.monotonic()
    staging = Path(tempfile.mkdtemp(prefix="libs-", dir=home))
    try:
        with tempfile.TemporaryDirectory(prefix="kafka-pom-") as pom_dir:
            pom = Path(pom_dir, "pom.xml")
            pom.write_text(_pom_xml())
            cmd = [
                mvn, "-B", "-q", "--strict-checksums", "-f", str(pom),
                "dependency:copy-dependencies",
                "-DincludeScope=runtime", f"-DoutputDirectory={staging}",
            ]  # fmt: skip
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = (result.stdout + result.stderr)[-4000:]
            raise KafkaSetupError(f"mvn could not fetch Kafka {KAFKA_VERSION}:\n{tail}")
        core_jar = f"kafka_{SCALA_BINARY_VERSION}-{KAFKA_VERSION}.jar"
        if not (staging / core_jar).is_file():
            raise KafkaSetupError(f"mvn finished but {core_jar} is not in {staging}")
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    (home / _MANIFEST).write_text(_manifest_text(libs))
    (home / _MARKER).write_text(f"kafka {KAFKA_VERSION} installed {time.ctime()}\n")
    size_mib = sum(p.stat().st_size for p in libs.iterdir()) / 2**20
    log.info(
        "Kafka %s installed: %d jars, %.1f MiB, %.1f s",
        KAFKA_VERSION, len(list(libs.iterdir())), size_mib, time.monotonic() - started,
    )  # fmt: skip


# --------------------------------------------------------------------------
# Running a broker
# --------------------------------------------------------------------------


def _free_port(exclude: Iterable[int] = ()) -> int:
    """Ask the kernel for an unused loopback port (tiny race until Kafka binds it)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((_HOST, 0))
            port = int(sock.getsockname()[1])
        if port not in exclude:
            return port


def _port_is_free(port: int) -> bool:
    """Whether nothing listens on the port. SO_REUSEADDR, as the broker itself binds, so that the
    TIME_WAIT connections a stopped broker leaves behind do not block a restart on its port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((_HOST, port))
        except OSError:
            return False
    return True


def _port_accepts(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((_HOST, port)) == 0


def _new_cluster_id() -> str:
    """A Kafka cluster id: a UUID as 22 chars of URL-safe base64, no leading '-'."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
"""What the optional SASL_PLAINTEXT listener accepts, each for every configured user."""


def _server_properties(
    port: int, controller_port: int, log_dir: Path, sasl_port: int | None, sasl_users: Mapping[str, str]
) -> str:
    """Combined broker+controller config sized for one node and fast test startup."""
    listeners = f"PLAINTEXT://{_HOST}:{port}"
    if sasl_port is not None:
        listeners += f",SASL_PLAINTEXT://{_HOST}:{sasl_port}"
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{_HOST}:{controller_port}
controller.listener.names=CONTROLLER
listeners={listeners},CONTROLLER://{_HOST}:{controller_port}
advertised.listeners={listeners}
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={log_dir}
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
group.initial.rebalance.delay.ms=0
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=1
""" + (_sasl_properties(sasl_users) if sasl_port is not None else "")


def _sasl_properties(users: Mapping[str, str]) -> str:
    """PLAIN users in the listener's JAAS config; SCRAM users are stored at format time."""
    plain_users = " ".join(f'user_{name}="{password}"' for name, password in users.items())
    scram = "org.apache.kafka.common.security.scram.ScramLoginModule required;"
    return f"""\
sasl.enabled.mechanisms={",".join(SASL_MECHANISMS)}
listener.name.sasl_plaintext.plain.sasl.jaas.config=\\
  org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config={scram}
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config={scram}
"""


def _scram_credentials(users: Mapping[str, str]) -> list[str]:
    """``kafka-storage format`` arguments that store each user for both SCRAM mechanisms."""
    return [
        argument
        for name, password in users.items()
        for mechanism in SASL_MECHANISMS[1:]
        for argument in ("--add-scram", f"{mechanism}=[name={name},password={password}]")
    ]


_LOG4J2_PROPERTIES = """\
status = warn
# Kafka flushes and closes logging itself; avoids a spurious WARN at exit.
shutdownHook = disable
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
# Every start dumps each config value several times; keep that out of the log.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
"""


def _die_with_parent_hook() -> Callable[[], None] | None:
    """Linux: make the broker get SIGTERM if its parent dies, even by SIGKILL.

    Only from the main thread: PR_SET_PDEATHSIG fires when the *thread* that
    forked exits, which would surprise callers starting Kafka from a worker.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    pr_set_pdeathsig = 1

    def hook() -> None:
        prctl(pr_set_pdeathsig, int(signal.SIGTERM))
        if os.getppid() != parent:  # parent already gone before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return hook


_RUNNING: set[LocalKafka] = set()


@atexit.register
def _stop_all() -> None:
    """Last-resort cleanup so an interpreter exit never leaves a broker behind."""
    for broker in list(_RUNNING):
        broker.stop()


class LocalKafka:
    """A throwaway single-node KRaft broker (broker and controller in one JVM).

    Use as a context manager; ``bootstrap_servers`` is ``"127.0.0.1:PORT"``.
    With ``sasl_users`` (name -> password) a second, SASL_PLAINTEXT listener at
    ``sasl_bootstrap_servers`` accepts those users with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512;
    the plain listener stays, for set-up and inter-broker traffic. SCRAM users are stored when the
    storage is formatted, so a kept ``data_dir`` keeps the users it was first formatted with.
    With ``data_dir`` the data (and ``server.log``) persist across runs;
    otherwise a temp dir is used and removed by ``stop()`` unless ``keep_data``.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        data_dir: Path | None = None,
        keep_data: bool = False,
        cache_dir: Path | None = None,
        heap: str = "512m",
        startup_timeout_s: float = 60.0,
        sasl_users: Mapping[str, str] | None = None,
    ) -> None:
        self._requested_port = port
        self._sasl_users = dict(sasl_users or {})
        self._requested_data_dir = data_dir
        self._keep_data = keep_data
        self._cache_dir = cache_dir
        self._heap = heap
        self._startup_timeout_s = startup_timeout_s
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._owns_data_dir = False
        self.port: int | None = None
        self.controller_port: int | None = None
        self.sasl_port: int | None = None
        self.data_dir: Path | None = None

    # -- public API --------------------------------------------------------

    @property
    def bootstrap_servers(self) -> str:
        """The address clients should connect to."""
        if self.port is None:
            raise RuntimeError("LocalKafka is not started")
        return f"{_HOST}:{self.port}"

    @property
    def sasl_bootstrap_servers(self) -> str:
        """The SASL_PLAINTEXT listener's address (only with ``sasl_users``)."""
        if self.sasl_port is None:
            raise RuntimeError("LocalKafka has no SASL listener: start it with sasl_users")
        return f"{_HOST}:{self.sasl_port}"

    @property
    def log_path(self) -> Path:
        """The broker's combined stdout/stderr/log4j output."""
        if self.data_dir is None:
            raise RuntimeError("LocalKafka is not started")
        return self.data_dir / "server.log"

    @property
    def pid(self) -> int | None:
        """The JVM's process id while it runs."""
        return self._proc.pid if self._proc else None

    def is_running(self) -> bool:
        """True while the broker process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Install if needed, format storage, launch the JVM, wait until it serves."""
        if self.is_running():
            return self
        libs = ensure_kafka_installed(self._cache_dir)
        java = find_java()
        try:
            self._prepare(libs, java)
            self._launch(libs, java)
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        """SIGTERM the process group (SIGKILL after ``timeout_s``), then clean up."""
        _RUNNING.discard(self)
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                log.warning(
                    "Kafka pid %d ignored SIGTERM for %.0f s; killing it",
                    proc.pid,
                    timeout_s,
                )
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.data_dir is not None and self._owns_data_dir and not self._keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        self._owns_data_dir = False

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the broker log, for error messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except (OSError, RuntimeError):
            return "(no broker log)"

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- internals ---------------------------------------------------------

    def _jvm(self, java: str, libs: Path, *flags: str) -> list[str]:
        assert self.data_dir is not None
        return [
            java,
            *flags,
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            f"{libs}/*",
        ]

    def _prepare(self, libs: Path, java: str) -> None:
        """Pick ports, write configs and format the storage unless already formatted."""
        if self._requested_port is not None and not _port_is_free(self._requested_port):
            raise KafkaSetupError(f"port {self._requested_port} on {_HOST} is already in use")
        self.port = self._requested_port or _free_port()
        self.controller_port = _free_port(exclude=[self.port])
        if self._sasl_users:
            self.sasl_port = _free_port(exclude=[self.port, self.controller_port])
        if self._requested_data_dir is not None:
            self.data_dir = self._requested_data_dir.resolve()
            self.data_dir.mkdir(parents=True, exist_ok=True)
        else:
            self.data_dir = Path(tempfile.mkdtemp(prefix="ceasefire-kafka-"))
            self._owns_data_dir = True
        props = self.data_dir / "server.properties"
        props.write_text(
            _server_properties(
                self.port,
                self.controller_port,
                self.data_dir / "kraft-logs",
                self.sasl_port,
                self._sasl_users,
            )
        )
        (self.data_dir / "log4j2.properties").write_text(_LOG4J2_PROPERTIES)
        if (self.data_dir / "kraft-logs" / "meta.properties").is_file():
            return  # formatted by an earlier run (format would reject a new cluster id)
        # Static quorum (controller.quorum.voters), so no --standalone: the
        # controller port may then differ on every restart of a kept data dir.
        cmd = [
            # A short-lived tool: the C1 JIT alone starts it ~30% faster.
            *self._jvm(java, libs, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
            STORAGE_TOOL_MAIN_CLASS, "format",
            "--config", str(props), "--cluster-id", _new_cluster_id(),
            *_scram_credentials(self._sasl_users),
        ]  # fmt: skip
        result = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=180)
        if result.returncode != 0:
            raise KafkaSetupError(f"kafka storage format failed:\n{(result.stdout + result.stderr)[-4000:]}")

    def _launch(self, libs: Path, java: str) -> None:
        props = self.log_path.parent / "server.properties"
        self._log_file = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [*self._jvm(java, libs, f"-Xmx{self._heap}"), KAFKA_MAIN_CLASS, str(props)],
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() signals it whole
            preexec_fn=_die_with_parent_hook(),
        )
        _RUNNING.add(self)
        log.info(
            "Kafka %s starting (pid %d) on %s, log %s",
            KAFKA_VERSION,
            self._proc.pid,
            self.bootstrap_servers,
            self.log_path,
        )

    def _wait_until_ready(self) -> None:
        started = time.monotonic()
        deadline = started + self._startup_timeout_s
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise KafkaSetupError(
                    f"Kafka exited with code {self._proc.returncode} during startup; "
                    f"log tail:\n{self.log_tail()}"
                )
            if self.port is not None and _port_accepts(self.port) and _broker_answers(self.bootstrap_servers):
                log.info(
                    "Kafka ready on %s after %.1f s",
                    self.bootstrap_servers,
                    time.monotonic() - started,
                )
                return
            time.sleep(0.2)
        raise KafkaSetupError(
            f"Kafka did not answer on {self.bootstrap_servers} "
            f"within {self._startup_timeout_s:.0f} s; "
            f"log tail:\n{self.log_tail()}"
        )


def _broker_answers(bootstrap_servers: str) -> bool:
    """True once the broker serves metadata and lists itself (i.e. it is unfenced)."""
    try:
        with _admin(bootstrap_servers, timeout_s=3.0) as admin:
            return bool(admin.describe_cluster().get("brokers"))
    except Exception:  # any failure just means "not yet"
        return False


# --------------------------------------------------------------------------
# Topic helpers
# --------------------------------------------------------------------------


@contextlib.contextmanager
def _admin(bootstrap_servers: str, timeout_s: float = 30.0) -> Iterator[Any]:
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="ceasefire-watch-local",
        bootstrap_timeout_ms=int(timeout_s * 1000),
        request_timeout_ms=int(timeout_s * 1000),
    )
    try:
        yield admin
    finally:
        admin.close()


def create_topics(
    bootstrap_servers: str,
    topics: Mapping[str, int],
    *,
    replication_factor: int = 1,
    configs: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
) -> None:
    """Create topics (name -> partitions), leaving existing ones; wait for leaders."""
    if not topics:
        return
    request = {
        name: {
            "num_partitions": partitions,
            "replication_factor": replication_factor,
            "configs": dict(configs or {}),
        }
        for name, partitions in topics.items()
    }
    with _admin(bootstrap_servers, timeout_s) as admin:
        result = admin.create_topics(request, timeout_ms=int(timeout_s * 1000), raise_errors=False)
        for topic in result["topics"]:
            code = topic["error_code"]
            if code not in (0, kafka_errors.TopicAlreadyExistsError.errno):
                error = kafka_errors.for_code(code)
                raise error(f"creating topic {topic['name']!r}: {topic.get('error_message')}")
        admin.wait_for_topics(list(topics), timeout_ms=int(timeout_s * 1000))


def delete_topics(bootstrap_servers: str, topics: Iterable[str], *, timeout_s: float = 30.0) -> None:
    """Delete topics; ones that do not exist are ignored."""
    names = list(topics)
    if not names:
        return
    with _admin(bootstrap_servers, timeout_s) as admin:
        result = admin.delete_topics(names, timeout_ms=int(timeout_s * 1000), raise_errors=False)
        for topic in result["topics"]:
            code = topic["error_code"]
            if code not in (0, kafka_errors.UnknownTopicOrPartitionError.errno):
                error = kafka_errors.for_code(code)
                raise error(f"deleting topic {topic['name']!r}: {topic.get('error_message')}")


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``install`` fetches the jars; ``start`` runs a broker until Ctrl-C or SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="python -m ceasefire_watch.dev.kafka",
        description="Local single-node Kafka (KRaft) for ceasefire-watch.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install", help=f"fetch Kafka {KAFKA_VERSION} jars into the cache")
    start = commands.add_parser("start", help="run a broker in the foreground; prints its bootstrap address")
    start.add_argument("--port", type=int, help="listener port (default: a free one)")
    start.add_argument(
        "--data-dir",
        type=Path,
        help="persistent data dir (default: a temp dir, removed on exit)",
    )
    for sub in (install, start):
        sub.add_argument(
            "--cache-dir",
            type=Path,
            help=f"cache root (default: {default_cache_dir()})",
        )
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)  # our progress lines; kafka-python stays at WARNING

    try:
        if args.command == "install":
            print(ensure_kafka_installed(args.cache_dir))
            return 0
        # SIGTERM behaves like Ctrl-C, so `with` shuts the broker down cleanly.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with LocalKafka(args.port, data_dir=args.data_dir, cache_dir=args.cache_dir) as broker:
            print(broker.bootstrap_servers, flush=True)
            while broker.is_running():
                time.sleep(1.0)
            log.error("Kafka exited unexpectedly; log tail:\n%s", broker.log_tail())
            return 1
    except KeyboardInterrupt:
        log.info("Kafka stopped")
        return 0
    except KafkaSetupError as exc:
        log.error("%s", exc)
        return 1


if __name__ == "__main__":
    sys.exit(main())
