"""The documents the job publishes: statement alerts, positions, stance shifts and dead letters.

This module owns their format: how each is built, its id, how it is encoded and read back. Every
writer (BuildAlerts) and reader (the novelty memory, ``tail``) goes through it. Alert ids are
deterministic, so a replay after a crash produces the same ids and a subscriber can drop repeats.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ceasefire_watch.novelty import Novelty, Sighting
from ceasefire_watch.positions import RULES, confidence_of
from ceasefire_watch.records import Article, ClassifiedStatement, DeadLetter, Position, Speaker

ALERT_SCHEMA_VERSION = 3
"""3 added joint speakers (type `joint` with `parties`); 2 is still read, its fields being a subset."""
POSITION_SCHEMA_VERSION = 2
STANCE_SHIFT_SCHEMA_VERSION = 2
_READABLE_ALERT_VERSIONS = frozenset({2, ALERT_SCHEMA_VERSION})
_READABLE_POSITION_VERSIONS = frozenset({1, POSITION_SCHEMA_VERSION})
DEAD_LETTER_PAYLOAD_LIMIT_BYTES = 4 * 1024 * 1024
"""Base64 makes 4/3 of this, under the dead-letter topic's documented 8 MiB."""
MAX_ALERT_BYTES = 1_000_000
"""Kafka's default message limit is 1 MiB; an alert over this is dead-lettered, never sent to fail."""
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_id(article_id: str, start: int, end: int, model_version: str) -> str:
    """Same article, same span, same model: same id, however often the article is processed."""
    material = json.dumps([article_id, start, end, model_version]).encode("utf-8")
    return hashlib.sha256(material).hexdigest()[:32]


def stance_shift_id(previous_alert_id: str, current_alert_id: str) -> str:
    """A shift between the same two statements always has the same id."""
    return hashlib.sha256(f"{previous_alert_id}>{current_alert_id}".encode()).hexdigest()[:32]


def alert_id_of(classified: ClassifiedStatement) -> str:
    statement = classified.statement
    return alert_id(statement.article.id, statement.start, statement.end, classified.model_version)


def build_alert(
    classified: ClassifiedStatement, novelty: Novelty, conditions: list[str], detected_at: datetime
) -> dict[str, Any]:
    """The alert document for one relevant statement (see alert.schema.json)."""
    statement = classified.statement
    article = statement.article
    stance = classified.prediction.stance
    return {
        "schema_version": ALERT_SCHEMA_VERSION,
        "alert_id": alert_id_of(classified),
        "type": "statement",
        "statement_id": novelty.statement_id,
        "first_seen": isoformat(novelty.first_seen),
        "sources": novelty.sources,
        "repeat": novelty.repeat,
        "article": _article_document(article),
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
        "conditions": conditions,
        "model": {"name": classified.model_name, "version": classified.model_version},
        "published_at": isoformat(article.published_at),
        "detected_at": isoformat(detected_at),
    }


def build_stance_shift(previous: Sighting, current: Sighting, detected_at: datetime) -> dict[str, Any]:
    """The stance-shift document between two positions (see stance-shift.schema.json); its id is
    stable across replays. Each side's ``alert_id`` is the id of its position document."""
    return {
        "schema_version": STANCE_SHIFT_SCHEMA_VERSION,
        "alert_id": stance_shift_id(previous.alert_id, current.alert_id),
        "type": "stance_shift",
        "speaker": current.speaker,
        "conflict": current.conflict,
        "previous": _sighting_document(previous),
        "current": _sighting_document(current),
        "detected_at": isoformat(detected_at),
    }


def _sighting_document(sighting: Sighting) -> dict[str, Any]:
    return {
        "alert_id": sighting.alert_id,
        "stance": sighting.stance,
        "text": sighting.text,
        "source": sighting.source,
        "published_at": isoformat(sighting.published_at),
    }


def position_id(article_id: str, speaker: str, conflict: str, model_version: str) -> str:
    """One speaker, one conflict, one article, one model: one position id, however often it is processed."""
    material = json.dumps(["position", article_id, speaker.casefold(), conflict, model_version])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def position_id_of(position: Position) -> str:
    return position_id(
        position.article.id, position.speaker.name, position.conflict, position.strongest.model_version
    )


def position_key(position: Position) -> bytes:
    """A speaker's positions on a conflict share a key, so they keep their order on one partition."""
    return f"{position.conflict}/{position.speaker.name}".encode()


def build_position(position: Position, detected_at: datetime) -> dict[str, Any]:
    """The position document (see position.schema.json)."""
    article = position.article
    strongest = position.strongest
    return {
        "schema_version": POSITION_SCHEMA_VERSION,
        "position_id": position_id_of(position),
        "type": "position",
        "speaker": _speaker_document(position.speaker),
        "conflict": position.conflict,
        "stance": {
            "label": position.stance,
            "confidence": position.confidence,
            "rule": RULES[position.stance],
        },
        "conditions": list(position.conditions),
        "statement_alert_ids": [alert_id_of(classified) for classified in position.statements],
        "strongest_quote": {"alert_id": alert_id_of(strongest), "text": strongest.statement.text},
        "article": _article_document(article),
        "model": {"name": strongest.model_name, "version": strongest.model_version},
        "published_at": isoformat(article.published_at),
        "detected_at": isoformat(detected_at),
    }


def position_sighting(position: Position) -> Sighting:
    """What the memory keeps of a position, to tell a later shift from it."""
    return Sighting(
        alert_id=position_id_of(position),
        text=position.strongest.statement.text,
        source=position.article.source,
        published_at=position.article.published_at,
        speaker=position.speaker.name,
        conflict=position.conflict,
        stance=position.stance,
        article_id=position.article.id,
        confidence=position.confidence,
    )


def sighting_from_position(document: dict[str, Any]) -> Sighting | None:
    """The sighting recorded in a position document; None for anything else."""
    if document.get("type") != "position":
        return None
    if document.get("schema_version") not in _READABLE_POSITION_VERSIONS:
        return None
    return Sighting(
        alert_id=str(document["position_id"]),
        text=str(document["strongest_quote"]["text"]),
        source=str(document["article"]["source"]),
        published_at=datetime.fromisoformat(str(document["published_at"])),
        speaker=str(document["speaker"]["name"]),
        conflict=str(document["conflict"]),
        stance=str(document["stance"]["label"]),
        article_id=str(document["article"]["id"]),
        confidence=float(document["stance"]["confidence"]),
    )


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
        article_id=statement.article.id,
        confidence=confidence_of(classified),
    )


def _article_document(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "source": article.source,
        "language": article.language,
    }


def _speaker_document(speaker: Speaker | None) -> dict[str, Any] | None:
    if speaker is None:
        return None
    document: dict[str, Any] = {"name": speaker.name, "type": speaker.kind, "speaks_for": speaker.speaks_for}
    if speaker.parties:
        document["parties"] = [
            {"name": party.name, "speaks_for": party.speaks_for} for party in speaker.parties
        ]
    return document


def build_dead_letter(
    dead_letter: DeadLetter, failed_at: datetime, max_payload_bytes: int = DEAD_LETTER_PAYLOAD_LIMIT_BYTES
) -> dict[str, Any]:
    """The dead-letter document (see dead-letter.schema.json).

    The original bytes travel intact up to ``max_payload_bytes``; a longer message keeps its first
    bytes, its length and its SHA-256, so the dead letter itself always fits on its topic.
    """
    record = dead_letter.record
    payload = record.payload
    truncated = len(payload) > max_payload_bytes
    return {
        "reason": dead_letter.reason,
        "detail": dead_letter.detail.encode("utf-8", "backslashreplace").decode("utf-8")[:4000],
        "source": {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp_ms": record.timestamp_ms,
            "key_base64": base64.b64encode(record.key).decode("ascii") if record.key is not None else None,
        },
        "payload_base64": base64.b64encode(payload[:max_payload_bytes]).decode("ascii"),
        "payload_truncated": truncated,
        "payload_bytes": len(payload),
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "failed_at": isoformat(failed_at),
    }


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(value: bytes | None) -> dict[str, Any] | None:
    """A document read back from a topic; None for a tombstone or anything that is not a JSON object."""
    if value is None:
        return None
    try:
        document = json.loads(value)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def novelty_from_alert(alert: dict[str, Any]) -> Novelty:
    """The novelty answer a statement alert was published with."""
    return Novelty(
        statement_id=str(alert["statement_id"]),
        first_seen=datetime.fromisoformat(str(alert["first_seen"])),
        sources=int(alert["sources"]),
        repeat=bool(alert["repeat"]),
    )


def sighting_from_alert(alert: dict[str, Any]) -> Sighting | None:
    """The sighting recorded in a statement alert; None for other alert types or older schemas."""
    if alert.get("type") != "statement" or alert.get("schema_version") not in _READABLE_ALERT_VERSIONS:
        return None
    speaker = alert.get("speaker")
    return Sighting(
        alert_id=str(alert["alert_id"]),
        text=str(alert["statement"]["text"]),
        source=str(alert["article"]["source"]),
        published_at=datetime.fromisoformat(str(alert["published_at"])),
        speaker=str(speaker["name"]) if speaker else None,
        conflict=alert.get("conflict"),
        stance=str(alert["stance"]["label"]),
        article_id=str(alert["article"]["id"]),
        confidence=float(alert["stance"]["scores"].get(alert["stance"]["label"], 0.0)),
    )
