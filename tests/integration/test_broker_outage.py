"""A broker outage of a minute mid-stream: the job waits it out, loses no alert, and repeats only
with the same ids."""

from __future__ import annotations

import json
import time

import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from ceasefire_watch.dev.kafka import LocalKafka
from tests.integration.harness import (
    Topics,
    backfill_alerts,
    collect,
    is_statement,
    kill_job,
    sample_articles,
    start_job,
    statements_only,
    write_jsonl,
)

pytestmark = pytest.mark.integration

OUTAGE_SECONDS = 60


def test_the_job_rides_out_a_minute_without_its_broker(tmp_path):
    """Articles in flight when the broker stops, and articles after it is back, all get their alerts
    with the ids the batch path gives: nothing lost, repeats only with the same ids."""
    samples = sample_articles()
    # Enough articles that the broker goes away while the job is still writing their alerts.
    first = [{**a, "id": f"{a['id']}-copy-{n}"} for n in range(12) for a in samples]
    second = samples[:6]
    expected = {
        a["alert_id"]
        for a in statements_only(
            backfill_alerts(write_jsonl(tmp_path / "in.jsonl", first + second), tmp_path)
        )
    }
    data_dir = tmp_path / "kafka"
    broker = LocalKafka(data_dir=data_dir, keep_data=True).start()
    port = int(broker.bootstrap_servers.rsplit(":", 1)[1])
    topics = Topics.create(broker.bootstrap_servers, "outage-")
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
    job = start_job(broker.bootstrap_servers, topics, "outage-group", tmp_path / "job.log")
    try:
        publish(kafka, topics.articles, ((a["id"].encode(), json.dumps(a).encode()) for a in first))
        collect(broker.bootstrap_servers, topics.alerts, until=1, counted=is_statement, timeout_s=180)
        broker.stop()  # while most of the first articles are still in flight
        time.sleep(OUTAGE_SECONDS)
        broker = LocalKafka(port=port, data_dir=data_dir, keep_data=True).start()
        publish(kafka, topics.articles, ((a["id"].encode(), json.dumps(a).encode()) for a in second))
        alerts = collect(
            broker.bootstrap_servers, topics.alerts, until=len(expected), counted=is_statement, timeout_s=300
        )
        alive = job.poll() is None
    finally:
        kill_job(job)
        broker.stop()
    log = (tmp_path / "job.log").read_text(errors="replace")[-3000:]
    seen = [a["alert_id"] for a in alerts if is_statement(a)]
    assert set(seen) == expected, log
    assert alive, log
