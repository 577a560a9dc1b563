"""The soak of issue 9: the streaming job for half an hour at about 5 articles a second, with one
poison input a minute and two broker outages of a minute, supervised as a process manager would.

A local broker, and `ceasefire-watch run` on Prism as a separate process. Whenever the job exits
on its own, that is an unsupervised death: its exit code and the traceback that caused it are kept, and it is
started again at once. After the last article the job drains (its group commits every partition's
end), then `ceasefire-watch backfill` runs over exactly the good articles that reached the articles
topic, and the statement alert ids are compared: lost (in the backfill, not streamed), unexpected
(streamed, not in the backfill) and duplicated (written more than once; and whether the copies are
byte-identical apart from ``detected_at``). Dead letters are counted per reason against the poison
sent. The summed RSS of the job's process tree is sampled every 10 s. A JSON summary goes to
stdout and to ``summary.json`` in ``--work-dir``, beside the job and broker logs.

    .venv/bin/python -m benchmarks.soak                # 30 minutes
    .venv/bin/python -m benchmarks.soak --quick        # 4 minutes, outages of 20 s
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import psutil
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from benchmarks.process_tree import ProcessTree
from benchmarks.workload import synthetic_articles
from ceasefire_watch.dev.kafka import LocalKafka
from tests.integration.harness import (
    REPO_ROOT,
    Topics,
    backfill_alerts,
    free_port,
    kill_job,
    sample_articles,
    start_job,
    statements_only,
    wait_for_commits,
    write_jsonl,
)
from tests.integration.test_poison import poison

GROUP = "soak"
RSS_EVERY_SECONDS = 10.0
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
_DETECTED_AT = re.compile(rb'"detected_at":\s*"[^"]*"')


@dataclass(frozen=True)
class Plan:
    """What the soak does and when, in seconds from the first article."""

    seconds: float
    rate: float
    outage_seconds: float
    outages: int
    poison_every_seconds: float
    rss_baseline_seconds: float
    drain_timeout_seconds: float

    def outage_starts(self) -> list[float]:
        """Outages spread evenly: a third and two thirds of the way for two."""
        return [self.seconds * (k + 1) / (self.outages + 1) for k in range(self.outages)]


def poison_inputs() -> list[tuple[str, bytes]]:
    """(expected dead-letter reason, payload): the chaos test's inputs plus two parse-level ones."""
    return [
        *poison(sample_articles()[0]),
        ("not_json", b'{"id": "cut-short", "text": "The ceasefire'),
        ("not_utf8", b'{"id": "latin-1", "text": "cessez-le-feu \xe9tabli"}'),
    ]


class Publisher(threading.Thread):
    """Sends good articles at the plan's rate and one poison input per interval. It holds
    ``broker_lock`` while it sends, so an outage starts between two sends, and it pauses while the
    broker is down (a feed that waits for its broker), skipping rather than bursting the backlog."""

    def __init__(
        self,
        bootstrap: str,
        topic: str,
        plan: Plan,
        articles: list[dict[str, Any]],
        broker_lock: threading.Lock,
    ) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topic, self.plan = bootstrap, topic, plan
        self.articles, self.broker_lock = articles, broker_lock
        self.good_sent = 0
        self.poison_sent: Counter[str] = Counter()
        self.send_errors: list[str] = []

    def run(self) -> None:
        producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=True,
            max_request_size=MAX_MESSAGE_BYTES,
        )
        bad = poison_inputs()
        started = next_at = time.monotonic()
        try:
            while self.good_sent < len(self.articles):
                if (elapsed := time.monotonic() - started) >= self.plan.seconds:
                    return
                time.sleep(max(0.0, next_at - time.monotonic()))
                article = self.articles[self.good_sent]
                if self._send(producer, article["id"].encode(), json.dumps(article).encode()):
                    self.good_sent += 1
                poisoned = sum(self.poison_sent.values())
                if elapsed >= (poisoned + 0.5) * self.plan.poison_every_seconds:
                    reason, payload = bad[poisoned % len(bad)]
                    if self._send(producer, None, payload):
                        self.poison_sent[reason] += 1
                next_at = max(next_at + 1 / self.plan.rate, time.monotonic() - 1)
        finally:
            producer.close()

    def _send(self, producer: KafkaProducer, key: bytes | None, value: bytes) -> bool:
        """One acknowledged send; a failure is recorded, and the caller tries again at its next slot."""
        with self.broker_lock:
            try:
                producer.send(self.topic, key=key, value=value).get(timeout=30)
                return True
            except KafkaError as error:
                self.send_errors.append(repr(error))
                return False


class Supervisor(threading.Thread):
    """Starts the job, restarts it at once whenever it exits on its own (as a process manager
    would), counts its uptime, and samples its memory every 10 s, on its own clock so that broker
    restarts never delay it."""

    def __init__(self, bootstrap: str, topics: Topics, work_dir: Path) -> None:
        super().__init__(daemon=True)
        self.bootstrap, self.topics, self.work_dir = bootstrap, topics, work_dir
        self.started = time.monotonic()
        self.broker_down = threading.Event()
        self.exits: list[dict[str, Any]] = []
        self.rss: list[tuple[float, int, int]] = []
        self.alive_seconds = 0.0
        self._stopping = threading.Event()
        self._job = self._start()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def _log_path(self) -> Path:
        return self.work_dir / f"job-{len(self.exits)}.log"

    def _start(self) -> subprocess.Popen[bytes]:
        return start_job(self.bootstrap, self.topics, GROUP, self._log_path())

    def run(self) -> None:
        last = time.monotonic()
        while not self._stopping.wait(1.0):
            now = time.monotonic()
            if self._job.poll() is None:
                self.alive_seconds += now - last
            else:
                self._record_exit()
                self._job = self._start()
            last = now
            if not self.rss or self.elapsed() - self.rss[-1][0] >= RSS_EVERY_SECONDS:
                with contextlib.suppress(psutil.Error):
                    rss = ProcessTree(self._job.pid).rss_bytes()
                    self.rss.append((self.elapsed(), self._job.pid, rss))

    def _record_exit(self) -> None:
        self.exits.append(
            {
                "at_seconds": round(self.elapsed()),
                "exit_code": self._job.returncode,
                "broker_down": self.broker_down.is_set(),
                "first_failure": first_failure(self._log_path()),
            }
        )

    def stop(self) -> None:
        """Stop supervising, then stop the job as a user would (SIGTERM to its process group)."""
        self._stopping.set()
        self.join()
        kill_job(self._job, signal.SIGTERM)


def first_failure(log: Path) -> str:
    """The project's frames and the exception of the first traceback in a job's log that passes
    through the project's code (the cause; what follows is the runner shutting down), else of the
    last traceback, else the log's last lines."""
    lines = log.read_text("utf-8", errors="replace").splitlines()
    starts = [i for i, line in enumerate(lines) if "Traceback (most recent call last)" in line]
    summaries = [_summary(lines[start + 1 :]) for start in starts]
    return next(
        (s for s in summaries if "/ceasefire_watch/" in s),
        summaries[-1] if summaries else "\n".join(lines[-30:]),
    )


def _summary(body: list[str]) -> str:
    """A traceback's frames in the project's code, then its exception line."""
    end = next((i for i, line in enumerate(body) if line and not line[0].isspace()), len(body) - 1)
    frames = [
        f"{line.strip()}: {body[i + 1].strip()}"
        for i, line in enumerate(body[:end])
        if line.lstrip().startswith("File") and "/ceasefire_watch/" in line
    ]
    return "\n".join([*frames, body[end]])


def soak(
    plan: Plan, broker: LocalKafka, topics: Topics, work_dir: Path, articles: list[dict[str, Any]]
) -> dict[str, Any]:
    """Publish, cut the broker off as planned, supervise the job, then drain: the timeline's figures."""
    lock = threading.Lock()
    supervisor = Supervisor(broker.bootstrap_servers, topics, work_dir)
    supervisor.start()
    try:
        publisher = Publisher(broker.bootstrap_servers, topics.articles, plan, articles, lock)
        publisher.start()
        outages, pending = [], plan.outage_starts()
        while publisher.is_alive():
            if pending and supervisor.elapsed() >= pending[0]:
                pending.pop(0)
                outages.append(outage(broker, plan.outage_seconds, lock, supervisor))
            time.sleep(1)
        published_at = supervisor.elapsed()
        drained = False
        while not drained and supervisor.elapsed() - published_at < plan.drain_timeout_seconds:
            drained = wait_for_commits(broker.bootstrap_servers, topics.articles, GROUP, timeout_s=10)
    finally:
        supervisor.stop()
    return {
        "seconds": round(supervisor.elapsed()),
        "publishing_seconds": round(published_at),
        "drained": drained,
        "drain_seconds": round(supervisor.elapsed() - published_at),
        "job_alive_seconds": round(supervisor.alive_seconds),
        "outages": outages,
        "unsupervised_deaths": len(supervisor.exits),
        "job_exits": supervisor.exits,
        "good_articles_acknowledged": publisher.good_sent,
        "poison_sent_by_reason": dict(sorted(publisher.poison_sent.items())),
        "send_errors": len(publisher.send_errors),
        "send_error_examples": publisher.send_errors[:3],
        "rss": rss_figures(supervisor.rss, plan.rss_baseline_seconds),
    }


def outage(
    broker: LocalKafka, seconds: float, lock: threading.Lock, supervisor: Supervisor
) -> dict[str, float]:
    """Stop the broker, keep it stopped for ``seconds``, then start it again on its port with its
    data. Unreachable counts from the stop's start to the restarted broker's first answer."""
    with lock:
        supervisor.broker_down.set()
        began = supervisor.elapsed()
        broker.stop()
        time.sleep(seconds)
        restarting = supervisor.elapsed()
        broker.start()
        supervisor.broker_down.clear()
    return {
        "at_seconds": round(began),
        "unreachable_seconds": round(supervisor.elapsed() - began, 1),
        "broker_start_seconds": round(supervisor.elapsed() - restarting, 1),
    }


def rss_figures(samples: list[tuple[float, int, int]], baseline_seconds: float) -> dict[str, Any]:
    """RSS at the baseline time and at the end, the growth between (meaningful only when both
    samples are of the same job process), and one sample a minute."""
    baseline = next((sample for sample in samples if sample[0] >= baseline_seconds), samples[0])
    end = samples[-1]
    by_minute: dict[int, int] = {}
    for at, _, rss in samples:
        by_minute.setdefault(int(at // 60), rss)
    return {
        "baseline_at_seconds": round(baseline[0]),
        "at_baseline_mib": mib(baseline[2]),
        "at_end_mib": mib(end[2]),
        "growth_percent": round(100 * (end[2] - baseline[2]) / baseline[2], 1),
        "same_job_process": baseline[1] == end[1],
        "peak_mib": mib(max(rss for _, _, rss in samples)),
        "by_minute_mib": [mib(rss) for rss in by_minute.values()],
    }


def mib(size: int) -> int:
    return round(size / 2**20)


def read_topic(bootstrap: str, topic: str, timeout_s: float = 300) -> list[tuple[bytes | None, bytes]]:
    """Every (key, value) of a topic, from the beginning to the end offsets it has now."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        fetch_max_bytes=MAX_MESSAGE_BYTES,
    )
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        records: list[tuple[bytes | None, bytes]] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: not read to its end within {timeout_s} s")
            for batch in consumer.poll(timeout_ms=1000).values():
                records += [(record.key, record.value) for record in batch]
        return records
    finally:
        consumer.close()


def good_articles(
    records: list[tuple[bytes | None, bytes]], ids: set[str]
) -> tuple[list[dict[str, Any]], int]:
    """The generated articles in the articles topic, once each, and how many were there twice or more."""
    counts = Counter(key.decode() for key, _ in records if key and key.decode(errors="replace") in ids)
    seen: dict[str, dict[str, Any]] = {}
    for key, value in records:
        if key and key.decode(errors="replace") in ids:
            seen.setdefault(key.decode(), json.loads(value))
    return list(seen.values()), sum(1 for count in counts.values() if count > 1)


def alert_figures(records: list[tuple[bytes | None, bytes]], expected: set[str]) -> dict[str, Any]:
    """Statement alert ids streamed against those the backfill gives: lost, unexpected, duplicated."""
    copies: dict[str, list[bytes]] = {}
    for _, value in records:
        document = json.loads(value)
        if document.get("type") == "statement":
            copies.setdefault(document["alert_id"], []).append(value)
    duplicated = {alert_id: values for alert_id, values in copies.items() if len(values) > 1}
    differing = sorted(
        alert_id
        for alert_id, values in duplicated.items()
        if len({_DETECTED_AT.sub(b"", value) for value in values}) > 1
    )
    lost = sorted(expected - copies.keys())
    unexpected = sorted(copies.keys() - expected)
    return {
        "expected_by_backfill": len(expected),
        "streamed_ids": len(copies),
        "streamed_writes": sum(map(len, copies.values())),
        "lost_ids": len(lost),
        "lost_examples": lost[:5],
        "unexpected_ids": len(unexpected),
        "unexpected_examples": unexpected[:5],
        "duplicated_ids": len(duplicated),
        "duplicate_extra_writes": sum(len(values) - 1 for values in duplicated.values()),
        "duplicates_differing_beyond_detected_at": len(differing),
        "differing_examples": differing[:5],
    }


def dead_letter_reasons(records: list[tuple[bytes | None, bytes]]) -> dict[str, int]:
    return dict(sorted(Counter(json.loads(value)["reason"] for _, value in records).items()))


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Keeps stdout for the JSON summary: what child processes print goes to stderr meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


FULL = Plan(
    seconds=30 * 60,
    rate=5.0,
    outage_seconds=60,
    outages=2,
    poison_every_seconds=60,
    rss_baseline_seconds=5 * 60,
    drain_timeout_seconds=15 * 60,
)
QUICK = Plan(
    seconds=4 * 60,
    rate=5.0,
    outage_seconds=20,
    outages=2,
    poison_every_seconds=25,
    rss_baseline_seconds=60,
    drain_timeout_seconds=10 * 60,
)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="4 minutes, outages of 20 s, poison every 25 s")
    parser.add_argument("--minutes", type=float, help="how long to publish (default: 30, or 4 with --quick)")
    parser.add_argument("--rate", type=float, default=FULL.rate, help="good articles per second")
    parser.add_argument(
        "--relevant-share", type=float, default=0.1, help="share of articles that give alerts"
    )
    parser.add_argument("--words", type=int, default=400, help="about how many words an article has")
    parser.add_argument("--work-dir", type=Path, default=REPO_ROOT / "build" / "soak")
    args = parser.parse_args()
    plan = replace(
        QUICK if args.quick else FULL,
        rate=args.rate,
        **({"seconds": args.minutes * 60} if args.minutes else {}),
    )
    shutil.rmtree(args.work_dir, ignore_errors=True)
    args.work_dir.mkdir(parents=True)
    articles = synthetic_articles(int(plan.seconds * plan.rate), args.relevant_share, args.words, 9, "soak")
    with LocalKafka(port=free_port(), data_dir=args.work_dir / "kafka", keep_data=True) as broker:
        topics = Topics.create(broker.bootstrap_servers, "soak-")
        timeline = soak(plan, broker, topics, args.work_dir, articles)
        alerts, letters, inputs = (
            read_topic(broker.bootstrap_servers, topic)
            for topic in (topics.alerts, topics.dead_letters, topics.articles)
        )
    good, repeated = good_articles(inputs, {article["id"] for article in articles})
    started = time.monotonic()
    with stdout_to_stderr():
        expected = backfill_alerts(write_jsonl(args.work_dir / "good-articles.jsonl", good), args.work_dir)
    summary = {
        "plan": asdict(plan),
        "relevant_share": args.relevant_share,
        "words": args.words,
        **timeline,
        "good_articles_in_topic": len(good),
        "good_articles_in_topic_more_than_once": repeated,
        "backfill_seconds": round(time.monotonic() - started),
        "alerts": alert_figures(alerts, {a["alert_id"] for a in statements_only(expected)}),
        "dead_letters_by_reason": dead_letter_reasons(letters),
        "work_dir": str(args.work_dir),
    }
    (args.work_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
