"""The batch job: the same analysis over a JSONL archive, alerts and dead letters to JSONL files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler

from ceasefire_watch.records import ArticleStatements, ClassifiedArticle, SourceRecord
from ceasefire_watch.transforms.detect import DetectCeasefireStatements, all_dead_letters


class _ReadLinesFn(beam.DoFn):
    """Each line of a file as a SourceRecord whose offset is the 1-based line number."""

    def process(self, path: str) -> Iterator[SourceRecord]:
        with open(path, "rb") as lines:
            for number, line in enumerate(lines, start=1):
                payload = line.rstrip(b"\r\n")
                if payload.strip():
                    yield SourceRecord(payload=payload, topic=path, partition=0, offset=number)


def _write_values(messages: beam.PCollection, path: Path, label: str) -> None:
    (
        messages
        | f"{label}Values" >> beam.Map(lambda message: message[1].decode("utf-8"))
        | (f"{label}File" >> beam.io.WriteToText(str(path), shard_name_template="", num_shards=1))
    )


def build_backfill_pipeline(
    pipeline: beam.Pipeline,
    input_path: Path,
    output_path: Path,
    dead_letter_path: Path,
    positions_path: Path,
    model_handler: ModelHandler[ArticleStatements, ClassifiedArticle, Any],
    max_article_bytes: int,
    attribution_processes: int | None = 0,
) -> None:
    """Add the batch graph to ``pipeline``."""
    detected = (
        pipeline
        | "InputFile" >> beam.Create([str(input_path)])
        | "ReadArticleLines" >> beam.ParDo(_ReadLinesFn())
        | "Detect"
        >> DetectCeasefireStatements(
            model_handler, max_article_bytes, attribution_processes=attribution_processes
        )
    )
    _write_values(detected["alerts"], output_path, "WriteAlerts")
    _write_values(detected["positions"], positions_path, "WritePositions")
    _write_values(all_dead_letters(detected), dead_letter_path, "WriteDeadLetters")
