"""Shared fixtures: a real local Kafka broker for integration tests.

The broker starts lazily, once per session, only when a test asks for
``kafka_bootstrap``. Set CEASEFIRE_WATCH_KAFKA_BOOTSTRAP=host:port to use an
already running broker instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from ceasefire_watch.dev.kafka import LocalKafka, create_topics, delete_topics


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: talks to a real Kafka broker, a real Beam runner or the real model"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Anything that uses the broker is an integration test, marked or not."""
    for item in items:
        if "kafka_bootstrap" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap address of a single-node KRaft broker shared by the whole session."""
    external = os.environ.get("CEASEFIRE_WATCH_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    with LocalKafka() as broker:
        yield broker.bootstrap_servers


@pytest.fixture
def unique_topic_prefix() -> str:
    """A per-test prefix so tests sharing the broker never see each other's data."""
    return f"test-{uuid.uuid4().hex[:12]}-"


@pytest.fixture
def make_topic(kafka_bootstrap: str, unique_topic_prefix: str) -> Iterator[Callable[..., str]]:
    """``make_topic("articles", partitions=3)`` creates a prefixed topic, deleted after the test."""
    created: list[str] = []

    def make(name: str, partitions: int = 1) -> str:
        topic = f"{unique_topic_prefix}{name}"
        create_topics(kafka_bootstrap, {topic: partitions})
        created.append(topic)
        return topic

    yield make
    delete_topics(kafka_bootstrap, created)
