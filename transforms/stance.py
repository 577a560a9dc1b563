"""ClassifyStance: RunInference over candidate statements with the project's ONNX stance model.

Beam's Hugging Face handler is avoided on purpose: it imports TensorFlow, pins an old
transformers, and reads keyed tuples as sentence pairs. This handler is small and torch-free.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, RunInference

from ceasefire_watch import metrics
from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.records import ClassifiedStatement, Statement


class StanceModelHandler(ModelHandler[Statement, ClassifiedStatement, OnnxStanceClassifier]):
    """Loads the model once per worker and classifies batches of statements."""

    def __init__(self, model_dir: Path, max_batch_size: int = 32) -> None:
        super().__init__()
        self._model_dir = model_dir
        self._max_batch_size = max_batch_size

    def load_model(self) -> OnnxStanceClassifier:
        return OnnxStanceClassifier(self._model_dir)

    def run_inference(
        self,
        batch: Sequence[Statement],
        model: OnnxStanceClassifier,
        inference_args: Mapping[str, Any] | None = None,
    ) -> Iterable[ClassifiedStatement]:
        started = time.perf_counter()
        predictions = model.classify([statement.text for statement in batch])
        metrics.INFERENCE_BATCH_LATENCY.observe(time.perf_counter() - started)
        metrics.INFERENCE_BATCH_SIZE.observe(len(batch))
        return [
            ClassifiedStatement(
                statement=statement,
                prediction=prediction,
                model_name=model.metadata.name,
                model_version=model.metadata.version,
            )
            for statement, prediction in zip(batch, predictions, strict=True)
        ]

    def batch_elements_kwargs(self) -> Mapping[str, Any]:
        return {"min_batch_size": 1, "max_batch_size": self._max_batch_size}

    def get_metrics_namespace(self) -> str:
        return "ceasefire_stance"


class ClassifyStance(beam.PTransform):
    """Statements in; only those the model finds relevant out, as ClassifiedStatements."""

    def __init__(self, model_handler: ModelHandler[Statement, ClassifiedStatement, Any]) -> None:
        super().__init__()
        self._model_handler = model_handler

    def expand(self, statements: beam.PCollection) -> beam.PCollection:
        return (
            statements
            | "RunInference" >> RunInference(self._model_handler)
            | "KeepRelevant" >> beam.Filter(lambda classified: classified.prediction.relevant)
        )
