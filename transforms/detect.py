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

DEAD_LETTERS_OF = "dead_letters_of_"


class DetectCeasefireStatements(beam.PTransform):
    """SourceRecords in; (key, JSON) messages out: ``alerts``, ``positions`` and, for each stage,
    ``dead_letters_of_<stage>`` (see ``dead_letter_streams``).

    With an AlertHistory, repeat and stance-shift detection starts from the alerts and positions
    already written. ``attribution_processes``: see FindStatements.
    """

    def __init__(
        self,
        model_handler: ModelHandler[ArticleStatements, ClassifiedArticle, Any],
        max_article_bytes: int,
        clock: Clock = utc_now,
        history: AlertHistory | None = None,
        position_min_confidence: float = DEFAULT_POSITION_MIN_CONFIDENCE,
        attribution_processes: int | None = 0,
    ) -> None:
        super().__init__()
        self._attribution_processes = attribution_processes
        self._model_handler = model_handler
        self._max_article_bytes = max_article_bytes
        self._clock = clock
        self._history = history
        self._position_min_confidence = position_min_confidence

    def expand(self, records: beam.PCollection) -> dict[str, beam.PCollection]:
        parsed = records | "ParseArticles" >> ParseArticles(self._max_article_bytes)
        found = parsed[ARTICLES] | "FindStatements" >> FindStatements(self._attribution_processes)
        classified = found["statements"] | "ClassifyStance" >> ClassifyStance(self._model_handler)
        assessed = classified["articles"] | "TrackNovelty" >> TrackNovelty(
            self._history, self._position_min_confidence
        )
        published = assessed["articles"] | "BuildAlerts" >> BuildAlerts(self._clock)
        failures = {
            "ParseArticles": parsed[DEAD_LETTERS],
            "FindStatements": found["dead_letters"],
            "ClassifyStance": classified["dead_letters"],
            "TrackNovelty": assessed["dead_letters"],
            "BuildAlerts": published["dead_letters"],
        }
        # One dead-letter stream per stage, each written by its own writer: a Flatten would be a
        # runner-side step on Prism, putting the writes outside the reader's fused bundle, which
        # commits offsets only after everything it produced is written.
        dead_letters = {
            f"{DEAD_LETTERS_OF}{stage}": failed | f"BuildDeadLetters{stage}" >> BuildDeadLetters(self._clock)
            for stage, failed in failures.items()
        }
        return {"alerts": published["alerts"], "positions": published[POSITIONS], **dead_letters}


def dead_letter_streams(detected: dict[str, beam.PCollection]) -> dict[str, beam.PCollection]:
    """The dead letters of each stage, by stage name, from DetectCeasefireStatements' outputs."""
    return {
        name.removeprefix(DEAD_LETTERS_OF): stream
        for name, stream in detected.items()
        if name.startswith(DEAD_LETTERS_OF)
    }


def all_dead_letters(detected: dict[str, beam.PCollection]) -> beam.PCollection:
    """Every stage's dead letters in one PCollection, for batch output and tests."""
    streams = tuple(dead_letter_streams(detected).values())
    return streams | "AllDeadLetters" >> beam.Flatten()
