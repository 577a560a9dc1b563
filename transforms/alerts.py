"""BuildAlerts and BuildDeadLetters: turn results into the JSON documents of the published schemas.

Alert ids are deterministic so that a replay after a crash produces the same ids, and a
subscriber can drop repeats.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import apache_beam as beam

from ceasefire_watch import metrics
from ceasefire_watch.attribution import extract_conditions
from ceasefire_watch.novelty import Novelty, Sighting
from ceasefire_watch.records import ClassifiedStatement, DeadLetter, Speaker

ALERT_SCHEMA_VERSION = 2
KeyedMessage = tuple[bytes, bytes]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _isoformat(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_id(article_id: str, start: int, end: int, model_version: str) -> str:
    """Same article, same span, same model: same id, however often the article is processed."""
    material = json.dumps([article_id, start, end, model_version]).encode("utf-8")
    return hashlib.sha256(material).hexdigest()[:32]


def alert_id_of(classified: ClassifiedStatement) -> str:
    statement = classified.statement
    return alert_id(statement.article.id, statement.start, statement.end, classified.model_version)


def build_alert(classified: ClassifiedStatement, novelty: Novelty, detected_at: datetime) -> dict[str, Any]:
    """The alert document for one relevant statement (see alert.schema.json)."""
    statement = classified.statement
    article = statement.article
    stance = classified.prediction.stance
    return {
        "schema_version": ALERT_SCHEMA_VERSION,
        "alert_id": alert_id_of(classified),
        "type": "statement",
        "statement_id": novelty.statement_id,
        "first_seen": _isoformat(novelty.first_seen),
        "sources": novelty.sources,
        "repeat": novelty.repeat,
        "article": {
            "id": article.id,
            "url": article.url,
            "title": article.title,
            "source": article.source,
            "language": article.language,
        },
        "statement": {
            "text": statement.text,
            "start": statement.start,
            "end": statement.end,
            "sentence_index": statement.sentence_index,
            "context_before": statement.context_before,
            "context_after": statement.context_after,
            "matched_terms": list(statement.matched_terms),
        },
        "speaker": _speaker_document(statement.speaker),
        "conflict": statement.conflict,
        "stance": {"label": stance, "scores": classified.prediction.scores},
        "conditions": extract_conditions(statement.text) if stance == "conditional" else [],
        "model": {"name": classified.model_name, "version": classified.model_version},
        "published_at": _isoformat(article.published_at),
        "detected_at": _isoformat(detected_at),
    }


def build_stance_shift(
    classified: ClassifiedStatement, novelty: Novelty, detected_at: datetime
) -> dict[str, Any]:
    """The stance-shift document (see stance-shift.schema.json); its id is stable across replays."""
    previous = novelty.previous
    if previous is None:
        raise ValueError("a stance shift needs the previous statement")
    current = sighting_of(classified)
    return {
        "schema_version": ALERT_SCHEMA_VERSION,
        "alert_id": hashlib.sha256(f"{previous.alert_id}>{current.alert_id}".encode()).hexdigest()[:32],
        "type": "stance_shift",
        "speaker": current.speaker,
        "conflict": current.conflict,
        "previous": _sighting_document(previous),
        "current": _sighting_document(current),
        "detected_at": _isoformat(detected_at),
    }


def _sighting_document(sighting: Sighting) -> dict[str, Any]:
    return {
        "alert_id": sighting.alert_id,
        "stance": sighting.stance,
        "text": sighting.text,
        "source": sighting.source,
        "published_at": _isoformat(sighting.published_at),
    }


def sighting_of(classified: ClassifiedStatement) -> Sighting:
    """What the novelty memory keeps of a classified statement."""
    statement = classified.statement
    return Sighting(
        alert_id=alert_id_of(classified),
        text=statement.text,
        source=statement.article.source,
        published_at=statement.article.published_at,
        speaker=statement.speaker.name if statement.speaker else None,
        conflict=statement.conflict,
        stance=classified.prediction.stance or "",
    )


def _speaker_document(speaker: Speaker | None) -> dict[str, Any] | None:
    if speaker is None:
        return None
    return {"name": speaker.name, "type": speaker.kind, "speaks_for": speaker.speaks_for}


def build_dead_letter(dead_letter: DeadLetter, failed_at: datetime) -> dict[str, Any]:
    """The dead-letter document (see dead-letter.schema.json); the original bytes travel intact."""
    record = dead_letter.record
    return {
        "reason": dead_letter.reason,
        "detail": dead_letter.detail,
        "source": {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp_ms": record.timestamp_ms,
            "key_base64": base64.b64encode(record.key).decode("ascii") if record.key is not None else None,
        },
        "payload_base64": base64.b64encode(record.payload).decode("ascii"),
        "failed_at": _isoformat(failed_at),
    }


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _AlertFn(beam.DoFn):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def process(self, element: tuple[ClassifiedStatement, Novelty]) -> Iterator[KeyedMessage]:
        classified, novelty = element
        detected_at = self._clock()
        alert = build_alert(classified, novelty, detected_at)
        article = classified.statement.article
        metrics.ALERTS.labels(stance=alert["stance"]["label"]).inc()
        metrics.CONFLICT_ALERTS.labels(conflict=alert["conflict"] or "unknown").inc()
        metrics.END_TO_END_LATENCY.labels(reference="published").observe(
            (detected_at - article.published_at).total_seconds()
        )
        if article.ingested_at is not None:
            metrics.END_TO_END_LATENCY.labels(reference="ingested").observe(
                (detected_at - article.ingested_at).total_seconds()
            )
        yield article.id.encode("utf-8"), encode(alert)
        if novelty.previous is not None:
            metrics.STANCE_SHIFTS.inc()
            yield article.id.encode("utf-8"), encode(build_stance_shift(classified, novelty, detected_at))


class BuildAlerts(beam.PTransform):
    """(ClassifiedStatement, Novelty) pairs in; statement and stance-shift alerts out as (key, JSON),
    keyed by article id so an article's alerts share a partition."""

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def expand(self, classified: beam.PCollection) -> beam.PCollection:
        return classified | "ToAlertJson" >> beam.ParDo(_AlertFn(self._clock))


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
