"""Failure paths for the stages after parsing: an article a stage raised on becomes a dead letter.

Parsing rejects what it can recognise as bad. Anything else that makes a later stage raise (a text
the parser chokes on, an alert too large to send) must not stop the job: Beam's exception handling
routes the element to a side output, and these steps turn it into a ``stage_failed`` dead letter
with the stage, the exception and the original message, so its offset is committed and it is not
read again and again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam

from ceasefire_watch import metrics
from ceasefire_watch.records import Article, DeadLetter, SourceRecord

STAGE_FAILED = "stage_failed"


def article_of(element: Any) -> Article | None:
    """The article an element of any stage carries: itself, the first of a tuple, or ``.article``."""
    if isinstance(element, Article):
        return element
    if isinstance(element, tuple) and element and isinstance(element[0], Article):
        return element[0]
    article = getattr(element, "article", None)
    return article if isinstance(article, Article) else None


def dead_letters_for(stage: str, elements: Iterable[Any], error: str) -> Iterator[DeadLetter]:
    """One ``stage_failed`` dead letter per article among the elements a stage failed on."""
    for element in elements:
        article = article_of(element)
        record = article.record if article is not None and article.record is not None else None
        if record is None:
            record = SourceRecord(payload=b"", topic="", partition=-1, offset=-1)
        metrics.PARSE_FAILURES.labels(reason=STAGE_FAILED).inc()
        yield DeadLetter(reason=STAGE_FAILED, detail=f"{stage}: {error}", record=record)


class _FailedElementFn(beam.DoFn):
    """(element, (exception type, repr, traceback)) from ``with_exception_handling``: dead letters."""

    def __init__(self, stage: str) -> None:
        self._stage = stage

    def process(self, failure: tuple[Any, tuple[Any, str, list[str]]]) -> Iterator[DeadLetter]:
        element, (_, error, _) = failure
        yield from dead_letters_for(self._stage, [element], error)


class _FailedBatchFn(beam.DoFn):
    """(batch, exception) from RunInference's exception handling: a dead letter per article."""

    def __init__(self, stage: str) -> None:
        self._stage = stage

    def process(self, failure: tuple[Any, Exception]) -> Iterator[DeadLetter]:
        batch, error = failure
        elements = batch if isinstance(batch, list | tuple) else [batch]
        yield from dead_letters_for(self._stage, elements, repr(error))


class FailuresToDeadLetters(beam.PTransform):
    """Failed elements of one stage in; DeadLetters out. ``batches`` for RunInference's failures."""

    def __init__(self, stage: str, batches: bool = False) -> None:
        super().__init__()
        self._stage = stage
        self._batches = batches

    def expand(self, failures: beam.PCollection) -> beam.PCollection:
        fn = _FailedBatchFn(self._stage) if self._batches else _FailedElementFn(self._stage)
        return failures | "ToDeadLetters" >> beam.ParDo(fn)


def guarded(
    items: beam.PCollection, label: str, fn: beam.DoFn, *other_outputs: str
) -> tuple[beam.pvalue.DoOutputsTuple, beam.PCollection]:
    """``ParDo(fn)`` whose failures become dead letters: (its outputs, with the main one as
    ``good``, and the dead letters)."""
    outputs = items | label >> beam.ParDo(fn).with_exception_handling(main_tag="good", dead_letter_tag="bad")
    dead_letters = outputs["bad"] | f"{label}Failed" >> FailuresToDeadLetters(label)
    return outputs, dead_letters
