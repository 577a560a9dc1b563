"""The Kafka writer through a broker outage: sends that time out are sent again, others fail."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError

from ceasefire_watch.config import KafkaSettings
from ceasefire_watch.transforms import kafka_io
from ceasefire_watch.transforms.kafka_io import _ProduceFn


class _Future:
    def __init__(self, error: Exception | None) -> None:
        self.is_done = True
        self.exception = error

    def failed(self) -> bool:
        return self.exception is not None


class _Producer:
    """Times out the first `outage` sends or deliveries, as a producer does while the broker is away."""

    def __init__(self, outage: int, error: Exception | None = None) -> None:
        self.outage = outage
        self.error = error
        self.delivered: list[tuple[bytes, bytes]] = []

    def send(self, topic: str, key: bytes, value: bytes) -> Any:
        if self.outage > 0:
            self.outage -= 1
            if self.outage % 2:
                raise KafkaTimeoutError("no metadata")  # blocked waiting for metadata
            return _Future(KafkaTimeoutError("batch expired"))
        if self.error is not None:
            return _Future(self.error)
        self.delivered.append((key, value))
        return _Future(None)

    def flush(self) -> None:
        return None


def _writer(producer: _Producer, monkeypatch: pytest.MonkeyPatch) -> _ProduceFn:
    monkeypatch.setattr(kafka_io, "_new_producer", lambda kafka, size: producer)
    monkeypatch.setattr(
        kafka_io, "_OUTAGE_RETRIES", kafka_io._OUTAGE_RETRIES.copy(wait=lambda retry_state: 0)
    )
    writer = _ProduceFn(KafkaSettings(), "alerts", 1_000_000)
    writer.setup()
    writer.start_bundle()
    return writer


def test_sends_that_time_out_are_sent_again_until_acknowledged(monkeypatch):
    """Messages whose send or delivery timed out during an outage are all delivered at bundle end."""
    producer = _Producer(outage=5)
    writer = _writer(producer, monkeypatch)
    messages = [(b"k%d" % i, b"v%d" % i) for i in range(3)]
    for message in messages:
        writer.process(message)
    writer.finish_bundle()
    assert sorted(producer.delivered) == messages


def test_a_send_that_fails_for_another_reason_fails_the_bundle(monkeypatch):
    """A non-retriable failure is raised, so the bundle fails and the reader does not commit."""
    writer = _writer(_Producer(outage=0, error=MessageSizeTooLargeError("too big")), monkeypatch)
    writer.process((b"k", b"v"))
    with pytest.raises(MessageSizeTooLargeError):
        writer.finish_bundle()
