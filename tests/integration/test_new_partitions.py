"""Dynamic read: partitions added to the articles topic while the job runs are found and read whole."""

from __future__ import annotations

import json
from collections import Counter

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


def test_partitions_added_while_running_are_read_from_their_beginning(
    kafka_bootstrap, unique_topic_prefix, tmp_path, monkeypatch
):
    """Under --offset-reset latest, articles published to partitions added after the start all give alerts."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix, article_partitions=1)
    group = f"{unique_topic_prefix}group"
    articles = sample_articles()
    expected = statements_only(backfill_alerts(write_jsonl(tmp_path / "articles.jsonl", articles), tmp_path))
    partition_of = {article["id"]: index % 3 for index, article in enumerate(articles)}
    assert {partition_of[a["article"]["id"]] for a in expected} >= {1, 2}, "the new partitions carry alerts"
    monkeypatch.setenv("CEASEFIRE_OFFSET_RESET", "latest")

    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job.log")
    try:
        assert wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=180), "the job never read"
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
        admin.create_partitions({topics.articles: NewPartitions(total_count=3)})
        admin.close()
        # Published at once, before the job can have seen the new partitions: under "latest" a
        # reader that started them at their end would skip these.
        producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
        for article in articles:
            value = json.dumps(article).encode()
            producer.send(
                topics.articles,
                key=article["id"].encode(),
                value=value,
                partition=partition_of[article["id"]],
            )
        producer.flush()
        producer.close()
        alerts = statements_only(
            collect(kafka_bootstrap, topics.alerts, until=len(expected), counted=is_statement)
        )
        all_committed = wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=60)
    finally:
        kill_job(job)

    assert Counter(a["alert_id"] for a in alerts) == Counter(a["alert_id"] for a in expected), (
        tmp_path / "job.log"
    ).read_text()[-3000:]
    assert all_committed, "every partition, the new ones included, is committed to its end"
