"""One job per consumer group: a second `run` on a live group refuses; a killed job's group frees itself."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from ceasefire_watch.clients import GROUP_SESSION_TIMEOUT_MS, publish
from ceasefire_watch.config import KafkaSettings
from tests.integration.harness import Topics, collect, is_statement, kill_job, sample_articles, start_job

pytestmark = pytest.mark.integration


def wait_for_log(path: Path, text: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text(errors="replace"):
            return True
        time.sleep(0.5)
    return False


def _exit_code(job: subprocess.Popen[bytes], timeout_s: float) -> int | None:
    try:
        return job.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None


def _logs(*paths: Path) -> str:
    return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in paths)


def test_a_second_job_on_a_live_group_refuses_and_nothing_is_duplicated(
    kafka_bootstrap, unique_topic_prefix, tmp_path
):
    """While one job runs, a second on its group exits 3 with the reason, and every alert is written once."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix, article_partitions=2)
    group = f"{unique_topic_prefix}group"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_job(kafka_bootstrap, topics, group, first_log)
    try:
        assert wait_for_log(first_log, "pipeline started", 120), first_log.read_text()[-3000:]
        second = start_job(kafka_bootstrap, topics, group, second_log)
        try:
            waiting = wait_for_log(second_log, "waiting up to its session timeout", 120)
            assert waiting, _logs(first_log, second_log)
            assert _exit_code(second, GROUP_SESSION_TIMEOUT_MS / 1000 + 30) == 3, _logs(first_log, second_log)
        finally:
            kill_job(second)
        assert f"consumer group '{group}' is in use by another ceasefire-watch job" in second_log.read_text()
        assert "pipeline started" not in second_log.read_text()

        articles = sample_articles()
        kafka = KafkaSettings(bootstrap_servers=kafka_bootstrap)
        publish(kafka, topics.articles, ((a["id"].encode(), json.dumps(a).encode()) for a in articles))
        alerts = collect(kafka_bootstrap, topics.alerts, until=1, timeout_s=180, counted=is_statement)
        time.sleep(10)  # a duplicating second reader would have written its copies by now
        alerts = collect(kafka_bootstrap, topics.alerts, until=10**6, timeout_s=5)
    finally:
        kill_job(first)
    statements = Counter(alert["alert_id"] for alert in alerts if is_statement(alert))
    assert statements, first_log.read_text()[-3000:]
    assert max(statements.values()) == 1


def test_a_job_started_after_a_sigkill_waits_out_the_session_and_runs(
    kafka_bootstrap, unique_topic_prefix, tmp_path
):
    """A SIGKILLed job's group is free again after its session timeout, so a restart is not refused."""
    topics = Topics.create(kafka_bootstrap, unique_topic_prefix, article_partitions=1)
    group = f"{unique_topic_prefix}group"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = start_job(kafka_bootstrap, topics, group, first_log)
    try:
        assert wait_for_log(first_log, "pipeline started", 120), first_log.read_text()[-3000:]
    finally:
        kill_job(first)
    second = start_job(kafka_bootstrap, topics, group, second_log)
    try:
        assert wait_for_log(second_log, "pipeline started", GROUP_SESSION_TIMEOUT_MS / 1000 + 120), (
            second_log.read_text()[-3000:]
        )
        assert second.poll() is None
    finally:
        kill_job(second)
