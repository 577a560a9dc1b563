"""What the streaming job costs when nothing arrives, and the latency that costs when news resumes.

Starts the job (Prism runner and SDK worker) on an empty articles topic, waits until every partition
has been read once, then averages the CPU of the whole process tree over ``--idle-seconds``. Then
it publishes at ``--rate`` articles per second for ``--latency-seconds`` and reports the latency
from each article's send to the arrival of its alerts at a subscriber: over all alerts (the first
come from a job that was idle, so they include its wake-up, up to the reader's longest resume
delay) and over the articles sent after ``--wake-up-seconds`` (the steady state).

    .venv/bin/python benchmarks/idle_cpu.py --idle-seconds 60 --rate 10 --latency-seconds 60
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from pipeline_throughput import percentile
from process_tree import ProcessTree
from workload import publish, synthetic_articles

from ceasefire_watch.dev import REPO_ROOT
from ceasefire_watch.dev.kafka import LocalKafka, create_topics

ARTICLES, ALERTS, POSITIONS, DEAD = "idle-articles", "idle-alerts", "idle-positions", "idle-dead"
GROUP = "idle-bench"


def start_job(bootstrap: str, log_path: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "ceasefire_watch", "run", "--brokers", bootstrap, "--group", GROUP]
    command += ["--articles-topic", ARTICLES, "--alerts-topic", ALERTS, "--dead-letter-topic", DEAD]
    command += ["--positions-topic", POSITIONS, "--metrics-address", "127.0.0.1:0"]
    return subprocess.Popen(
        command, stdout=log_path.open("ab"), stderr=subprocess.STDOUT, cwd=REPO_ROOT, start_new_session=True
    )


def wait_until_reading(
    bootstrap: str, partitions: int, job: subprocess.Popen[bytes], timeout_s: float
) -> float:
    """Seconds until the group has committed an offset on every partition (the reader's first bundles)."""
    started = time.monotonic()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=GROUP, enable_auto_commit=False)
    try:
        while time.monotonic() - started < timeout_s:
            if job.poll() is not None:
                raise SystemExit(f"the job exited with rc={job.returncode}")
            if all(consumer.committed(TopicPartition(ARTICLES, p)) is not None for p in range(partitions)):
                return time.monotonic() - started
            time.sleep(0.5)
    finally:
        consumer.close()
    raise SystemExit(f"no commits after {timeout_s} s")


def idle_cores(pid: int, seconds: float) -> dict[str, float]:
    """Average cores each process of the job's tree used over ``seconds`` of wall time, by "pid name"."""
    tree = ProcessTree(pid)
    before, started = tree.cpu_seconds_by_process(), time.monotonic()
    time.sleep(seconds)
    after, elapsed = tree.cpu_seconds_by_process(), time.monotonic() - started
    return {name: (used - before.get(name, 0.0)) / elapsed for name, used in after.items()}


def alert_latencies(
    bootstrap: str, producer: KafkaProducer, rate: float, seconds: float, share: float, words: int
) -> list[tuple[float, float]]:
    """(seconds into the phase the article was sent, seconds from its send to its alert's arrival),
    publishing at ``rate`` per second."""
    consumer = KafkaConsumer(ALERTS, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest")
    consumer.poll(timeout_ms=1000)
    articles = synthetic_articles(int(rate * seconds), share, words, 3, "latency")
    sent_at: dict[str, float] = {}
    publisher = threading.Thread(target=publish, args=(producer, ARTICLES, articles, rate, sent_at))
    publisher.start()
    latencies: list[tuple[float, float]] = []
    phase_started = time.time()
    deadline = time.monotonic() + seconds + 20
    try:
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=100).values():
                received_at = time.time()
                documents: list[dict[str, Any]] = [json.loads(record.value) for record in records]
                sent = [sent_at[d["article"]["id"]] for d in documents if d["type"] == "statement"]
                latencies += [(at - phase_started, received_at - at) for at in sent]
    finally:
        publisher.join()
        consumer.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--settle-seconds", type=float, default=15.0, help="idle time before measuring")
    parser.add_argument("--rate", type=float, default=10.0, help="articles per second in the latency phase")
    parser.add_argument("--latency-seconds", type=float, default=60.0)
    parser.add_argument(
        "--wake-up-seconds",
        type=float,
        default=5.0,
        help="articles sent this early in the latency phase meet a job still waking from idle; "
        "the steady figures leave them out",
    )
    parser.add_argument(
        "--relevant-share", type=float, default=0.1, help="share of articles that give alerts"
    )
    parser.add_argument("--words", type=int, default=570, help="about how many words an article has")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--log", type=Path, default=Path("/tmp/idle-cpu-job.log"))
    args = parser.parse_args()

    with LocalKafka() as broker:
        bootstrap = broker.bootstrap_servers
        create_topics(bootstrap, {ARTICLES: args.partitions, ALERTS: 1, POSITIONS: 1, DEAD: 1})
        job = start_job(bootstrap, args.log)
        try:
            startup = wait_until_reading(bootstrap, args.partitions, job, timeout_s=180)
            time.sleep(args.settle_seconds)
            cores_by_process = idle_cores(job.pid, args.idle_seconds)
            cores = sum(cores_by_process.values())
            print(f"idle: {cores:.4f} cores over {args.idle_seconds} s", file=sys.stderr)
            producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
            latencies = alert_latencies(
                bootstrap, producer, args.rate, args.latency_seconds, args.relevant_share, args.words
            )
            producer.close()
        finally:
            job.terminate()
            job.wait(timeout=60)
    all_latencies = [latency for _, latency in latencies]
    steady = [latency for sent, latency in latencies if sent >= args.wake_up_seconds]
    report = {
        "partitions": args.partitions,
        "startup_to_first_commits_seconds": round(startup, 1),
        "idle_seconds": args.idle_seconds,
        "idle_cores": round(cores, 4),
        "idle_cores_by_process": {name: round(used, 4) for name, used in cores_by_process.items()},
        "latency_rate_articles_per_second": args.rate,
        "latency_relevant_share": args.relevant_share,
        "latency_alerts_measured": len(latencies),
        "latency_p50_seconds": round(percentile(all_latencies, 50), 3),
        "latency_p99_seconds": round(percentile(all_latencies, 99), 3),
        "latency_max_seconds": round(max(all_latencies), 3),
        "steady_after_seconds": args.wake_up_seconds,
        "steady_latency_p50_seconds": round(percentile(steady, 50), 3),
        "steady_latency_p99_seconds": round(percentile(steady, 99), 3),
        "steady_latency_max_seconds": round(max(steady), 3),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
