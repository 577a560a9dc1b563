"""Throughput, latency and memory of the streaming job through a real broker and Prism.

The job alone; benchmarks/compare.py sets it against the plain-loop baseline.

Phase 1 (throughput): publish N synthetic articles (about 570 words, ~2% about a ceasefire),
start the job, and time how long it takes until the consumer group has committed all of them,
i.e. until every alert they produced is written. Phase 2 (latency): publish at a steady rate and
measure, for every alert, the time from the article's Kafka timestamp to the alert's arrival at
a subscriber. Peak memory is the largest summed RSS of the job's process tree (Python driver and
SDK worker, Prism) sampled every 0.2 s.

    .venv/bin/python benchmarks/pipeline_throughput.py --articles 3000 --rate 10 --latency-seconds 120
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from process_tree import ProcessTree
from workload import CommittedOffsets, publish, synthetic_articles

from ceasefire_watch.dev.kafka import LocalKafka, create_topics

REPO_ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=3000, help="articles for the throughput phase")
    parser.add_argument("--relevant-share", type=float, default=0.02)
    parser.add_argument("--words", type=int, default=570, help="about how many words an article has")
    parser.add_argument("--rate", type=float, default=10.0, help="articles per second in the latency phase")
    parser.add_argument("--latency-seconds", type=float, default=120.0)
    parser.add_argument("--partitions", type=int, default=2)
    args = parser.parse_args()

    with LocalKafka() as broker:
        bootstrap = broker.bootstrap_servers
        create_topics(
            bootstrap, {"articles": args.partitions, "alerts": 1, "positions": 1, "dead-letters": 1}
        )
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        throughput_articles = synthetic_articles(args.articles, args.relevant_share, args.words, 1, "tp")
        publish(producer, "articles", throughput_articles, rate=None)
        log = open("/tmp/benchmark-job.log", "wb")  # noqa: SIM115 - lives as long as the job
        job = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ceasefire_watch",
                "run",
                "--brokers",
                bootstrap,
                "--articles-topic",
                "articles",
                "--alerts-topic",
                "alerts",
                "--dead-letter-topic",
                "dead-letters",
                "--positions-topic",
                "positions",
                "--group",
                "bench",
                "--metrics-address",
                "127.0.0.1:0",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        sampler = ProcessTree(job.pid)
        sampler.start()
        committed = CommittedOffsets(bootstrap, "articles", "bench")
        try:
            first_progress = None
            while (done := committed.total()) < args.articles:
                if done and first_progress is None:
                    first_progress = (time.monotonic(), done)
                if job.poll() is not None:
                    raise SystemExit(f"the job exited; see /tmp/benchmark-job.log (rc={job.returncode})")
                time.sleep(0.2)
            finished = time.monotonic()
            assert first_progress is not None
            rate = (args.articles - first_progress[1]) / (finished - first_progress[0])

            alerts_consumer = KafkaConsumer(
                "alerts", bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest"
            )
            alerts_consumer.poll(timeout_ms=1000)
            latency_articles = synthetic_articles(
                int(args.rate * args.latency_seconds), args.relevant_share, args.words, 2, "lat"
            )
            sent_at: dict[str, float] = {}
            publisher = threading.Thread(
                target=publish, args=(producer, "articles", latency_articles, args.rate, sent_at)
            )
            publisher.start()
            latencies: list[float] = []
            deadline = time.monotonic() + args.latency_seconds + 20
            while time.monotonic() < deadline and (publisher.is_alive() or time.monotonic() < deadline - 10):
                for records in alerts_consumer.poll(timeout_ms=200).values():
                    received_at = time.time()
                    for record in records:
                        alert = json.loads(record.value)
                        latencies.append(received_at - sent_at[alert["article"]["id"]])
            publisher.join()
        finally:
            committed.close()
            sampler.stop()
            job.terminate()
            job.wait(timeout=60)
        report = {
            "articles": args.articles,
            "relevant_share": args.relevant_share,
            "throughput_articles_per_second": round(rate, 1),
            "latency_rate_articles_per_second": args.rate,
            "latency_alerts_measured": len(latencies),
            "latency_p50_seconds": round(percentile(latencies, 50), 3),
            "latency_p95_seconds": round(percentile(latencies, 95), 3),
            "latency_p99_seconds": round(percentile(latencies, 99), 3),
            "peak_memory_mib": round(sampler.peak_rss_bytes / 2**20),
        }
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
