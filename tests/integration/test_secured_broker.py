"""Secured brokers: the job, `publish` and `tail` over SASL on a real broker; a wrong password fails fast."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator

import pytest

from ceasefire_watch.dev.kafka import LocalKafka
from tests.integration.harness import (
    REPO_ROOT,
    SAMPLES,
    Topics,
    cli,
    collect,
    is_statement,
    kill_job,
    start_job,
)

pytestmark = pytest.mark.integration

USER = "watcher"
PASSWORD = "Sasl-Pa55word-never-logged"
WRONG_PASSWORD = "Wrong-Pa55word-never-logged"


@pytest.fixture(scope="module")
def secured_broker() -> Iterator[LocalKafka]:
    """A broker with a SASL_PLAINTEXT listener (PLAIN and SCRAM) beside its plain one."""
    with LocalKafka(sasl_users={USER: PASSWORD}) as broker:
        yield broker


def sasl_flags(broker: LocalKafka, mechanism: str) -> list[str]:
    return [
        "--brokers",
        broker.sasl_bootstrap_servers,
        "--kafka-security-protocol",
        "SASL_PLAINTEXT",
        "--kafka-sasl-mechanism",
        mechanism,
        "--kafka-sasl-username",
        USER,
    ]


def with_password(password: str) -> dict[str, str]:
    return {**os.environ, "CEASEFIRE_KAFKA_SASL_PASSWORD": password}


def test_the_job_publish_and_tail_work_over_sasl(secured_broker, unique_topic_prefix, tmp_path):
    """Over SCRAM-SHA-512 the job turns an article published over PLAIN into alerts that `tail` reads over
    SCRAM-SHA-256, and no password reaches any output."""
    topics = Topics.create(secured_broker.bootstrap_servers, unique_topic_prefix, article_partitions=1)
    log_path = tmp_path / "job.log"
    job = start_job(
        secured_broker.bootstrap_servers,
        topics,
        f"{unique_topic_prefix}group",
        log_path,
        extra_args=sasl_flags(secured_broker, "SCRAM-SHA-512"),
        env=with_password(PASSWORD),
    )
    try:
        reference = [
            line
            for line in (SAMPLES / "articles.jsonl").read_text("utf-8").splitlines()
            if "sample-001" in line
        ]
        (tmp_path / "one.jsonl").write_text(reference[0] + "\n", "utf-8")
        published = subprocess.run(
            cli("publish", str(tmp_path / "one.jsonl"), "--articles-topic", topics.articles)
            + sasl_flags(secured_broker, "PLAIN"),
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=with_password(PASSWORD),
            timeout=120,
        )
        assert published.returncode == 0, published.stderr
        alerts = collect(
            secured_broker.bootstrap_servers, topics.alerts, until=1, timeout_s=240, counted=is_statement
        )
        assert any(is_statement(alert) for alert in alerts), log_path.read_text()[-3000:]
        tailed = subprocess.run(
            cli("tail", "--json", "--from-beginning", "--max-seconds", "10", "--alerts-topic", topics.alerts)
            + sasl_flags(secured_broker, "SCRAM-SHA-256"),
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=with_password(PASSWORD),
            timeout=120,
        )
        assert tailed.returncode == 0, tailed.stderr
        tailed_ids = {
            json.loads(line)["alert_id"] for line in tailed.stdout.splitlines() if line.startswith("{")
        }
        assert {alert["alert_id"] for alert in alerts} <= tailed_ids
    finally:
        kill_job(job)
    for output in (log_path.read_text(errors="replace"), published.stdout + published.stderr, tailed.stderr):
        assert PASSWORD not in output


@pytest.mark.parametrize("command", ["run", "publish", "tail"])
def test_a_wrong_password_is_a_clear_error_and_exit_code_4(
    secured_broker, unique_topic_prefix, tmp_path, command
):
    """With a wrong password each command stops within a minute: exit code 4, a reason, no password."""
    topics = Topics.create(secured_broker.bootstrap_servers, unique_topic_prefix, article_partitions=1)
    (tmp_path / "one.jsonl").write_text('{"id": "x"}\n', "utf-8")
    arguments = {
        "run": ["--articles-topic", topics.articles, "--metrics-address", "127.0.0.1:0"],
        "publish": [str(tmp_path / "one.jsonl"), "--articles-topic", topics.articles],
        "tail": ["--alerts-topic", topics.alerts, "--max-seconds", "300"],
    }[command]
    result = subprocess.run(
        cli(command, *arguments, *sasl_flags(secured_broker, "SCRAM-SHA-256")),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=with_password(WRONG_PASSWORD),
        timeout=120,
    )
    assert result.returncode == 4, result.stderr[-3000:]
    assert "accept connections but refuse this client" in result.stderr
    assert WRONG_PASSWORD not in result.stdout + result.stderr
