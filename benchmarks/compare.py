"""The streaming job against the plain loop (benchmarks/plain_loop.py) on the same broker and input.

The articles are published once; each run starts one system as a fresh process with a fresh
consumer group and fresh output topics, and the systems take turns (A B A B ...) so that drift
in the shared machine's load falls on both. Each run reports:

- start-up: seconds from starting the process to the group's first commit;
- throughput: articles per second from the first commit to the last (the steady state);
- CPU per article: the process tree's user+system time over the same span, per article, and the
  cores each process used in it (which one bound the run);
- idle CPU: cores the process tree uses over ``--idle-seconds`` once everything is committed and
  nothing new arrives (after a 5 s settle);
- peak RSS: the largest summed resident memory of the process tree; peak PSS: the same with
  pages shared between processes (a fork server and its children) divided among them.

Medians per system and the job/loop ratios are printed, with a check that both systems sent
the same statement alerts (ids, labels, scores, speakers, conflicts) and positions.

    .venv/bin/python benchmarks/compare.py --articles 20000 --relevant-share 0.02 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from process_tree import ProcessTree
from workload import CommittedOffsets, publish, synthetic_articles

from ceasefire_watch.alerts import decode
from ceasefire_watch.config import KafkaSettings
from ceasefire_watch.dev.kafka import LocalKafka, create_topics
from ceasefire_watch.transforms.kafka_io import read_until_end

REPO_ROOT = Path(__file__).resolve().parents[1]
BIG_MESSAGES = {"max.message.bytes": str(32 * 1024 * 1024)}
SETTLE_SECONDS = 5.0
INPUT_TOPIC = "articles"


@dataclass(frozen=True)
class RunFigures:
    """What one run of one system measured."""

    system: str
    startup_seconds: float
    throughput_articles_per_second: float
    cpu_ms_per_article: float
    cores_by_process: dict[str, float]
    """Cores each process used between the first commit and the last: where the run was bound."""
    idle_cores: float
    peak_rss_mib: float
    peak_rss_by_process_mib: dict[str, int]
    peak_pss_mib: float
    statement_alerts: int
    duplicate_alerts: int
    dead_letters: int


def command(system: str, bootstrap: str, prefix: str, job_beam_args: list[str]) -> list[str]:
    """The system's command line; both take the job's topic and group flags."""
    flags = [
        "--brokers",
        bootstrap,
        "--articles-topic",
        INPUT_TOPIC,
        "--alerts-topic",
        f"{prefix}alerts",
        "--positions-topic",
        f"{prefix}positions",
        "--dead-letter-topic",
        f"{prefix}dead-letters",
        "--group",
        prefix,
    ]
    if system == "loop":
        return [sys.executable, str(REPO_ROOT / "benchmarks" / "plain_loop.py"), *flags]
    extra = ["--", *job_beam_args] if job_beam_args else []
    return [
        sys.executable,
        "-m",
        "ceasefire_watch",
        "run",
        *flags,
        "--metrics-address",
        "127.0.0.1:0",
        *extra,
    ]


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a user stops either system; SIGKILL to its process group after 30 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def statement_signature(bootstrap: str, prefix: str) -> tuple[list[tuple[Any, ...]], int]:
    """The sorted distinct statement alerts and positions a run sent (what must not depend on the
    system), and how many statement alerts were sent more than once."""
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    sent: list[tuple[Any, ...]] = []
    for topic in (f"{prefix}alerts", f"{prefix}positions"):
        for value in read_until_end(kafka, topic):
            document = decode(value) or {}
            if document.get("type") == "statement":
                sent.append(
                    (
                        document["alert_id"],
                        document["stance"]["label"],
                        json.dumps(document["stance"]["scores"], sort_keys=True),
                        json.dumps(document["speaker"], sort_keys=True),
                        document["conflict"],
                        json.dumps(document["conditions"]),
                    )
                )
            elif document.get("type") == "position":
                sent.append((document["position_id"], document["stance"]["label"]))
    distinct = sorted(set(sent))
    return distinct, len(sent) - len(distinct)


def measure(
    system: str, bootstrap: str, prefix: str, articles: int, idle_seconds: float, job_beam_args: list[str]
) -> tuple[RunFigures, list[tuple[Any, ...]]]:
    create_topics(bootstrap, {f"{prefix}alerts": 1, f"{prefix}positions": 1}, configs=BIG_MESSAGES)
    create_topics(bootstrap, {f"{prefix}dead-letters": 1}, configs=BIG_MESSAGES)
    log = (Path("/tmp") / f"benchmark-{prefix}.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        command(system, bootstrap, prefix, job_beam_args),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    tree = ProcessTree(process.pid)
    tree.start()
    committed = CommittedOffsets(bootstrap, INPUT_TOPIC, prefix)
    try:
        first: tuple[float, int, dict[str, float]] | None = None
        while True:
            done = committed.total()
            if done and first is None:
                first = (time.monotonic(), done, tree.cpu_seconds_by_process())
            if done >= articles:
                break
            if process.poll() is not None:
                raise SystemExit(f"{system} exited (rc={process.returncode}); see {log.name}")
            time.sleep(0.2)
        finished, cpu_finished = time.monotonic(), tree.cpu_seconds_by_process()
        assert first is not None
        first_at, first_done, first_cpu = first
        if first_done >= articles:
            raise SystemExit("every article was committed at once: use more articles")
        time.sleep(SETTLE_SECONDS)
        idle_from = tree.cpu_seconds()
        time.sleep(idle_seconds)
        idle_cores = (tree.cpu_seconds() - idle_from) / idle_seconds
    finally:
        committed.close()
        tree.stop()
        stop(process)
        log.close()
    signature, duplicates = statement_signature(bootstrap, prefix)
    steady = articles - first_done
    figures = RunFigures(
        system=system,
        startup_seconds=round(first_at - started, 2),
        throughput_articles_per_second=round(steady / (finished - first_at), 1),
        cpu_ms_per_article=round(1000 * (sum(cpu_finished.values()) - sum(first_cpu.values())) / steady, 2),
        cores_by_process={
            name: round((seconds - first_cpu.get(name, 0.0)) / (finished - first_at), 2)
            for name, seconds in cpu_finished.items()
        },
        idle_cores=round(idle_cores, 3),
        peak_rss_mib=round(tree.peak_rss_bytes / 2**20),
        peak_rss_by_process_mib={name: round(rss / 2**20) for name, rss in tree.peak_rss_by_process.items()},
        peak_pss_mib=round(tree.peak_pss_bytes / 2**20),
        statement_alerts=sum(1 for item in signature if len(item) > 2),
        duplicate_alerts=duplicates,
        dead_letters=sum(
            1 for _ in read_until_end(KafkaSettings(bootstrap_servers=bootstrap), f"{prefix}dead-letters")
        ),
    )
    return figures, signature


def summary(runs: list[RunFigures], systems: list[str]) -> dict[str, Any]:
    """Medians per system and, with two systems, the first's over the second's."""
    medians = {
        system: {
            field: statistics.median(getattr(run, field) for run in runs if run.system == system)
            for field in (
                "startup_seconds",
                "throughput_articles_per_second",
                "cpu_ms_per_article",
                "idle_cores",
                "peak_rss_mib",
                "peak_pss_mib",
            )
        }
        for system in systems
    }
    report: dict[str, Any] = {"medians": medians}
    if len(systems) == 2:
        a, b = (medians[system] for system in systems)
        report[f"{systems[0]}_over_{systems[1]}"] = {
            "throughput": round(a["throughput_articles_per_second"] / b["throughput_articles_per_second"], 2),
            "cpu_per_article": round(a["cpu_ms_per_article"] / b["cpu_ms_per_article"], 2),
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=3000)
    parser.add_argument("--relevant-share", type=float, default=0.02)
    parser.add_argument("--words", type=int, default=570, help="about how many words an article has")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each system, taking turns")
    parser.add_argument("--systems", default="job,loop", help="comma-separated, in turn order: job, loop")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--partitions", type=int, default=2, help="partitions of the articles topic")
    parser.add_argument(
        "--job-beam-args", default="", help="Beam flags for the job, e.g. --sdk_worker_parallelism=2"
    )
    parser.add_argument("--output", type=Path, help="also write the report here as JSON")
    args = parser.parse_args()
    systems = args.systems.split(",")
    job_beam_args = shlex.split(args.job_beam_args)

    with LocalKafka() as broker:
        bootstrap = broker.bootstrap_servers
        create_topics(bootstrap, {INPUT_TOPIC: args.partitions}, configs=BIG_MESSAGES)
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
        articles = synthetic_articles(args.articles, args.relevant_share, args.words, 1, "bench")
        publish(producer, INPUT_TOPIC, articles, rate=None)
        producer.close()
        runs: list[RunFigures] = []
        signatures: list[list[tuple[Any, ...]]] = []
        for round_index in range(args.rounds):
            for system in systems:
                figures, signature = measure(
                    system,
                    bootstrap,
                    f"{system}-{round_index}-",
                    args.articles,
                    args.idle_seconds,
                    job_beam_args,
                )
                print(json.dumps(asdict(figures)), file=sys.stderr, flush=True)
                runs.append(figures)
                signatures.append(signature)
    report = {
        "articles": args.articles,
        "relevant_share": args.relevant_share,
        "words": args.words,
        "partitions": args.partitions,
        "job_beam_args": job_beam_args,
        "runs": [asdict(run) for run in runs],
        **summary(runs, systems),
        "same_alerts_in_every_run": all(signature == signatures[0] for signature in signatures),
    }
    print(json.dumps(report, indent=2))
    if args.output:
        args.output.write_text(json.dumps(report, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    main()
