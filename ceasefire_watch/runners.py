"""Choosing and starting a Beam runner, kept out of the pipeline graph.

``prism`` is Beam's portable local runner with full streaming semantics (windows, timers,
bundle finalisation), built from the Go module proxy. ``fnapi`` is Beam's in-process Python
runner: no extra binary, but windowed aggregations never fire in streaming mode. Any other
runner (Flink, Dataflow) is reached by passing Beam's own flags through ``beam_args``.
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import apache_beam as beam
import grpc  # type: ignore[import-untyped]
from apache_beam.options.pipeline_options import PipelineOptions, WorkerOptions
from apache_beam.portability.api import beam_fn_api_pb2_grpc
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.runners.runner import PipelineResult
from apache_beam.runners.worker.worker_pool_main import BeamFnExternalWorkerPoolServicer
from apache_beam.utils import thread_pool_executor

from ceasefire_watch import logs

RunnerName = Literal["prism", "fnapi", "beam-args"]

PRISM_VERSION = "v2.77.0"
"""Keep in step with the apache-beam SDK: Prism and the SDK speak the protos of the same release."""

PRISM_LISTEN_HOST = "127.0.0.1"
"""Where Prism's job service, which also carries the workers' Fn API, listens: the job's own process
and its in-process SDK harness are its only clients. Compiled into the binary by
``ceasefire_watch.dev.prism``, and part of the binary's cache path, so a change means a rebuild."""

STREAMING_JOB_SERVER_TIMEOUT_SECONDS = 10 * 365 * 24 * 3600
"""Beam uses --job_server_timeout (default 300 s) as the deadline of the job-state stream too, so a
streaming job left at the default died after five minutes; a streaming job runs for years."""

WORKER_POOL_HOST = "127.0.0.1"
"""Where the in-process SDK worker pool listens: Prism, on this machine, is its only client."""

_LOG = logging.getLogger(__name__)


class PrismNotFoundError(RuntimeError):
    """No Prism binary where the job looks for one."""


def default_cache_dir() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/ceasefire-watch``: where set-up puts Kafka and Prism."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ceasefire-watch"


def prism_binary_path(cache_dir: Path | None = None) -> Path:
    """Where Prism of this Beam release and listen address lives (whether or not it is built yet)."""
    return (cache_dir or default_cache_dir()) / f"prism-{PRISM_VERSION}-listen-{PRISM_LISTEN_HOST}" / "prism"


def prism_launcher(binary: Path | None = None) -> Path:
    """A wrapper that ties Prism's life to the process that starts it; pass it as --prism_location.

    Beam stops Prism from ``atexit``; when the launching process is SIGKILLed, Prism was left
    running as an orphan in 4 of 10 trials. The wrapper ``exec``s it under ``setpriv --pdeathsig
    KILL``, which prevented that in 4 of 4. Falls back to the bare binary when ``setpriv`` is
    missing or the wrapper cannot be written. ``make setup`` builds the binary
    (``python -m ceasefire_watch.dev.prism``); an image copies it into place.
    """
    binary = binary or prism_binary_path()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise PrismNotFoundError(
            f"no Prism runner at {binary}: build it with `make setup` "
            "(or `python -m ceasefire_watch.dev.prism`), or choose --runner beam-args"
        )
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        _LOG.warning("setpriv not found: Prism may outlive a SIGKILLed launcher")
        return binary
    launcher = binary.with_name("prism-launcher")
    script = (
        "#!/bin/sh\n"
        "# Written by ceasefire_watch.runners: Prism dies with the process that launched it.\n"
        f'exec {shlex.quote(setpriv)} --pdeathsig KILL {shlex.quote(str(binary))} "$@"\n'
    )
    if launcher.is_file() and launcher.read_text() == script and os.access(launcher, os.X_OK):
        return launcher
    try:
        staged = launcher.with_name(f".prism-launcher.{os.getpid()}")
        staged.write_text(script)
        staged.chmod(0o755)
        staged.replace(launcher)
    except OSError as error:
        _LOG.warning("cannot write the Prism launcher (%s): using the bare binary", error)
        return binary
    return launcher


def new_pipeline(runner: RunnerName, *, streaming: bool, beam_args: Sequence[str] = ()) -> beam.Pipeline:
    """A Pipeline bound to the named runner; ``beam-args`` leaves the choice to ``beam_args``."""
    args = [*beam_args, *(["--streaming"] if streaming else [])]
    if streaming and not any(arg.startswith("--job_server_timeout") for arg in beam_args):
        args.append(f"--job_server_timeout={STREAMING_JOB_SERVER_TIMEOUT_SECONDS}")
    if runner == "prism":
        cache_mb = PipelineOptions(args).view_as(WorkerOptions).max_cache_memory_usage_mb
        args += [
            "--runner=PrismRunner",
            f"--prism_location={prism_launcher()}",
            # Prism's own warnings (such as a no-op reshuffle on one worker) need no action.
            "--prism_log_level=error",
            "--environment_type=EXTERNAL",
            f"--environment_config={loopback_worker_pool(cache_mb << 20)}",
        ]
        return beam.Pipeline(options=PipelineOptions(args))
    if runner == "fnapi":
        return beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(args))
    return beam.Pipeline(options=PipelineOptions(args))


@functools.cache
def loopback_worker_pool(state_cache_bytes: int) -> str:
    """Beam's LOOPBACK environment, listening on loopback only; started once a process, returns its address.

    LOOPBACK starts the same in-process worker pool, but Beam 2.77 binds it to every interface
    (``[::]``, hard-coded in ``worker_pool_main``) while announcing it as ``localhost``. This pool
    is bound to WORKER_POOL_HOST and given to the runner as an EXTERNAL environment; the SDK
    harness still runs in this process, with LOOPBACK's state cache and buffering.
    """
    server = grpc.server(
        thread_pool_executor.shared_unbounded_instance(),
        options=[("grpc.http2.max_pings_without_data", 0), ("grpc.http2.max_ping_strikes", 0)],
    )
    port = server.add_insecure_port(f"{WORKER_POOL_HOST}:0")
    beam_fn_api_pb2_grpc.add_BeamFnExternalWorkerPoolServicer_to_server(
        BeamFnExternalWorkerPoolServicer(state_cache_size=state_cache_bytes), server
    )
    server.start()
    _SERVERS.append(server)
    return f"{WORKER_POOL_HOST}:{port}"


_SERVERS: list[grpc.Server] = []
"""Keeps the worker pool's server referenced for the life of the process."""


@dataclass
class RunningPipeline:
    """A started pipeline, followed from a background thread.

    Portable runners (Prism, Flink) must be submitted from the main thread, because the job
    server installs a signal handler, and return at once. The FnApiRunner blocks in run()
    for as long as a streaming job lives, so it runs entirely in the thread.
    """

    pipeline: beam.Pipeline
    result: PipelineResult | None = None
    error: BaseException | None = None
    _cancelled: bool = field(default=False, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> RunningPipeline:
        blocks_in_run = isinstance(self.pipeline.runner, FnApiRunner)
        if not blocks_in_run:
            self.result = self.pipeline.run()
        self._thread = threading.Thread(
            target=self._follow, args=(blocks_in_run,), name="beam-pipeline", daemon=True
        )
        self._thread.start()
        return self

    def _follow(self, run_here: bool) -> None:
        try:
            if run_here:
                self.result = self.pipeline.run()
            if self.result is not None:
                self.result.wait_until_finish()
        except BaseException as error:  # handed to the caller through `error`
            if not self._cancelled:
                self.error = error

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def cancel(self, wait_seconds: float = 30) -> None:
        """Ask the runner to stop, and wait a while for it so its clients close before the broker."""
        if self.result is not None and self.is_alive():
            self._cancelled = True
            logs.mute_shutdown_noise()
            try:
                self.result.cancel()
            except NotImplementedError:
                return
        if self._thread is not None:
            self._thread.join(wait_seconds)
