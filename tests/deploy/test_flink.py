"""The streaming job on Apache Flink (Beam's FlinkRunner, LOOPBACK workers) against the real broker.

Both ways deploy/flink/README.md describes: Flink inside the job server (``--master local``) and a
local standalone cluster started by start-cluster.sh. Each run must write exactly the alerts
the batch path computes for the sample articles, commit the consumer group's offsets (which
on Flink happens only when a checkpoint completes), let the Python workers' metrics reach the
job's own Prometheus exporter, and, on the cluster, leave no Flink job running after SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ceasefire_watch.clients import publish
from ceasefire_watch.config import KafkaSettings
from tests.integration.harness import (
    REPO_ROOT,
    Topics,
    backfill_alerts,
    collect,
    free_port,
    is_statement,
    sample_articles,
    scrape,
    statements_only,
    wait_for_commits,
    write_jsonl,
)

pytestmark = [pytest.mark.integration, pytest.mark.flink]

FLINK = REPO_ROOT / "deploy" / "flink"
KEY_PHRASE = "should remove the root causes of this crisis"


def flink_jobs(rest: str) -> list[dict[str, str]]:
    with urllib.request.urlopen(f"http://{rest}/jobs/overview", timeout=10) as response:
        jobs: list[dict[str, str]] = json.load(response)["jobs"]
        return jobs


@pytest.fixture(scope="module")
def flink_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A local Flink session cluster on a free port, with its own state folder."""
    subprocess.run([str(FLINK / "install.sh")], check=True, capture_output=True)
    env = {**os.environ, "FLINK_CLUSTER_DIR": str(tmp_path_factory.mktemp("flink-cluster"))}
    started = subprocess.run(
        [str(FLINK / "start-cluster.sh"), "--port", str(free_port()), "--slots", "2"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(FLINK / "stop-cluster.sh")], env=env, check=False)


def run_on_flink(bootstrap: str, prefix: str, tmp_path: Path, master: str) -> tuple[list, list, dict]:
    """Publish the samples, run submit.sh until their alerts and commits arrive, stop it with SIGTERM.

    Returns the alerts, the alerts the backfill computes for the same articles, and the metrics.
    """
    topics = Topics.create(bootstrap, prefix)
    articles = sample_articles()
    expected = statements_only(backfill_alerts(write_jsonl(tmp_path / "articles.jsonl", articles), tmp_path))
    group = f"{prefix}group"
    metrics_port = free_port()
    publish(
        KafkaSettings(bootstrap_servers=bootstrap),
        topics.articles,
        ((str(a["id"]).encode(), json.dumps(a).encode()) for a in articles),
    )
    command = [
        str(FLINK / "submit.sh"), "--master", master, "--parallelism", "1", "--",
        "--brokers", bootstrap,
        "--articles-topic", topics.articles,
        "--alerts-topic", topics.alerts,
        "--dead-letter-topic", topics.dead_letters,
        "--positions-topic", topics.positions,
        "--group", group,
        "--metrics-address", f"127.0.0.1:{metrics_port}",
    ]  # fmt: skip
    log_path = tmp_path / "job.log"
    with log_path.open("wb") as log:
        job = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, start_new_session=True
        )
    try:
        alerts = statements_only(
            collect(bootstrap, topics.alerts, until=len(expected), counted=is_statement, timeout_s=180)
        )
        committed = wait_for_commits(bootstrap, topics.articles, group, timeout_s=60)
        metrics = scrape(metrics_port)
    finally:
        job.send_signal(signal.SIGTERM)  # submit.sh cancels the Flink job, then stops the run process
        try:
            job.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait(timeout=30)
    assert committed, log_path.read_text()[-3000:]
    return alerts, expected, metrics


def summary(alert: dict[str, Any]) -> tuple[str, str, str]:
    return alert["alert_id"], alert["article"]["id"], alert["stance"]["label"]


def check_alerts(alerts: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(expected) > 20, "the sample articles should produce plenty of alerts"
    assert Counter(map(summary, alerts)) == Counter(map(summary, expected))
    key = [summary(a) for a in alerts if KEY_PHRASE in a["statement"]["text"]]
    assert key, "the reference article's key sentence must raise an alert"
    assert key == [summary(a) for a in expected if KEY_PHRASE in a["statement"]["text"]]


def test_embedded_flink_writes_the_batch_alerts(kafka_bootstrap, unique_topic_prefix, tmp_path):
    """On Flink inside the job server the sample articles give the batch alerts and the workers' metrics."""
    alerts, expected, metrics = run_on_flink(kafka_bootstrap, unique_topic_prefix, tmp_path, "local")
    check_alerts(alerts, expected)
    assert metrics[("ceasefire_articles_read_total", ())] == len(sample_articles())
    for stance, count in Counter(a["stance"]["label"] for a in alerts).items():
        assert metrics[("ceasefire_alerts_total", (("stance", stance),))] == count


def test_flink_cluster_writes_the_batch_alerts_and_cancels_on_sigterm(
    kafka_bootstrap, unique_topic_prefix, tmp_path, flink_cluster
):
    """On a standalone cluster the samples give the batch alerts, and SIGTERM leaves no Flink job running."""
    alerts, expected, metrics = run_on_flink(kafka_bootstrap, unique_topic_prefix, tmp_path, flink_cluster)
    check_alerts(alerts, expected)
    assert metrics[("ceasefire_articles_read_total", ())] == len(sample_articles())
    jobs = flink_jobs(flink_cluster)
    assert jobs, "the job should have been submitted to the cluster"
    assert {job["state"] for job in jobs} == {"CANCELED"}
