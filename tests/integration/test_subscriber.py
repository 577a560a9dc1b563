"""What a subscriber runs: `demo` and `tail` as subprocesses, as a person would call them."""

from __future__ import annotations

import json
import socket
import subprocess
from typing import Any

import pytest
from kafka import KafkaProducer

from ceasefire_watch.alerts import encode
from tests.integration.harness import REPO_ROOT, cli

pytestmark = pytest.mark.integration

STATEMENT: dict[str, Any] = {
    "schema_version": 2,
    "alert_id": "a" * 32,
    "type": "statement",
    "statement_id": "a" * 32,
    "first_seen": "2025-05-02T10:00:00.000Z",
    "sources": 1,
    "repeat": False,
    "article": {"id": "n-1", "url": "u", "title": "t", "source": "Nile Wire", "language": "en"},
    "statement": {
        "text": "“We accept the ceasefire, but only if the shelling stops,” the commander said.",
        "start": 0,
        "end": 80,
        "sentence_index": 0,
        "context_before": "",
        "context_after": "",
        "matched_terms": ["ceasefire"],
    },
    "speaker": {"name": "Amir Haddad", "type": "person", "speaks_for": "Sudan"},
    "conflict": "sudan",
    "stance": {
        "label": "conditional",
        "scores": {"irrelevant": 0.01, "support": 0.02, "conditional": 0.93, "oppose": 0.02, "neutral": 0.02},
    },
    "conditions": ["the shelling stops"],
    "model": {"name": "ceasefire-stance-minilm", "version": "1.1.0"},
    "published_at": "2025-05-02T10:00:00.000Z",
    "detected_at": "2025-05-02T10:00:01.000Z",
}
SHIFT: dict[str, Any] = {
    "schema_version": 2,
    "alert_id": "b" * 32,
    "type": "stance_shift",
    "speaker": "Amir Haddad",
    "conflict": "sudan",
    "previous": {
        "alert_id": "c" * 32,
        "stance": "support",
        "text": "“We back the truce.”",
        "source": "Nile Wire",
        "published_at": "2025-04-30T10:00:00.000Z",
    },
    "current": {
        "alert_id": "a" * 32,
        "stance": "conditional",
        "text": STATEMENT["statement"]["text"],
        "source": "Nile Wire",
        "published_at": "2025-05-02T10:00:00.000Z",
    },
    "detected_at": "2025-05-02T10:00:01.000Z",
}
POSITION: dict[str, Any] = {
    "schema_version": 1,
    "position_id": "e" * 32,
    "type": "position",
    "speaker": {"name": "Amir Haddad", "type": "person", "speaks_for": "Sudan"},
    "conflict": "sudan",
    "stance": {"label": "conditional", "confidence": 0.93, "rule": "conditions_qualify_agreement"},
    "conditions": ["the shelling stops"],
    "statement_alert_ids": ["a" * 32],
    "strongest_quote": {"alert_id": "a" * 32, "text": STATEMENT["statement"]["text"]},
    "article": STATEMENT["article"],
    "model": STATEMENT["model"],
    "published_at": "2025-05-02T10:00:00.000Z",
    "detected_at": "2025-05-02T10:00:01.000Z",
}
FUTURE_TYPE: dict[str, Any] = {"schema_version": 9, "alert_id": "d" * 32, "type": "forecast", "speaker": "X"}


@pytest.fixture
def positions_topic(kafka_bootstrap: str, make_topic) -> str:
    """A positions topic holding one position."""
    topic = make_topic("positions")
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    producer.send(topic, key=b"sudan/Amir Haddad", value=encode(POSITION)).get(timeout=30)
    producer.close()
    return topic


@pytest.fixture
def alerts_topic(kafka_bootstrap: str, make_topic) -> str:
    """A topic holding a statement, a stance shift, a type from a later version, a tombstone and junk."""
    topic = make_topic("alerts")
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    for key, value in [
        (b"n-1", encode(STATEMENT)),
        (b"n-1", encode(SHIFT)),
        (b"n-2", encode(FUTURE_TYPE)),
        (b"n-3", None),
        (b"n-4", b"not json"),
    ]:
        producer.send(topic, key=key, value=value).get(timeout=30)
    producer.close()
    return topic


def _tail(kafka_bootstrap: str, topic: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = cli("tail", "--brokers", kafka_bootstrap, "--alerts-topic", topic, "--from-beginning")
    return subprocess.run(
        [*command, "--max-seconds", "8", *extra], capture_output=True, text=True, timeout=120, cwd=REPO_ROOT
    )


def test_tail_prints_every_alert_type_and_skips_what_is_not_one(kafka_bootstrap, alerts_topic):
    """Readable tail gives a statement line, a shift line and a generic line, exits 0, never crashes."""
    result = _tail(kafka_bootstrap, alerts_topic)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert lines[0].startswith("[CONDITIONAL 0.93] [sudan] Amir Haddad: “We accept the ceasefire")
    assert "      condition: the shelling stops" in result.stdout
    assert lines[1].startswith("[SHIFT SUPPORT → CONDITIONAL] [sudan] Amir Haddad")
    assert "      was: “We back the truce.”" in result.stdout
    assert lines[2].startswith("[FORECAST] (dddddddd)")
    assert len(lines) == 3


def test_tail_positions_follows_the_positions_topic(kafka_bootstrap, positions_topic):
    """--positions prints each position with its stance, rule, conditions and strongest quote."""
    command = cli("tail", "--brokers", kafka_bootstrap, "--positions-topic", positions_topic, "--positions")
    result = subprocess.run(
        [*command, "--from-beginning", "--max-seconds", "8"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(
        "[POSITION CONDITIONAL 0.93] [sudan] Amir Haddad (conditions_qualify_agreement, 1 statements)"
    )
    assert "      quote: “We accept the ceasefire" in result.stdout
    assert "      condition: the shelling stops" in result.stdout


def test_tail_json_prints_each_document_as_published(kafka_bootstrap, alerts_topic):
    """--json prints the documents themselves, one per line."""
    result = _tail(kafka_bootstrap, alerts_topic, "--json")
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert printed == [STATEMENT, SHIFT, FUTURE_TYPE]


def test_tail_filters_by_stance_and_confidence(kafka_bootstrap, alerts_topic):
    """--stance and --min-confidence narrow what is printed."""
    result = _tail(
        kafka_bootstrap, alerts_topic, "--json", "--stance", "conditional", "--min-confidence", "0.95"
    )
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["type"] for line in result.stdout.splitlines() if line.startswith("{")] == [
        "stance_shift"
    ]


def test_demo_runs_and_stops_cleanly():
    """`demo --kafka-port 0 --max-seconds N` prints the reference sentence as CONDITIONAL, the Russian
    president's conditional position, and exits 0."""
    result = subprocess.run(
        cli("demo", "--kafka-port", "0", "--max-seconds", "40"),
        capture_output=True,
        text=True,
        timeout=400,
        cwd=REPO_ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert "published 16 sample messages" in result.stdout
    assert "] Vladimir Putin: “We agree with the proposal for a ceasefire" in result.stdout
    statement_lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
    key_line = next(line for line in statement_lines if "“We agree with the proposal" in line)
    assert key_line.startswith("[CONDITIONAL")
    positions = [line for line in result.stdout.splitlines() if line.startswith("[POSITION")]
    putin = next(line for line in positions if "] Vladimir Putin (" in line)
    assert putin.startswith("[POSITION CONDITIONAL")
    assert "[russia-ukraine] Vladimir Putin (conditions_qualify_agreement" in putin
    assert result.stdout.rstrip().endswith("stopping")


def test_run_on_a_busy_metrics_port_says_so_and_exits_2():
    """A second job on a taken metrics address stops at once with a clear message, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            cli("run", "--brokers", "127.0.0.1:1", "--metrics-address", f"127.0.0.1:{port}"),
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO_ROOT,
        )
    assert result.returncode == 2
    assert f"cannot serve metrics on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
