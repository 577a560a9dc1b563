"""Helpers for tests that run the real streaming job as a separate process against the real broker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from ceasefire_watch.dev.kafka import create_topics

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "data" / "samples"
BIG_MESSAGES = {"max.message.bytes": str(32 * 1024 * 1024)}


@dataclass(frozen=True)
class Topics:
    articles: str
    alerts: str
    dead_letters: str
    positions: str

    @classmethod
    def create(cls, bootstrap: str, prefix: str, article_partitions: int = 2) -> Topics:
        topics = cls(f"{prefix}articles", f"{prefix}alerts", f"{prefix}dead-letters", f"{prefix}positions")
        partitions = {topics.articles: article_partitions, topics.alerts: 2, topics.positions: 2}
        create_topics(bootstrap, partitions, configs=BIG_MESSAGES)
        create_topics(bootstrap, {topics.dead_letters: 1}, configs=BIG_MESSAGES)
        return topics


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "ceasefire_watch", *args]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample the job's Prometheus exporter serves, keyed by name and sorted labels."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode("utf-8")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def start_job(
    bootstrap: str,
    topics: Topics,
    group: str,
    log_path: Path,
    metrics_port: int = 0,
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """The streaming job in its own session, so a test can kill it and everything it started.

    `extra_args` come last, so they override (`--brokers` of a SASL listener)."""
    command = cli(
        "run",
        "--runner",
        "prism",
        "--brokers",
        bootstrap,
        "--articles-topic",
        topics.articles,
        "--alerts-topic",
        topics.alerts,
        "--dead-letter-topic",
        topics.dead_letters,
        "--positions-topic",
        topics.positions,
        "--group",
        group,
        "--metrics-address",
        f"127.0.0.1:{metrics_port}",
        *extra_args,
    )
    log = log_path.open("ab")
    return subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO_ROOT, env=env
    )


def kill_job(job: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGKILL) -> None:
    """Signal the whole process group: the Python driver, its SDK worker and the Prism runner."""
    try:
        os.killpg(job.pid, sig)
    except ProcessLookupError:
        return
    job.wait(timeout=60)


def is_statement(alert: dict[str, Any]) -> bool:
    return alert.get("type") == "statement"


def collect(
    bootstrap: str,
    topic: str,
    until: int,
    timeout_s: float = 240,
    counted: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> list[dict[str, Any]]:
    """Read a topic from the beginning until ``until`` counted messages arrived or the time is up."""
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=32 * 1024 * 1024,
    )
    documents: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    try:
        while sum(map(counted, documents)) < until and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                documents.extend(json.loads(record.value) for record in records)
    finally:
        consumer.close()
    return documents


def wait_for_commits(bootstrap: str, topic: str, group: str, timeout_s: float = 30) -> bool:
    """True once the group's committed offset of every partition equals the partition's end."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(consumer.committed(tp) == ends[tp] for tp in partitions):
                return True
            time.sleep(0.5)
        return False
    finally:
        consumer.close()


def backfill_alerts(input_path: Path, tmp_path: Path) -> list[dict[str, Any]]:
    """The alerts the batch path produces for the same articles: the expected streaming output."""
    output = tmp_path / "expected-alerts.jsonl"
    subprocess.run(
        cli("backfill", "--input", str(input_path), "--output", str(output)), check=True, cwd=REPO_ROOT
    )
    return [json.loads(line) for line in output.read_text("utf-8").splitlines() if line.strip()]


def statements_only(alerts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Statement alerts, whose ids do not depend on processing order (stance shifts' ids do)."""
    return [alert for alert in alerts if is_statement(alert)]


def write_jsonl(path: Path, documents: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), "utf-8")
    return path


def sample_articles() -> list[dict[str, Any]]:
    lines = (SAMPLES / "articles.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
