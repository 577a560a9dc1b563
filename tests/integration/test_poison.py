"""Schema-valid poison: inputs that once killed the job at a later stage now become dead letters.

Each is published between good articles, on one partition, to the real job on Prism: every bad
input gives exactly one dead letter with its reason, the good articles their alerts, the group's
offset reaches the end of the partition (nothing is read again and again), and the job lives on.
"""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from tests.integration.harness import (
    Topics,
    collect,
    kill_job,
    sample_articles,
    start_job,
    wait_for_commits,
)

pytestmark = pytest.mark.integration


def poison(good: dict[str, object]) -> list[tuple[str, bytes]]:
    """(expected dead-letter reason, payload) for each input of issue 9, section 2."""

    def variant(**changes: object) -> bytes:
        return json.dumps({**good, **changes}, ensure_ascii=False).encode()

    surrogate = b'"\\ud83d"'
    return [
        (
            "invalid_unicode",
            variant(id="surrogate-text", text="PLACEHOLDER").replace(b'"PLACEHOLDER"', surrogate),
        ),
        ("invalid_unicode", variant(id="PLACEHOLDER").replace(b'"PLACEHOLDER"', surrogate)),
        ("implausible_published_at", variant(id="year-9999", published_at="9999-12-31T23:59:59-14:00")),
        (
            "too_deeply_nested",
            variant(id="nested", extra="X").replace(b'"X"', b"[" * 100_000 + b"]" * 100_000),
        ),
        ("text_too_long", variant(id="long", text="The ceasefire holds. " * 75_000)),
        ("stage_failed", variant(id="repeats", text="The ceasefire holds, the army said. " * 150)),
        ("too_large", variant(id="25mib", text="x" * (25 * 1024 * 1024))),
    ]


def test_poison_becomes_dead_letters_and_the_job_lives_on(kafka_bootstrap, unique_topic_prefix, tmp_path):
    """Good, then every poison input, then good: dead letters with reasons, alerts, commits, a live job."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix, article_partitions=1)
    articles = sample_articles()
    before, after = articles[0], {**articles[0], "id": "after-the-poison"}
    bad = poison(before)
    group = f"{unique_topic_prefix}group"
    kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
    job = start_job(kafka_bootstrap, topics, group, tmp_path / "job.log")
    try:
        publish(kafka, topics.articles, [(b"before", json.dumps(before).encode())])
        publish(kafka, topics.articles, [(None, payload) for _, payload in bad])
        publish(kafka, topics.articles, [(b"after", json.dumps(after).encode())])
        letters = collect(kafka_bootstrap, topics.dead_letters, until=len(bad), timeout_s=300)
        alerts = collect(
            kafka_bootstrap,
            topics.alerts,
            until=1,
            counted=lambda alert: alert.get("article", {}).get("id") == "after-the-poison",
            timeout_s=120,
        )
        committed = wait_for_commits(kafka_bootstrap, topics.articles, group, timeout_s=120)
        alive = job.poll() is None
    finally:
        kill_job(job)
    log = (tmp_path / "job.log").read_text(errors="replace")[-3000:]
    assert sorted(letter["reason"] for letter in letters) == sorted(reason for reason, _ in bad), log
    failed = next(letter for letter in letters if letter["reason"] == "stage_failed")
    assert failed["detail"].startswith("MatchLexicon: TooManyStatementsError")
    huge = next(letter for letter in letters if letter["reason"] == "too_large")
    payload = dict(bad)["too_large"]
    assert huge["payload_truncated"] and huge["payload_bytes"] == len(payload)
    assert huge["payload_sha256"] == hashlib.sha256(payload).hexdigest()
    assert payload.startswith(base64.b64decode(huge["payload_base64"]))
    for letter in letters:
        if not letter["payload_truncated"]:
            assert base64.b64decode(letter["payload_base64"]) in {payload for _, payload in bad}
    ids = {alert["article"]["id"] for alert in alerts if alert["type"] == "statement"}
    assert {"sample-001", "after-the-poison"} <= ids, log
    assert committed, log
    assert alive, log
