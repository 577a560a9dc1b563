"""The streaming job on the real broker, the Prism runner and the bundled model."""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter

import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from tests.integration.harness import (
    Topics,
    backfill_alerts,
    collect,
    free_port,
    is_statement,
    kill_job,
    sample_articles,
    scrape,
    start_job,
    statements_only,
    write_jsonl,
)

pytestmark = pytest.mark.integration

KEY_SENTENCE = (
    "“We agree with the proposal for a ceasefire to cease hostilities, but we proceed from the fact "
    "that this ceasefire should lead to an enduring peace, and should remove the root causes "
    "of this crisis,” he said."
)


def bad_inputs(good: dict[str, object]) -> list[tuple[str, bytes]]:
    """(expected dead-letter reason, payload) for every kind of bad input the job must survive."""

    def variant(**changes: object) -> bytes:
        return json.dumps({**good, **changes}).encode()

    missing_text = {key: value for key, value in good.items() if key != "text"}
    return [
        ("not_json", b"breaking: not json at all"),
        ("not_an_object", json.dumps([good]).encode()),
        ("schema_violation", json.dumps(missing_text).encode()),
        ("schema_violation", variant(text="")),
        ("too_large", variant(id="huge", text="word " * 2_000_000)),
        ("not_utf8", b'{"id": "latin1", "text": "caf\xe9"}'),
        ("schema_violation", variant(id=42, published_at=17)),
        ("null_bytes", variant(id="nul", text="cease\u0000fire")),
    ]


def test_publishes_exact_alerts_and_dead_letters(kafka_bootstrap, unique_topic_prefix, tmp_path):
    """Good articles give the batch path's alerts; each bad input gives one dead letter with its reason."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix)
    articles = sample_articles()
    repeated = articles[0]
    with_extra_field = {**articles[1], "byline": "Staff", "tags": ["extra"]}
    good = [*articles[:1], with_extra_field, *articles[2:], repeated]
    expected = statements_only(backfill_alerts(write_jsonl(tmp_path / "articles.jsonl", good), tmp_path))
    bad = bad_inputs(articles[0])
    assert len(expected) > 20, "the sample articles should produce plenty of alerts"

    metrics_port = free_port()
    job = start_job(
        kafka_bootstrap, topics, f"{unique_topic_prefix}group", tmp_path / "job.log", metrics_port
    )
    try:
        kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        publish(kafka, topics.articles, ((str(a["id"]).encode(), json.dumps(a).encode()) for a in good))
        publish(kafka, topics.articles, ((None, payload) for _, payload in bad))
        alerts = statements_only(
            collect(kafka_bootstrap, topics.alerts, until=len(expected), counted=is_statement)
        )
        dead_letters = collect(kafka_bootstrap, topics.dead_letters, until=len(bad))
        metrics = scrape(metrics_port)
    finally:
        kill_job(job)

    def summary(alert: dict) -> tuple[str, str, str]:
        return alert["alert_id"], alert["article"]["id"], alert["stance"]["label"]

    assert Counter(map(summary, alerts)) == Counter(map(summary, expected)), (
        tmp_path / "job.log"
    ).read_text()[-3000:]
    repeated_ids = {a["alert_id"] for a in alerts if a["article"]["id"] == repeated["id"]}
    assert all(Counter(a["alert_id"] for a in alerts)[i] == 2 for i in repeated_ids)
    key = [a for a in alerts if a["statement"]["text"] == KEY_SENTENCE]
    assert {a["stance"]["label"] for a in key} == {"conditional"}
    assert sorted(d["reason"] for d in dead_letters) == sorted(reason for reason, _ in bad)
    # The original bytes travel whole, except past 4 MiB, where their start, length and hash do.
    assert sorted(d["payload_sha256"] for d in dead_letters) == sorted(
        hashlib.sha256(p).hexdigest() for _, p in bad
    )
    for letter in dead_letters:
        kept = base64.b64decode(letter["payload_base64"])
        assert letter["payload_truncated"] == (letter["payload_bytes"] > len(kept))
        assert any(p.startswith(kept) and len(p) == letter["payload_bytes"] for _, p in bad)
    assert all(d["source"]["topic"] == topics.articles for d in dead_letters)

    assert metrics[("ceasefire_articles_read_total", ())] == len(good) + len(bad)
    for reason, count in Counter(reason for reason, _ in bad).items():
        assert metrics[("ceasefire_parse_failures_total", (("reason", reason),))] == count
    for stance, count in Counter(a["stance"]["label"] for a in alerts).items():
        assert metrics[("ceasefire_alerts_total", (("stance", stance),))] == count
    assert metrics[("ceasefire_inference_batch_size_statements_count", ())] > 0
    assert metrics[("ceasefire_end_to_end_latency_seconds_count", (("reference", "ingested"),))] == len(
        alerts
    )
    assert any(name == "ceasefire_consumer_lag_messages" for name, _ in metrics)
