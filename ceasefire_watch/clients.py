"""Kafka clients used outside the pipeline: publishing articles and following the alerts topic."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

from ceasefire_watch.alerts import decode
from ceasefire_watch.config import KafkaSettings


def messages_from_file(path: Path) -> Iterator[tuple[bytes | None, bytes]]:
    """JSONL: each non-blank line as-is, keyed by its ``id`` when it has one. Text: one article."""
    if path.suffix == ".jsonl":
        for line in path.read_bytes().splitlines():
            if line.strip():
                yield _id_of(line), line
        return
    text = path.read_text("utf-8")
    title = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    article_id = "file-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    article = {
        "id": article_id,
        "url": path.resolve().as_uri(),
        "title": title,
        "text": text,
        "source": path.name,
        "published_at": modified.isoformat(),
    }
    yield article_id.encode("utf-8"), json.dumps(article, ensure_ascii=False).encode("utf-8")


def _id_of(line: bytes) -> bytes | None:
    try:
        document = json.loads(line)
    except ValueError:
        return None
    identifier = document.get("id") if isinstance(document, dict) else None
    return str(identifier).encode("utf-8") if identifier is not None else None


def publish(kafka: KafkaSettings, topic: str, messages: Iterable[tuple[bytes | None, bytes]]) -> int:
    """Send and wait for every acknowledgement; returns how many were sent."""
    producer = KafkaProducer(
        **kafka.client_config(), acks="all", enable_idempotence=True, max_request_size=32 * 1024 * 1024
    )
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in messages]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        return len(futures)
    finally:
        producer.close()


def follow(kafka: KafkaSettings, topics: list[str], from_beginning: bool) -> Iterator[dict[str, Any] | None]:
    """Documents as they arrive, and None after each quiet half second so callers can check their
    own deadlines; tombstones and messages that are not JSON objects are skipped. Runs until the
    caller stops iterating."""
    consumer = KafkaConsumer(
        *topics,
        **kafka.client_config(),
        group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        consumer_timeout_ms=500,
    )
    try:
        while True:
            for message in consumer:
                document = decode(message.value)
                if document is not None:
                    yield document
            yield None
    finally:
        consumer.close()


@dataclass(frozen=True)
class AlertFilter:
    """What a subscriber wants to see; an empty field matches everything."""

    conflict: str | None = None
    speaker: str | None = None
    stance: str | None = None
    min_confidence: float = 0.0

    def matches(self, alert: dict[str, Any]) -> bool:
        if self.conflict and alert.get("conflict") != self.conflict:
            return False
        if self.speaker and self.speaker.casefold() not in _speaker_name(alert).casefold():
            return False
        stance, confidence = _stance_and_confidence(alert)
        if self.stance and stance != self.stance:
            return False
        return confidence >= self.min_confidence


def _speaker_name(alert: dict[str, Any]) -> str:
    speaker = alert.get("speaker")
    if isinstance(speaker, dict):
        return str(speaker.get("name", ""))
    return str(speaker or "")


def _stance_and_confidence(alert: dict[str, Any]) -> tuple[str | None, float]:
    """A statement's or a position's stance and its probability; a stance shift's new stance
    (confidence 1)."""
    stance = alert.get("stance")
    if isinstance(stance, dict):
        label = stance.get("label")
        confidence = (
            stance["confidence"] if "confidence" in stance else stance.get("scores", {}).get(label, 0.0)
        )
        return label, float(confidence)
    current = alert.get("current")
    if isinstance(current, dict):
        return current.get("stance"), 1.0
    return None, 1.0


def format_alert(alert: dict[str, Any]) -> str:
    """One readable line per alert; a type this client does not know gets a generic line."""
    formatter = _FORMATTERS.get(str(alert.get("type")), _format_other)
    try:
        return formatter(alert)
    except (KeyError, TypeError, ValueError, AttributeError):
        return _format_other(alert)


def _format_statement(alert: dict[str, Any]) -> str:
    """Stance, confidence, speaker, conflict, statement, conditions, outlet."""
    stance, confidence = _stance_and_confidence(alert)
    speaker = _speaker_name(alert) or "unattributed"
    conflict = f" [{alert['conflict']}]" if alert.get("conflict") else ""
    statement = " ".join(alert["statement"]["text"].split())
    conditions = "".join(f"\n      condition: {condition}" for condition in alert.get("conditions", []))
    return (
        f"[{str(stance).upper():<11} {confidence:4.2f}]{conflict} {speaker}: {statement}"
        f"  — {alert['article']['source']}, {alert['published_at']} ({alert['alert_id'][:8]}){conditions}"
    )


def _format_stance_shift(alert: dict[str, Any]) -> str:
    """Who moved from which position to which, with both quotes."""
    previous, current = alert["previous"], alert["current"]
    return (
        f"[SHIFT {previous['stance'].upper()} → {current['stance'].upper()}] [{alert['conflict']}] "
        f"{alert['speaker']} ({alert['alert_id'][:8]})"
        f"\n      was: {_quote(previous)}\n      now: {_quote(current)}"
    )


def _format_position(position: dict[str, Any]) -> str:
    """Speaker, conflict, overall stance, its rule, conditions and the strongest quote."""
    stance = position["stance"]
    quote = " ".join(str(position["strongest_quote"]["text"]).split())
    conditions = "".join(f"\n      condition: {condition}" for condition in position["conditions"])
    return (
        f"[POSITION {stance['label'].upper()} {stance['confidence']:4.2f}] [{position['conflict']}] "
        f"{_speaker_name(position)} ({stance['rule']}, {len(position['statement_alert_ids'])} statements)"
        f"\n      quote: {quote}  — {position['article']['source']}, {position['published_at']}{conditions}"
    )


def _quote(sighting: dict[str, Any]) -> str:
    text = " ".join(str(sighting["text"]).split())
    return f"{text}  — {sighting['source']}, {sighting['published_at']}"


def _format_other(alert: dict[str, Any]) -> str:
    kind = str(alert.get("type", "unknown")).upper()
    identity = str(alert.get("alert_id", ""))[:8]
    fields = ", ".join(sorted(str(key) for key in alert if key not in {"type", "alert_id"}))
    return f"[{kind}] ({identity}) {fields}"


_FORMATTERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "statement": _format_statement,
    "stance_shift": _format_stance_shift,
    "position": _format_position,
}
