from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ceasefire_watch.dev.kafka import LocalKafka

pytestmark = pytest.mark.integration


def _consumer(bootstrap: str, topic: str, group: str) -> KafkaConsumer:
    return KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=500,
    )


def _poll_values(consumer: KafkaConsumer, count: int, timeout_s: float = 30.0) -> list[bytes]:
    values: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    while len(values) < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            values.extend(record.value for record in records)
    return values


def test_idempotent_produce_group_consume_and_commit_survives_new_consumer(
    kafka_bootstrap: str, make_topic: Callable[..., str], unique_topic_prefix: str
) -> None:
    """Idempotent acks=all writes are read back in order by a group whose commit a new member resumes from."""
    topic = make_topic("articles")
    group = f"{unique_topic_prefix}group"
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    for i in range(3):
        producer.send(topic, key=b"k", value=f"article-{i}".encode()).get(timeout=30)

    first = _consumer(kafka_bootstrap, topic, group)
    assert _poll_values(first, 3) == [b"article-0", b"article-1", b"article-2"]
    first.commit()
    first.close()

    producer.send(topic, key=b"k", value=b"article-3").get(timeout=30)
    producer.close()

    second = _consumer(kafka_bootstrap, topic, group)
    try:
        assert second.committed(TopicPartition(topic, 0)) == 3
        assert _poll_values(second, 1) == [b"article-3"]
    finally:
        second.close()


def test_a_stopped_broker_restarts_on_its_port_at_once(tmp_path) -> None:
    """Stop a broker with a client connected, start a new one on the same port: no 60 s wait."""
    with LocalKafka(data_dir=tmp_path / "first") as broker:
        port = int(broker.bootstrap_servers.rsplit(":", 1)[1])
        client = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
        assert isinstance(client.topics(), set)
    client.close()
    started = time.monotonic()
    with LocalKafka(port=port, data_dir=tmp_path / "second") as again:
        assert again.bootstrap_servers.endswith(f":{port}")
    assert time.monotonic() - started < 45
