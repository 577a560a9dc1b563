"""The streaming job: articles topic in, alerts and dead-letter topics out."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler

from ceasefire_watch.config import PipelineSettings
from ceasefire_watch.records import ArticleStatements, ClassifiedArticle
from ceasefire_watch.transforms.detect import DetectCeasefireStatements, dead_letter_streams
from ceasefire_watch.transforms.kafka_io import ReaderSettings, ReadFromKafkaTopic, WriteToKafkaTopic
from ceasefire_watch.transforms.novelty import AlertHistory


def build_streaming_pipeline(
    pipeline: beam.Pipeline,
    settings: PipelineSettings,
    model_handler: ModelHandler[ArticleStatements, ClassifiedArticle, Any],
) -> None:
    """Add the whole graph to ``pipeline``; builds nothing else and starts nothing."""
    reader = ReaderSettings(
        kafka=settings.kafka, group_id=settings.consumer_group, offset_reset=settings.offset_reset
    )
    detected = (
        pipeline
        | "ReadArticles" >> ReadFromKafkaTopic(settings.topics.articles, reader)
        | "Detect"
        >> DetectCeasefireStatements(
            model_handler,
            settings.max_article_bytes,
            history=AlertHistory(settings.kafka, settings.topics.alerts, settings.topics.positions),
            position_min_confidence=settings.position_min_confidence,
            attribution_processes=settings.attribution_processes,
        )
    )
    detected["alerts"] | "WriteAlerts" >> WriteToKafkaTopic(settings.topics.alerts, settings.kafka)
    detected["positions"] | "WritePositions" >> WriteToKafkaTopic(settings.topics.positions, settings.kafka)
    for stage, dead_letters in dead_letter_streams(detected).items():
        dead_letters | f"WriteDeadLetters{stage}" >> WriteToKafkaTopic(
            settings.topics.dead_letters, settings.kafka
        )
