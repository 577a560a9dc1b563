"""BuildAlerts and BuildDeadLetters: results in, the published JSON documents out as (key, value).

The documents themselves are defined in ``ceasefire_watch.alerts``; these steps add the
conditions of conditional statements, count what is published, and key each message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import apache_beam as beam
from apache_beam import pvalue

from ceasefire_watch import metrics
from ceasefire_watch.alerts import (
    MAX_ALERT_BYTES,
    Clock,
    build_alert,
    build_dead_letter,
    build_position,
    build_stance_shift,
    encode,
    position_key,
    position_sighting,
    utc_now,
)
from ceasefire_watch.records import ClassifiedStatement
from ceasefire_watch.text.conditions import extract_conditions
from ceasefire_watch.transforms.failures import guarded
from ceasefire_watch.transforms.novelty import AssessedArticle

KeyedMessage = tuple[bytes, bytes]


class AlertTooLargeError(ValueError):
    """An alert over the size a Kafka topic takes by default: its article is dead-lettered instead."""


def _checked(message: bytes) -> bytes:
    if len(message) > MAX_ALERT_BYTES:
        raise AlertTooLargeError(f"{len(message)} bytes exceeds the limit of {MAX_ALERT_BYTES}")
    return message


POSITIONS = "positions"
"""The tagged output of BuildAlerts that carries position documents."""


class _AlertFn(beam.DoFn):
    """Statement alerts and stance shifts on the main output, positions on ``positions``."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def process(self, assessed: AssessedArticle) -> Iterator[Any]:
        detected_at = self._clock()
        article = assessed.article
        key = article.id.encode("utf-8")
        for classified, novelty in assessed.statements:
            stance = classified.prediction.stance
            conditions = extract_conditions(classified.statement.text) if stance == "conditional" else []
            self._count(classified, detected_at)
            yield key, _checked(encode(build_alert(classified, novelty, conditions, detected_at)))
        for position, previous in assessed.positions:
            metrics.POSITIONS.labels(conflict=position.conflict, stance=position.stance).inc()
            yield pvalue.TaggedOutput(
                POSITIONS, (position_key(position), encode(build_position(position, detected_at)))
            )
            if previous is not None:
                metrics.STANCE_SHIFTS.inc()
                shift = build_stance_shift(previous, position_sighting(position), detected_at)
                yield key, encode(shift)

    @staticmethod
    def _count(classified: ClassifiedStatement, detected_at: datetime) -> None:
        statement = classified.statement
        article = statement.article
        metrics.ALERTS.labels(stance=classified.prediction.stance).inc()
        metrics.CONFLICT_ALERTS.labels(conflict=statement.conflict or "unknown").inc()
        metrics.END_TO_END_LATENCY.labels(reference="published").observe(
            (detected_at - article.published_at).total_seconds()
        )
        if article.ingested_at is not None:
            metrics.END_TO_END_LATENCY.labels(reference="ingested").observe(
                (detected_at - article.ingested_at).total_seconds()
            )


class BuildAlerts(beam.PTransform):
    """AssessedArticles in; ``alerts``: statement alerts and stance shifts as (key, JSON) keyed by
    article id, so an article's alerts share a partition; ``positions``: positions keyed by conflict
    and speaker; ``dead_letters``: articles it raised on (an alert too large to send, say)."""

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def expand(self, assessed: beam.PCollection) -> dict[str, beam.PCollection]:
        published, dead_letters = guarded(assessed, "ToAlertJson", _AlertFn(self._clock), POSITIONS)
        return {"alerts": published["good"], POSITIONS: published[POSITIONS], "dead_letters": dead_letters}


class BuildDeadLetters(beam.PTransform):
    """DeadLetters in; (key, JSON) messages keyed like the original message out."""

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def expand(self, dead_letters: beam.PCollection) -> beam.PCollection:
        clock = self._clock
        return dead_letters | "ToDeadLetterJson" >> beam.Map(
            lambda dead: (dead.record.key or b"", encode(build_dead_letter(dead, clock())))
        )
