"""Dynamic read: partitions added to the articles topic while the job runs, or while it is down, are
found and read from their beginning, even under --offset-reset latest."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewPartitions

from tests.integration.harness import (
    Topics,
    backfill_alerts,
    collect,
    is_statement,
    kill_job,
    sample_articles,
    start_job,
    statements_only,
    wait_for_commits,
    write_jsonl,
)

pytestmark = pytest.mark.integration
PARTITIONS = 3


def add_partitions_and_publish(bootstrap: str, topic: str, articles: list[dict[str, Any]]) -> None:
    """Grow the topic to PARTITIONS partitions and publish the articles round-robin over all of them."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_partitions({topic: NewPartitions(total_count=PARTITIONS)})
    admin.close()
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for index, article in enumerate(articles):
        value = json.dumps(article).encode()
        producer.send(topic, key=article["id"].encode(), value=value, partition=index % PARTITIONS)
    producer.flush()
    producer.close()


def expected_alerts(articles: list[dict[str, Any]], tmp_path: Path) -> list[dict[str, Any]]:
    """The batch path's statement alerts, checked to come from the added partitions too."""
    expected = statements_only(backfill_alerts(write_jsonl(tmp_path / "articles.jsonl", articles), tmp_path))
    partition_of = {article["id"]: index % PARTITIONS for index, article in enumerate(articles)}
    assert {partition_of[a["article"]["id"]] for a in expected} >= {1, 2}, "the new partitions carry alerts"
    return expected


@pytest.fixture
def latest_reset(kafka_bootstrap, unique_topic_prefix, tmp_path, monkeypatch):
    """A one-partition articles topic, a group under --offset-reset latest, the articles and their alerts."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix, article_partitions=1)
    articles = sample_articles()
    monkeypatch.setenv("CEASEFIRE_OFFSET_RESET", "latest")
    return topics, f"{unique_topic_prefix}group", articles, expected_alerts(articles, tmp_path)


def test_partitions_added_while_running_are_read_from_their_beginning(
    kafka_bootstrap, latest_reset, tmp_path
):
    """Under --offset-reset latest, articles published to partitions added after the start all give alerts."""
    topics, group, articles, expected = latest_reset

    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job.log")
    try:
        assert wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=180), "the job never read"
        # Published at once, before the job can have listed the new partitions: a reader that
        # started them at their end, as "latest" says for a new group, would skip these.
        add_partitions_and_publish(kafka_bootstrap, topics.articles, articles)
        alerts = collect(kafka_bootstrap, topics.alerts, until=len(expected), counted=is_statement)
        all_committed = wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=60)
    finally:
        kill_job(job)

    assert Counter(a["alert_id"] for a in statements_only(alerts)) == Counter(
        a["alert_id"] for a in expected
    ), (tmp_path / "job.log").read_text()[-3000:]
    assert all_committed, "every partition, the new ones included, is committed to its end"


def test_partitions_added_while_the_job_was_down_are_read_from_their_beginning(
    kafka_bootstrap, latest_reset, tmp_path
):
    """Under --offset-reset latest, a restarted job reads partitions added while it was stopped."""
    topics, group, articles, expected = latest_reset

    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job-1.log")
    try:
        assert wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=180), "the job never read"
    finally:
        kill_job(job)
    add_partitions_and_publish(kafka_bootstrap, topics.articles, articles)
    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job-2.log")
    try:
        alerts = collect(kafka_bootstrap, topics.alerts, until=len(expected), counted=is_statement)
    finally:
        kill_job(job)

    assert Counter(a["alert_id"] for a in statements_only(alerts)) == Counter(
        a["alert_id"] for a in expected
    ), (tmp_path / "job-2.log").read_text()[-3000:]
