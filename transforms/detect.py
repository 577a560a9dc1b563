"""DetectCeasefireStatements: the analysis shared by the streaming job and the batch backfill."""

from __future__ import annotations

from typing import Any

import apache_beam as beam
from apache_beam.ml.inference.base import ModelHandler

from ceasefire_watch.alerts import Clock, utc_now
from ceasefire_watch.config import DEFAULT_POSITION_MIN_CONFIDENCE
from ceasefire_watch.records import ArticleStatements, ClassifiedArticle
from ceasefire_watch.transforms.alerts import POSITIONS, BuildAlerts, BuildDeadLetters
from ceasefire_watch.transforms.novelty import AlertHistory, TrackNovelty
from ceasefire_watch.transforms.parse import ARTICLES, DEAD_LETTERS, ParseArticles
from ceasefire_watch.transforms.stance import ClassifyStance
from ceasefire_watch.transforms.statements import FindStatements


class DetectCeasefireStatements(beam.PTransform):
    """SourceRecords in; ``{"alerts", "positions", "dead_letters"}`` of (key, JSON) messages out.

    With an AlertHistory, repeat and stance-shift detection starts from the alerts and positions
    already written.
    """

    def __init__(
        self,
        model_handler: ModelHandler[ArticleStatements, ClassifiedArticle, Any],
        max_article_bytes: int,
        clock: Clock = utc_now,
        history: AlertHistory | None = None,
        position_min_confidence: float = DEFAULT_POSITION_MIN_CONFIDENCE,
    ) -> None:
        super().__init__()
        self._model_handler = model_handler
        self._max_article_bytes = max_article_bytes
        self._clock = clock
        self._history = history
        self._position_min_confidence = position_min_confidence

    def expand(self, records: beam.PCollection) -> dict[str, beam.PCollection]:
        parsed = records | "ParseArticles" >> ParseArticles(self._max_article_bytes)
        found = parsed[ARTICLES] | "FindStatements" >> FindStatements()
        classified = found["statements"] | "ClassifyStance" >> ClassifyStance(self._model_handler)
        assessed = classified["articles"] | "TrackNovelty" >> TrackNovelty(
            self._history, self._position_min_confidence
        )
        published = assessed["articles"] | "BuildAlerts" >> BuildAlerts(self._clock)
        failed = (
            parsed[DEAD_LETTERS],
            found["dead_letters"],
            classified["dead_letters"],
            assessed["dead_letters"],
            published["dead_letters"],
        ) | "AllDeadLetters" >> beam.Flatten()
        dead_letters = failed | "BuildDeadLetters" >> BuildDeadLetters(self._clock)
        return {
            "alerts": published["alerts"],
            "positions": published[POSITIONS],
            "dead_letters": dead_letters,
        }
