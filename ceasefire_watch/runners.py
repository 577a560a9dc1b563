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

from ceasefire_watch.local.prism import ensure_prism

RunnerName = Literal["prism", "fnapi", "beam-args"]


def new_pipeline(runner: RunnerName, *, streaming: bool, beam_args: Sequence[str] = ()) -> beam.Pipeline:
    """A Pipeline bound to the named runner; ``beam-args`` leaves the choice to ``beam_args``."""
    args = [*beam_args, *(["--streaming"] if streaming else [])]
    if runner == "prism":
        args += ["--runner=PrismRunner", f"--prism_location={ensure_prism()}", "--environment_type=LOOPBACK"]
        return beam.Pipeline(options=PipelineOptions(args))
    if runner == "fnapi":
        return beam.Pipeline(runner=FnApiRunner(), options=PipelineOptions(args))
    return beam.Pipeline(options=PipelineOptions(args))


@dataclass
class RunningPipeline:
    """A started pipeline; the FnApiRunner blocks in run(), so it gets a thread of its own."""

    pipeline: beam.Pipeline
    result: PipelineResult | None = None
    error: BaseException | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> RunningPipeline:
        self._thread = threading.Thread(target=self._run, name="beam-pipeline", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.result = self.pipeline.run()
            self.result.wait_until_finish()
        except BaseException as error:  # handed to the caller through `error`
            self.error = error

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def cancel(self) -> None:
        if self.result is not None:
            try:
                self.result.cancel()
            except NotImplementedError:
                pass
