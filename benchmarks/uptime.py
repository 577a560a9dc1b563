"""How long the streaming job stays up: `ceasefire-watch run` on Prism against a local broker.

Usage: python benchmarks/uptime.py [--minutes 6] [--interval 30]

Publishes one sample article (with a fresh id) every ``--interval`` seconds for ``--minutes``,
and reports whether the job was alive throughout and how many of the published articles produced
their alerts. A job that dies (Beam's 300 s job-server deadline killed it before) shows up as
``alive_at_end: false`` with its exit code. This is the first part of the soak test of issue 9.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from ceasefire_watch.dev import REPO_ROOT, SAMPLES_DIR
from ceasefire_watch.dev.kafka import LocalKafka, create_topics

ARTICLES, ALERTS, POSITIONS, DEAD = "uptime-articles", "uptime-alerts", "uptime-positions", "uptime-dead"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=6.0)
    parser.add_argument("--interval", type=float, default=30.0)
    args = parser.parse_args()
    sample = json.loads((SAMPLES_DIR / "articles.jsonl").read_text("utf-8").splitlines()[0])
    with LocalKafka() as broker, tempfile.TemporaryDirectory() as scratch:
        create_topics(broker.bootstrap_servers, {ARTICLES: 1, ALERTS: 1, POSITIONS: 1, DEAD: 1})
        log = (Path(scratch) / "job.log").open("ab")
        command = [sys.executable, "-m", "ceasefire_watch", "run", "--brokers", broker.bootstrap_servers]
        command += ["--articles-topic", ARTICLES, "--alerts-topic", ALERTS, "--dead-letter-topic", DEAD]
        command += ["--positions-topic", POSITIONS]
        command += ["--group", "uptime", "--metrics-address", "127.0.0.1:0"]
        job = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all")
        started, published = time.monotonic(), []
        while time.monotonic() - started < args.minutes * 60 and job.poll() is None:
            article_id = f"uptime-{len(published)}"
            document = {**sample, "id": article_id}
            producer.send(ARTICLES, key=article_id.encode(), value=json.dumps(document).encode()).get(30)
            published.append(article_id)
            time.sleep(args.interval)
        alive = job.poll() is None
        uptime = time.monotonic() - started
        consumer = KafkaConsumer(
            ALERTS,
            bootstrap_servers=broker.bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=5000,
        )
        documents = [json.loads(message.value) for message in consumer if message.value]
        alerted = {document["article"]["id"] for document in documents if document["type"] == "statement"}
        consumer.close()
        producer.close()
        job.terminate()
        job.wait(60)
        report = {
            "minutes_requested": args.minutes,
            "uptime_seconds": round(uptime, 1),
            "alive_at_end": alive,
            "exit_code": None if alive else job.returncode,
            "articles_published": len(published),
            "articles_with_alerts": len(alerted & set(published)),
        }
        print(json.dumps(report, indent=2))
        return 0 if alive else 1


if __name__ == "__main__":
    sys.exit(main())
