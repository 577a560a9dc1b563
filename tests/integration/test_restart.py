"""Crash safety: SIGKILL the streaming job mid-stream, restart it, and lose no alert."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
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


def test_no_alert_is_lost_across_a_sigkill_and_repeats_keep_their_ids(
    kafka_bootstrap, unique_topic_prefix, tmp_path
):
    """After a SIGKILL and a restart every expected alert arrives, and any repeat has an expected alert id."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix, article_partitions=3)
    group = f"{unique_topic_prefix}group"
    articles = [
        {**article, "id": f"{article['id']}-copy{copy}"} for copy in range(6) for article in sample_articles()
    ]
    expected = statements_only(backfill_alerts(write_jsonl(tmp_path / "articles.jsonl", articles), tmp_path))
    expected_ids = Counter(alert["alert_id"] for alert in expected)
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)

    def publish_articles(batch: list[dict]) -> None:
        publish(kafka, topics.articles, ((a["id"].encode(), json.dumps(a).encode()) for a in batch))

    first_half, second_half = articles[: len(articles) // 2], articles[len(articles) // 2 :]
    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job-1.log")
    try:
        publish_articles(first_half)
        before_crash = collect(kafka_bootstrap, topics.alerts, until=1, timeout_s=120)
        assert before_crash, (tmp_path / "job-1.log").read_text()[-3000:]
        publish_articles(second_half)
        time.sleep(0.5)
    finally:
        kill_job(job)
    written_before_restart = len(
        statements_only(collect(kafka_bootstrap, topics.alerts, until=len(expected), timeout_s=5))
    )
    assert written_before_restart < len(expected), "the crash should interrupt the stream before it finishes"

    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job-2.log")
    try:
        alerts = statements_only(
            collect(
                kafka_bootstrap,
                topics.alerts,
                until=len(expected) + written_before_restart,
                timeout_s=240,
                counted=is_statement,
            )
        )
        assert wait_for_commits(kafka_bootstrap, topics.articles, group), "the group's offsets reach the end"
    finally:
        kill_job(job)

    seen = Counter(alert["alert_id"] for alert in alerts)
    missing = set(expected_ids) - set(seen)
    assert not missing, (tmp_path / "job-2.log").read_text()[-3000:]
    assert set(seen) == set(expected_ids), "every alert id is one the batch path also produces"
    assert all(seen[alert_id] >= count for alert_id, count in expected_ids.items())
    answers: dict[str, set[tuple[str, bool]]] = {}
    for alert in alerts:
        answers.setdefault(alert["alert_id"], set()).add((alert["statement_id"], alert["repeat"]))
    replayed = {alert_id for alert_id, count in seen.items() if count > expected_ids[alert_id]}
    assert all(len(answers[alert_id]) == 1 for alert_id in answers), "a replay gives the same novelty answers"
    print(f"{len(replayed)} alert ids written again after the restart, all with their first answers")
