"""Choosing and starting a Beam runner, kept out of the pipeline graph.

``prism`` is Beam's portable local runner with full streaming semantics (windows, timers,
bundle finalisation), built from the Go module proxy. ``fnapi`` is Beam's in-process Python
runner: no extra binary, but windowed aggregations never fire in streaming mode. Any other
runner (Flink, Dataflow) is reached by passing Beam's own flags through ``beam_args``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.runners.runner import PipelineResult

from ceasefire_watch.local.prism import ensure_prism_launcher

RunnerName = Literal["prism", "fnapi", "beam-args"]


def new_pipeline(runner: RunnerName, *, streaming: bool, beam_args: Sequence[str] = ()) -> beam.Pipeline:
    """A Pipeline bound to the named runner; ``beam-args`` leaves the choice to ``beam_args``."""
    args = [*beam_args, *(["--streaming"] if streaming else [])]
    if runner == "prism":
        args += [
            "--runner=PrismRunner",
            f"--prism_location={ensure_prism_launcher()}",
            "--environment_type=LOOPBACK",
        ]
        return beam.Pipeline(options=PipelineOptions(args))
    if runner == "fnapi":
        return beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(args))
    return beam.Pipeline(options=PipelineOptions(args))


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
            try:
                self.result.cancel()
            except NotImplementedError:
                return
        if self._thread is not None:
            self._thread.join(wait_seconds)
