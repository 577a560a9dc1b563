"""Start-up, throughput and memory of the streaming job on Flink (or Prism), through a real broker.

Phase 1 publishes data/samples/articles.jsonl to a fresh articles topic, starts the job (with
deploy/flink/submit.sh, or on Prism) and waits until the consumer group has committed them:
that is the start-up time, and the alerts are compared with what ``ceasefire-watch backfill``
produces for the same file. Phase 2 publishes ``--articles`` synthetic articles
(benchmarks/pipeline_throughput.py's generator) to the running job and times how long it takes
until they are all committed, i.e. until every alert they produced is written. Memory is the
largest summed RSS of the job's process tree plus, on a cluster, the JobManager and TaskManager.

    .venv/bin/python deploy/flink/measure.py --master localhost:8081 --parallelism 2
    .venv/bin/python deploy/flink/measure.py --runner prism
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil
from kafka import KafkaConsumer, KafkaProducer

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.pipeline_throughput import committed_total, synthetic_articles  # noqa: E402
from ceasefire_watch.dev.kafka import LocalKafka, create_topics  # noqa: E402

SUBMIT = REPO_ROOT / "deploy" / "flink" / "submit.sh"
SAMPLES = REPO_ROOT / "data" / "samples" / "articles.jsonl"
BIG_MESSAGES = {"max.message.bytes": str(32 * 1024 * 1024)}


class MemorySampler(threading.Thread):
    """Largest summed RSS of some process trees, and of each kind of process in them, every 0.2 s."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots = [psutil.Process(pid) for pid in pids]
        self.peak_bytes = 0
        self.peak_by_kind: dict[str, int] = {}
        self.running = True

    @staticmethod
    def kind(process: psutil.Process) -> str:
        name = process.name()
        if name == "java":
            command = " ".join(process.cmdline())
            for marker, kind in [
                ("FlinkJobServerDriver", "job_server"),
                ("beam-flink-job-server.jar", "job_server"),
                ("StandaloneSessionClusterEntrypoint", "jobmanager"),
                ("TaskManagerRunner", "taskmanager"),
            ]:
                if marker in command:
                    return kind
            return "java"
        return "python" if name.startswith("python") else name

    def run(self) -> None:
        while self.running:
            by_kind: dict[str, int] = {}
            for root in self.roots:
                try:
                    for process in [root, *root.children(recursive=True)]:
                        kind = self.kind(process)
                        by_kind[kind] = by_kind.get(kind, 0) + process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak_bytes = max(self.peak_bytes, sum(by_kind.values()))
            for kind, rss in by_kind.items():
                self.peak_by_kind[kind] = max(self.peak_by_kind.get(kind, 0), rss)
            time.sleep(0.2)


def cluster_pids() -> list[int]:
    """The local cluster's JobManager and TaskManager, as start-cluster.sh recorded them."""
    home = subprocess.run(
        [str(REPO_ROOT / "deploy" / "flink" / "install.sh"), "--home"], capture_output=True, text=True
    ).stdout.strip()
    cluster = Path(os.environ.get("FLINK_CLUSTER_DIR", f"{home}/cluster"))
    return [int((cluster / f"{role}.pid").read_text()) for role in ("jobmanager", "taskmanager")]


def flink_jobs(master: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"http://{master}/jobs/overview", timeout=5) as response:
        jobs: list[dict[str, Any]] = json.load(response)["jobs"]
        return jobs


def job_command(args: argparse.Namespace, bootstrap: str, prefix: str, metrics_port: int) -> list[str]:
    run_options = [
        "--brokers", bootstrap,
        "--articles-topic", f"{prefix}articles",
        "--alerts-topic", f"{prefix}alerts",
        "--dead-letter-topic", f"{prefix}dead-letters",
        "--positions-topic", f"{prefix}positions",
        "--group", f"{prefix}group",
        "--metrics-address", f"127.0.0.1:{metrics_port}",
    ]  # fmt: skip
    if args.runner == "prism":
        return [sys.executable, "-m", "ceasefire_watch", "run", *run_options]
    flink = ["--master", args.master, "--parallelism", str(args.parallelism)]
    flink += [f"--beam-arg={arg}" for arg in args.beam_arg]
    return [str(SUBMIT), *flink, "--checkpoint-ms", str(args.checkpoint_ms), "--", *run_options]


def read_all(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    try:
        return [json.loads(record.value) for record in consumer]
    finally:
        consumer.close()


def scrape(port: int, prefix: str) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        lines = response.read().decode().splitlines()
    values: dict[str, float] = {}
    for line in lines:
        if line.startswith(prefix) and "_created" not in line:
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


class Job:
    """The streaming job as a subprocess in its own session, with a memory sampler on it."""

    def __init__(self, args: argparse.Namespace, bootstrap: str, prefix: str) -> None:
        self.args = args
        self.log_path = Path(f"/tmp/{prefix}job.log")
        self.started = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                job_command(args, bootstrap, prefix, args.metrics_port),
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                start_new_session=True,
            )
        on_cluster = args.runner == "flink" and args.master != "local"
        self.sampler = MemorySampler([self.process.pid, *(cluster_pids() if on_cluster else [])])
        self.sampler.start()
        self.running_at: float | None = None

    def wait_for_commits(self, bootstrap: str, prefix: str, total: int) -> float:
        """Block until the group committed ``total`` messages; returns that moment."""
        while committed_total(bootstrap, f"{prefix}articles", f"{prefix}group") < total:
            now = time.monotonic()
            if self.running_at is None and self.args.runner == "flink" and self.args.master != "local":
                jobs = flink_jobs(self.args.master)
                if any(j["name"].startswith("ceasefire-watch-") and j["state"] == "RUNNING" for j in jobs):
                    self.running_at = now
            if self.process.poll() is not None:
                raise SystemExit(f"the job exited (rc={self.process.returncode}); see {self.log_path}")
            if now - self.started > self.args.timeout:
                raise SystemExit(
                    f"not all {total} committed after {self.args.timeout} s; see {self.log_path}"
                )
            time.sleep(0.2)
        return time.monotonic()

    def stop(self) -> dict[str, Any]:
        stop_started = time.monotonic()
        self.sampler.running = False
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=120)
        return {
            "stop_s": round(time.monotonic() - stop_started, 1),
            "peak_rss_mib": round(self.sampler.peak_bytes / 2**20),
            "peak_rss_mib_by_process": {k: round(v / 2**20) for k, v in self.sampler.peak_by_kind.items()},
        }


def publish(bootstrap: str, topic: str, messages: Sequence[tuple[bytes | None, bytes]]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    for key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def statement_alerts(bootstrap: str, prefix: str) -> tuple[list[dict[str, Any]], int]:
    """The statement alerts, and how many other messages (e.g. stance shifts) the topic holds."""
    messages = read_all(bootstrap, f"{prefix}alerts")
    alerts = [m for m in messages if m.get("type") == "statement"]
    return alerts, len(messages) - len(alerts)


def measure(args: argparse.Namespace, bootstrap: str) -> dict[str, Any]:
    """Phase 1: the sample articles (start-up and correctness). Phase 2: a timed batch."""
    prefix = f"measure-{uuid.uuid4().hex[:8]}-"
    topics = {f"{prefix}articles": args.partitions, f"{prefix}alerts": 2, f"{prefix}positions": 2}
    create_topics(bootstrap, topics, configs=BIG_MESSAGES)
    create_topics(bootstrap, {f"{prefix}dead-letters": 1}, configs=BIG_MESSAGES)
    samples = [(None, line.encode()) for line in SAMPLES.read_text("utf-8").splitlines() if line.strip()]
    publish(bootstrap, f"{prefix}articles", samples)
    expected_ids = backfill_alert_ids()

    report: dict[str, Any] = {
        "runner": args.runner,
        "master": args.master,
        "parallelism": args.parallelism,
        "partitions": args.partitions,
    }
    job = Job(args, bootstrap, prefix)
    try:
        samples_done = job.wait_for_commits(bootstrap, prefix, len(samples))
        if job.running_at is not None:
            report["flink_job_running_after_s"] = round(job.running_at - job.started, 1)
        report["samples_committed_after_s"] = round(samples_done - job.started, 1)
        alerts, others = statement_alerts(bootstrap, prefix)
        report["sample_alerts"] = len(alerts)
        report["sample_other_alerts"] = others
        report["sample_alerts_match_backfill"] = sorted(a["alert_id"] for a in alerts) == expected_ids
        report["reference_sentence_stance"] = [
            a["stance"]["label"] for a in alerts if "root causes of this crisis" in a["statement"]["text"]
        ]
        if args.articles:
            articles = synthetic_articles(args.articles, 0.02, 1, prefix)
            publish(
                bootstrap, f"{prefix}articles", [(a["id"].encode(), json.dumps(a).encode()) for a in articles]
            )
            published = time.monotonic()
            finished = job.wait_for_commits(bootstrap, prefix, len(samples) + len(articles))
            report["batch_articles"] = len(articles)
            report["batch_committed_after_s"] = round(finished - published, 1)
            report["batch_articles_per_second"] = round(len(articles) / (finished - published), 1)
            report["batch_alerts"] = len(statement_alerts(bootstrap, prefix)[0]) - len(alerts)
        report["dead_letters"] = len(read_all(bootstrap, f"{prefix}dead-letters"))
        if args.metrics_port:
            report["exporter"] = scrape(args.metrics_port, "ceasefire_articles_read_total")
    finally:
        report |= job.stop()
        if args.runner == "flink" and args.master != "local":
            report["flink_jobs_left_running"] = sum(
                j["state"] not in ("FINISHED", "CANCELED", "FAILED") for j in flink_jobs(args.master)
            )
    return report


def backfill_alert_ids() -> list[str]:
    output = Path(f"/tmp/measure-backfill-{uuid.uuid4().hex[:8]}.jsonl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ceasefire_watch",
            "backfill",
            "--input",
            str(SAMPLES),
            "--output",
            str(output),
        ],
        check=True,
        cwd=REPO_ROOT,
        capture_output=True,
    )
    alerts = [json.loads(line) for line in output.read_text("utf-8").splitlines() if line]
    return sorted(a["alert_id"] for a in alerts if a.get("type") == "statement")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runner", choices=["flink", "prism"], default="flink")
    parser.add_argument("--master", default="local", help="local (mini-cluster) or a cluster's HOST:PORT")
    parser.add_argument("--parallelism", type=int, default=1)
    parser.add_argument("--checkpoint-ms", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=2000, help="synthetic articles in the timed batch")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--brokers", help="an existing broker; default: start a local one")
    parser.add_argument("--metrics-port", type=int, default=19500, help="0 disables the exporter check")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--beam-arg", action="append", default=[], help="more Beam flags for submit.sh")
    args = parser.parse_args()
    if args.brokers:
        report = measure(args, args.brokers)
    else:
        with LocalKafka() as broker:
            report = measure(args, broker.bootstrap_servers)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
