"""Syndicated repeats and stance shifts through the real broker and Prism, across a restart."""

from __future__ import annotations

import json

import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from ceasefire_watch.dev.kafka import create_topics
from tests.integration.harness import BIG_MESSAGES, REPO_ROOT, Topics, collect, kill_job, start_job

pytestmark = pytest.mark.integration

ARTICLES = [
    json.loads(line)
    for line in (REPO_ROOT / "tests" / "data" / "novelty_articles.jsonl").read_text().splitlines()
]


def test_repeat_and_stance_shift_survive_a_restart(kafka_bootstrap, unique_topic_prefix, tmp_path):
    """A syndicated quote is a repeat of the first; after a restart the job still sees the shift of the
    speaker's position, and the shift names the new position."""
    prefix = unique_topic_prefix
    topics = Topics(f"{prefix}articles", f"{prefix}alerts", f"{prefix}dead", f"{prefix}positions")
    partitions = {topics.articles: 1, topics.alerts: 1, topics.dead_letters: 1, topics.positions: 1}
    create_topics(kafka_bootstrap, partitions, configs=BIG_MESSAGES)
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    group = f"{unique_topic_prefix}group"

    def send(article: dict) -> None:
        publish(kafka, topics.articles, [(article["id"].encode(), json.dumps(article).encode())])

    def latest_of_haddad(position: dict) -> bool:
        return position["article"]["id"] == "nov-3" and position["speaker"]["name"] == "Amir Haddad"

    def haddad(alerts: list[dict], article_id: str) -> dict:
        return next(
            a
            for a in alerts
            if a["type"] == "statement"
            and a["article"]["id"] == article_id
            and (a["speaker"] or {}).get("name") == "Amir Haddad"
        )

    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job-1.log")
    try:
        send(ARTICLES[0])
        first = collect(kafka_bootstrap, topics.alerts, until=2, timeout_s=120)
        send(ARTICLES[1])
        before_restart = collect(kafka_bootstrap, topics.alerts, until=4, timeout_s=120)
    finally:
        kill_job(job)
    original, copy = haddad(before_restart, "nov-1"), haddad(before_restart, "nov-2")
    assert len(first) == 2, (tmp_path / "job-1.log").read_text()[-3000:]
    assert (original["repeat"], original["sources"]) == (False, 1)
    assert (copy["repeat"], copy["sources"], copy["statement_id"]) == (True, 2, original["alert_id"])
    assert copy["first_seen"] == original["published_at"]

    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job-2.log")
    try:
        send(ARTICLES[2])
        alerts = collect(kafka_bootstrap, topics.alerts, until=len(before_restart) + 5, timeout_s=120)
        # Read before the job is killed: the positions writer may flush just after the alerts writer.
        positions = collect(kafka_bootstrap, topics.positions, 1, timeout_s=60, counted=latest_of_haddad)
    finally:
        kill_job(job)
    shifts = [a for a in alerts if a["type"] == "stance_shift" and a["speaker"] == "Amir Haddad"]
    assert len(shifts) == 1, (tmp_path / "job-2.log").read_text()[-3000:]
    assert (shifts[0]["previous"]["stance"], shifts[0]["current"]["stance"]) == ("support", "oppose")
    assert shifts[0]["conflict"] == "sudan"
    latest = next(p for p in positions if latest_of_haddad(p))
    assert latest["stance"]["label"] == "oppose"
    assert haddad(alerts, "nov-3")["alert_id"] in latest["statement_alert_ids"]
    assert shifts[0]["current"]["alert_id"] == latest["position_id"]
