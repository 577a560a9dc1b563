"""DetectCeasefireStatements end to end on TestPipeline, with a fake model behind the handler seam."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam
import pytest
from apache_beam.ml.inference.base import ModelHandler
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from ceasefire_watch.records import (
    ArticleStatements,
    ClassifiedArticle,
    ClassifiedStatement,
    SourceRecord,
    StanceScores,
)
from ceasefire_watch.transforms.detect import DetectCeasefireStatements, all_dead_letters

FIXED_NOW = datetime(2025, 1, 1, tzinfo=UTC)
SPOKESMAN_QUOTE = "“We reject the ceasefire,” said Nabil Abdallah, the Sudanese army spokesman, in Khartoum."


def keyword_label(text: str) -> str:
    """Fake model: 'trade' is irrelevant, 'but' conditional, 'reject' oppose, anything else support."""
    lowered = text.lower()
    if "trade" in lowered:
        return "irrelevant"
    if "but" in lowered:
        return "conditional"
    return "oppose" if "reject" in lowered else "support"


class KeywordModelHandler(ModelHandler[ArticleStatements, ClassifiedArticle, None]):
    """The fake model behind the handler seam, one article's statements at a time."""

    def load_model(self) -> None:
        return None

    def run_inference(
        self, batch: Sequence[ArticleStatements], model: None, inference_args: Mapping[str, Any] | None = None
    ) -> Iterable[ClassifiedArticle]:
        for article in batch:
            classified = []
            for statement in article.statements:
                scores = {name: 0.0 for name in ("irrelevant", "support", "conditional", "oppose", "neutral")}
                scores[keyword_label(statement.text)] = 1.0
                classified.append(ClassifiedStatement(statement, StanceScores(scores), "fake", "0"))
            yield ClassifiedArticle(article.article, tuple(classified))


def article_record(offset: int, text: str) -> SourceRecord:
    document = {
        "id": f"a{offset}",
        "url": "u",
        "title": "t",
        "text": text,
        "source": "s",
        "published_at": "2025-01-01T00:00:00Z",
    }
    return SourceRecord(json.dumps(document).encode(), "articles", 0, offset)


@pytest.mark.parametrize("attribution_processes", [0, 1])
def test_emits_one_alert_per_relevant_statement_and_dead_letters_bad_input(attribution_processes: int):
    """Relevant candidate sentences become alerts, an attributed one a position too, irrelevant ones
    nothing, and bad input is dead-lettered, whether speakers are attributed in a pool or not."""
    records = [
        article_record(0, "We accept the truce, but only if shelling stops. Sudan army troops held."),
        article_record(1, "The rebels reject the ceasefire. A trade truce was signed in Khartoum."),
        article_record(2, "Artillery fire continued all night."),
        SourceRecord(b"[]", "articles", 0, 3),
        article_record(4, SPOKESMAN_QUOTE),
    ]
    with TestPipeline() as pipeline:
        detected = (
            pipeline
            | beam.Create(records)
            | DetectCeasefireStatements(
                KeywordModelHandler(),
                max_article_bytes=10_000,
                clock=lambda: FIXED_NOW,
                attribution_processes=attribution_processes,
            )
        )
        summaries = detected["alerts"] | "Summarise" >> beam.Map(
            lambda message: (
                message[0],
                json.loads(message[1])["stance"]["label"],
                json.loads(message[1])["statement"]["text"],
            )
        )
        assert_that(
            summaries,
            equal_to(
                [
                    (b"a0", "conditional", "We accept the truce, but only if shelling stops."),
                    (b"a1", "oppose", "The rebels reject the ceasefire."),
                    (b"a4", "oppose", SPOKESMAN_QUOTE),
                ]
            ),
            label="alerts",
        )
        positions = detected["positions"] | "SummarisePositions" >> beam.Map(
            lambda message: (message[0], json.loads(message[1])["stance"]["label"])
        )
        assert_that(positions, equal_to([(b"sudan/Nabil Abdallah", "oppose")]), label="positions")
        reasons = all_dead_letters(detected) | "Reasons" >> beam.Map(
            lambda message: json.loads(message[1])["reason"]
        )
        assert_that(reasons, equal_to(["not_an_object"]), label="dead_letters")


class FailingModelHandler(KeywordModelHandler):
    """A model that raises on every batch, as a broken model file or runtime would."""

    def run_inference(
        self, batch: Sequence[ArticleStatements], model: None, inference_args: Mapping[str, Any] | None = None
    ) -> Iterable[ClassifiedArticle]:
        raise RuntimeError("model exploded")


def test_a_stage_that_raises_dead_letters_the_article_with_its_stage_and_bytes():
    """An article a later stage raises on becomes a stage_failed dead letter with the original bytes."""
    good = article_record(0, "We accept the truce, but only if shelling stops. Sudan army troops held.")
    with TestPipeline() as pipeline:
        detected = (
            pipeline
            | beam.Create([good])
            | DetectCeasefireStatements(
                FailingModelHandler(), max_article_bytes=10_000, clock=lambda: FIXED_NOW
            )
        )
        letters = all_dead_letters(detected) | "Letters" >> beam.Map(lambda message: json.loads(message[1]))
        summaries = letters | "Summarise" >> beam.Map(
            lambda letter: (
                letter["reason"],
                letter["detail"].split(":")[0],
                "model exploded" in letter["detail"],
                letter["source"]["offset"],
                base64.b64decode(letter["payload_base64"]) == good.payload,
            )
        )
        assert_that(summaries, equal_to([("stage_failed", "RunInference", True, 0, True)]))
        assert_that(detected["alerts"], equal_to([]), label="no_alerts")
