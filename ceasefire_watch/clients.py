"""Kafka clients used outside the pipeline: publishing articles and following the alerts topic."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer

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


def follow(kafka: KafkaSettings, topic: str, from_beginning: bool) -> Iterator[dict[str, Any] | None]:
    """Alerts as they arrive, decoded, and None after each quiet half second so callers can check
    their own deadlines; runs until the caller stops iterating."""
    consumer = KafkaConsumer(
        topic,
        **kafka.client_config(),
        group_id=None,
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
        consumer_timeout_ms=500,
    )
    try:
        while True:
            for message in consumer:
                yield json.loads(message.value)
            yield None
    finally:
        consumer.close()


def format_alert(alert: dict[str, Any]) -> str:
    """A readable line: stance, confidence, speaker, conflict, statement, conditions, outlet."""
    stance = alert["stance"]["label"]
    confidence = alert["stance"]["scores"].get(stance, 0.0)
    speaker = alert["speaker"]["name"] if alert.get("speaker") else "unattributed"
    conflict = f" [{alert['conflict']}]" if alert.get("conflict") else ""
    statement = " ".join(alert["statement"]["text"].split())
    conditions = "".join(f"\n      condition: {condition}" for condition in alert.get("conditions", []))
    return (
        f"[{stance.upper():<11} {confidence:4.2f}]{conflict} {speaker}: {statement}"
        f"  — {alert['article']['source']}, {alert['published_at']} ({alert['alert_id'][:8]}){conditions}"
    )
