"""ClassifyStance: RunInference over candidate statements with the project's ONNX stance model.

Beam's Hugging Face handler is avoided on purpose: it imports TensorFlow, pins an old
transformers, and reads keyed tuples as sentence pairs. This handler is small and torch-free.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler, RunInference

from ceasefire_watch import metrics
from ceasefire_watch.model.artifact import OnnxStanceClassifier
from ceasefire_watch.records import ArticleStatements, ClassifiedArticle, ClassifiedStatement
from ceasefire_watch.transforms.failures import FailuresToDeadLetters


class StanceModelHandler(ModelHandler[ArticleStatements, ClassifiedArticle, OnnxStanceClassifier]):
    """Loads the model once per worker and classifies the statements of batches of articles."""

    def __init__(self, model_dir: Path, max_batch_size: int = 32) -> None:
        super().__init__()
        self._model_dir = model_dir
        self._max_batch_size = max_batch_size

    def load_model(self) -> OnnxStanceClassifier:
        return OnnxStanceClassifier(self._model_dir)

    def run_inference(
        self,
        batch: Sequence[ArticleStatements],
        model: OnnxStanceClassifier,
        inference_args: Mapping[str, Any] | None = None,
    ) -> Iterable[ClassifiedArticle]:
        statements = [statement for article in batch for statement in article.statements]
        started = time.perf_counter()
        predictions = iter(model.classify([statement.text for statement in statements]))
        metrics.INFERENCE_BATCH_LATENCY.observe(time.perf_counter() - started)
        metrics.INFERENCE_BATCH_SIZE.observe(len(statements))
        return [
            ClassifiedArticle(
                article.article,
                tuple(
                    ClassifiedStatement(
                        statement=statement,
                        prediction=next(predictions),
                        model_name=model.metadata.name,
                        model_version=model.metadata.version,
                    )
                    for statement in article.statements
                ),
            )
            for article in batch
        ]

    def batch_elements_kwargs(self) -> Mapping[str, Any]:
        return {"min_batch_size": 1, "max_batch_size": self._max_batch_size}

    def get_metrics_namespace(self) -> str:
        return "ceasefire_stance"


def _relevant_only(classified: ClassifiedArticle) -> Iterator[ClassifiedArticle]:
    relevant = tuple(item for item in classified.statements if item.prediction.relevant)
    if relevant:
        yield ClassifiedArticle(classified.article, relevant)


class ClassifyStance(beam.PTransform):
    """ArticleStatements in; ``articles``: ClassifiedArticles holding only the statements the model
    finds relevant (articles with none are dropped); ``dead_letters``: articles whose batch failed."""

    def __init__(self, model_handler: ModelHandler[ArticleStatements, ClassifiedArticle, Any]) -> None:
        super().__init__()
        self._model_handler = model_handler

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        classified, failed = (
            articles | "RunInference" >> RunInference(self._model_handler).with_exception_handling()
        )
        relevant = classified | "KeepRelevant" >> beam.FlatMap(_relevant_only)
        dead_letters = failed.failed_inferences | "InferenceFailed" >> FailuresToDeadLetters(
            "RunInference", batches=True
        )
        return {"articles": relevant, "dead_letters": dead_letters}
