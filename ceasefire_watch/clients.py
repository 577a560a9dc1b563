"""Kafka clients used outside the pipeline: publishing articles, following the alerts topic, and
holding a consumer group for one job."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import GroupIdNotFoundError, KafkaError, KafkaTimeoutError, RetriableError
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_exponential, wait_fixed

from ceasefire_watch.alerts import decode
from ceasefire_watch.config import KafkaSettings

_LOG = logging.getLogger(__name__)

GROUP_SESSION_TIMEOUT_MS = 10_000
"""How long the broker keeps a job that stopped heartbeating (killed, frozen, cut off) in its group."""
_BROKER_OUTAGE_SECONDS = 15 * 60
_LOGIN_PROBE_MS = 15_000
"""How long a second bootstrap may take before a listening broker is taken to refuse the client."""


class BrokerLoginError(RuntimeError):
    """The brokers accept connections but not this client: credentials, TLS or protocol are wrong."""


class GroupInUseError(RuntimeError):
    """Another job holds the consumer group."""


def messages_from_file(path: Path) -> Iterator[tuple[bytes | None, bytes]]:
    """JSONL: each non-blank line as-is, keyed by its ``id`` when it has one. Text: one article."""
    if path.suffix == ".jsonl":
        for line in path.read_bytes().splitlines():
            if line.strip():
                yield _id_of(line), line
        return
    text = path.read_text("utf-8")
    title = next((line.strip() for line in text.splitlines() if line.strip()), path.stem)
    article_id = "file-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    article = {
        "id": article_id,
        "url": path.resolve().as_uri(),
        "title": title,
        "text": text,
        "source": path.name,
        "published_at": modified.isoformat(),
    }
    yield article_id.encode("utf-8"), json.dumps(article, ensure_ascii=False).encode("utf-8")


def _id_of(line: bytes) -> bytes | None:
    try:
        document = json.loads(line)
    except ValueError:
        return None
    identifier = document.get("id") if isinstance(document, dict) else None
    return str(identifier).encode("utf-8") if identifier is not None else None


def publish(kafka: KafkaSettings, topic: str, messages: Iterable[tuple[bytes | None, bytes]]) -> int:
    """Send and wait for every acknowledgement; returns how many were sent."""
    with _refused_logins(kafka):
        producer = KafkaProducer(
            **kafka.client_config(), acks="all", enable_idempotence=True, max_request_size=32 * 1024 * 1024
        )
    try:
        futures = [producer.send(topic, key=key, value=value) for key, value in messages]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        return len(futures)
    finally:
        producer.close()


def follow(kafka: KafkaSettings, topics: list[str], from_beginning: bool) -> Iterator[dict[str, Any] | None]:
    """Documents as they arrive, and None after each quiet half second so callers can check their
    own deadlines; tombstones and messages that are not JSON objects are skipped. Runs until the
    caller stops iterating."""
    with _refused_logins(kafka):
        consumer = KafkaConsumer(
            *topics,
            **kafka.client_config(),
            group_id=None,
            auto_offset_reset="earliest" if from_beginning else "latest",
            enable_auto_commit=False,
            consumer_timeout_ms=500,
        )
    try:
        while True:
            for message in consumer:
                document = decode(message.value)
                if document is not None:
                    yield document
            yield None
    finally:
        consumer.close()


@dataclass(frozen=True)
class AlertFilter:
    """What a subscriber wants to see; an empty field matches everything."""

    conflict: str | None = None
    speaker: str | None = None
    stance: str | None = None
    min_confidence: float = 0.0

    def matches(self, alert: dict[str, Any]) -> bool:
        if self.conflict and alert.get("conflict") != self.conflict:
            return False
        if self.speaker and self.speaker.casefold() not in _speaker_name(alert).casefold():
            return False
        stance, confidence = _stance_and_confidence(alert)
        if self.stance and stance != self.stance:
            return False
        return confidence >= self.min_confidence


def _speaker_name(alert: dict[str, Any]) -> str:
    speaker = alert.get("speaker")
    if isinstance(speaker, dict):
        return str(speaker.get("name", ""))
    return str(speaker or "")


def _stance_and_confidence(alert: dict[str, Any]) -> tuple[str | None, float]:
    """A statement's or a position's stance and its probability; a stance shift's new stance
    (confidence 1)."""
    stance = alert.get("stance")
    if isinstance(stance, dict):
        label = stance.get("label")
        confidence = (
            stance["confidence"] if "confidence" in stance else stance.get("scores", {}).get(label, 0.0)
        )
        return label, float(confidence)
    current = alert.get("current")
    if isinstance(current, dict):
        return current.get("stance"), 1.0
    return None, 1.0


def format_alert(alert: dict[str, Any]) -> str:
    """One readable line per alert; a type this client does not know gets a generic line."""
    formatter = _FORMATTERS.get(str(alert.get("type")), _format_other)
    try:
        return formatter(alert)
    except (KeyError, TypeError, ValueError, AttributeError):
        return _format_other(alert)


def _format_statement(alert: dict[str, Any]) -> str:
    """Stance, confidence, speaker, conflict, statement, conditions, outlet."""
    stance, confidence = _stance_and_confidence(alert)
    speaker = _speaker_name(alert) or "unattributed"
    conflict = f" [{alert['conflict']}]" if alert.get("conflict") else ""
    statement = " ".join(alert["statement"]["text"].split())
    conditions = "".join(f"\n      condition: {condition}" for condition in alert.get("conditions", []))
    return (
        f"[{str(stance).upper():<11} {confidence:4.2f}]{conflict} {speaker}: {statement}"
        f"  — {alert['article']['source']}, {alert['published_at']} ({alert['alert_id'][:8]}){conditions}"
    )


def _format_stance_shift(alert: dict[str, Any]) -> str:
    """Who moved from which position to which, with both quotes."""
    previous, current = alert["previous"], alert["current"]
    return (
        f"[SHIFT {previous['stance'].upper()} → {current['stance'].upper()}] [{alert['conflict']}] "
        f"{alert['speaker']} ({alert['alert_id'][:8]})"
        f"\n      was: {_quote(previous)}\n      now: {_quote(current)}"
    )


def _format_position(position: dict[str, Any]) -> str:
    """Speaker, conflict, overall stance, its rule, conditions and the strongest quote."""
    stance = position["stance"]
    quote = " ".join(str(position["strongest_quote"]["text"]).split())
    conditions = "".join(f"\n      condition: {condition}" for condition in position["conditions"])
    return (
        f"[POSITION {stance['label'].upper()} {stance['confidence']:4.2f}] [{position['conflict']}] "
        f"{_speaker_name(position)} ({stance['rule']}, {len(position['statement_alert_ids'])} statements)"
        f"\n      quote: {quote}  — {position['article']['source']}, {position['published_at']}{conditions}"
    )


def _quote(sighting: dict[str, Any]) -> str:
    text = " ".join(str(sighting["text"]).split())
    return f"{text}  — {sighting['source']}, {sighting['published_at']}"


def _format_other(alert: dict[str, Any]) -> str:
    kind = str(alert.get("type", "unknown")).upper()
    identity = str(alert.get("alert_id", ""))[:8]
    fields = ", ".join(sorted(str(key) for key in alert if key not in {"type", "alert_id"}))
    return f"[{kind}] ({identity}) {fields}"


_FORMATTERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "statement": _format_statement,
    "stance_shift": _format_stance_shift,
    "position": _format_position,
}


@contextlib.contextmanager
def exclusive_group(kafka: KafkaSettings, group: str, topic: str) -> Iterator[None]:
    """Hold ``group`` for this job while the block runs, or raise GroupInUseError.

    The job's readers assign partitions themselves, so the broker never sees them as members of
    ``group``, and a member there would make their commits fail. The launcher therefore joins a
    companion group, ``<group>.launcher``, subscribed to ``topic`` with every partition paused
    (it reads nothing). A launcher that finds a member there waits out the session timeout, so a
    killed job's place frees itself, and refuses to start if the member is still alive. Two
    launchers that join at the same moment both see two members; the one started first keeps
    the group. Limits: only ceasefire-watch launchers are seen (another application reading
    ``group`` is not), and a launcher frozen for longer than the session timeout loses its place
    while its job may still be running.
    """
    lock_group = f"{group}.launcher"
    me = f"ceasefire-watch-run-{time.time_ns():020d}-{os.getpid()}"
    admin = _admin(kafka)
    try:
        _wait_until_free(admin, lock_group, group)
        member = _Member(kafka, lock_group, me, topic)
        try:
            holders = _joined_members(admin, lock_group, me)
            if min(holders) != me:
                raise GroupInUseError(_in_use(group, min(holders)))
            yield
        finally:
            member.leave()
    finally:
        admin.close()


def _in_use(group: str, holder: str) -> str:
    seconds = GROUP_SESSION_TIMEOUT_MS / 1000
    return (
        f"consumer group {group!r} is in use by another ceasefire-watch job ({holder}); "
        f"stop it or choose another --group (a killed job frees the group within {seconds:.0f} s)"
    )


@contextlib.contextmanager
def _refused_logins(kafka: KafkaSettings) -> Iterator[None]:
    """Turn a failed bootstrap into BrokerLoginError when a broker answers on its port.

    kafka-python reports a refused SASL login as a dropped connection and retries it until its
    bootstrap timeout, just as for a broker that is down; whether anything listens tells the two
    apart. A broker that came back while the bootstrap waited listens too, so a fresh bootstrap
    must also fail before the client is called refused.
    """
    try:
        yield
    except KafkaTimeoutError:
        if not _any_broker_listening(kafka.bootstrap_servers) or _bootstraps(kafka):
            raise
        raise BrokerLoginError(
            f"the brokers at {kafka.bootstrap_servers} accept connections but refuse this client "
            f"(security protocol {kafka.security_protocol}, SASL mechanism {kafka.sasl_mechanism}, "
            f"user {kafka.sasl_username}): check the user name, password, TLS settings and protocol"
        ) from None


@retry(
    retry=retry_if_exception_type(KafkaTimeoutError),
    wait=wait_exponential(multiplier=1, max=30),
    stop=stop_after_delay(_BROKER_OUTAGE_SECONDS),
    reraise=True,
)
def _admin(kafka: KafkaSettings) -> KafkaAdminClient:
    """An admin client, retried through a broker outage; a refused login fails at once."""
    with _refused_logins(kafka):
        return KafkaAdminClient(**kafka.client_config(), client_id="ceasefire-watch-launcher")


def _bootstraps(kafka: KafkaSettings) -> bool:
    """Whether a fresh client gets in now (the outage ended), within a short wait."""
    try:
        KafkaAdminClient(**kafka.client_config(), bootstrap_timeout_ms=_LOGIN_PROBE_MS).close()
    except KafkaTimeoutError:
        return False
    return True


def _any_broker_listening(bootstrap_servers: str) -> bool:
    for address in bootstrap_servers.split(","):
        host, _, port = address.strip().rpartition(":")
        with contextlib.suppress(OSError), socket.create_connection((host.strip("[]"), int(port)), timeout=3):
            return True
    return False


@retry(
    retry=retry_if_exception_type(RetriableError),
    wait=wait_fixed(0.5),
    stop=stop_after_delay(60),
    reraise=True,
)
def _members(admin: KafkaAdminClient, group: str) -> list[str]:
    """Client ids of the group's members; waits while the broker loads its group coordinator."""
    description = admin.describe_groups([group])[group]
    error = description["error"]
    if error and GroupIdNotFoundError.__name__ in error:  # Kafka 4 answers so for a group without members
        return []
    if error:
        raise RetriableError(error)
    return sorted(member["client_id"] for member in description["members"])


def _wait_until_free(admin: KafkaAdminClient, lock_group: str, group: str) -> None:
    """Returns once the companion group is empty; a killed job's member is gone after its session."""
    deadline = time.monotonic() + GROUP_SESSION_TIMEOUT_MS / 1000 + 5
    if members := _members(admin, lock_group):
        _LOG.warning("consumer group %r is held by %s; waiting up to its session timeout", group, members[0])
    while members:
        if time.monotonic() > deadline:
            raise GroupInUseError(_in_use(group, members[0]))
        time.sleep(1)
        members = _members(admin, lock_group)


def _joined_members(admin: KafkaAdminClient, lock_group: str, me: str) -> list[str]:
    """The members once this launcher is one of them."""
    deadline = time.monotonic() + 60
    while me not in (members := _members(admin, lock_group)):
        if time.monotonic() > deadline:
            raise KafkaError(f"could not join consumer group {lock_group!r} within 60 s")
        time.sleep(0.2)
    return members


class _PauseAssigned(ConsumerRebalanceListener):
    """The launcher's member owns partitions but must not fetch them."""

    def __init__(self, consumer: KafkaConsumer) -> None:
        self._consumer = consumer

    def on_partitions_revoked(self, revoked: Any) -> None:
        pass

    def on_partitions_assigned(self, assigned: Any) -> None:
        self._consumer.pause(*assigned)


_MEMBER_POLL_MS = 1_000
"""How often the member polls. With every partition paused, a poll sleeps its retry back-off
between rounds, so that is raised to match: at the default 100 ms the member made ten rounds a
second, a sixth of an idle job's CPU. Heartbeats have their own thread; a poll is needed only
within `max.poll.interval.ms` (5 minutes)."""


class _Member:
    """A group member kept alive by polling from its own thread until it leaves."""

    def __init__(self, kafka: KafkaSettings, group: str, client_id: str, topic: str) -> None:
        self._consumer = KafkaConsumer(
            **kafka.client_config(),
            group_id=group,
            client_id=client_id,
            enable_auto_commit=False,
            session_timeout_ms=GROUP_SESSION_TIMEOUT_MS,
            heartbeat_interval_ms=GROUP_SESSION_TIMEOUT_MS // 10,
            retry_backoff_ms=_MEMBER_POLL_MS,
        )
        self._consumer.subscribe([topic], listener=_PauseAssigned(self._consumer))
        self._leaving = threading.Event()
        self._thread = threading.Thread(target=self._keep_alive, name="group-member", daemon=True)
        self._thread.start()

    def _keep_alive(self) -> None:
        """Polls through broker outages too: the member rejoins when the brokers are back."""
        while not self._leaving.is_set():
            try:
                self._consumer.poll(timeout_ms=_MEMBER_POLL_MS)
            except KafkaError as error:
                _LOG.warning("keeping the consumer group's membership: %s", error)
                self._leaving.wait(1)

    def leave(self) -> None:
        """Stop polling and leave the group at once, so a successor need not wait."""
        self._leaving.set()
        self._thread.join()
        self._consumer.close()
