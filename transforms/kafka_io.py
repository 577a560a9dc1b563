"""Kafka at the edges: ReadFromKafkaTopic (an unbounded splittable DoFn) and WriteToKafkaTopic.

Delivery is at-least-once. The reader commits a partition's offset to the consumer group
only in a bundle finaliser, which the runner calls after the whole fused bundle, the Kafka
writes in WriteToKafkaTopic's finish_bundle included, has completed. A crash before that
replays the messages, and the deterministic alert ids make the repeats recognisable.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam.io.restriction_trackers import OffsetRange, OffsetRestrictionTracker
from apache_beam.io.watermark_estimators import MonotonicWatermarkEstimator, WalltimeWatermarkEstimator
from apache_beam.transforms.core import RestrictionProvider, WatermarkEstimatorProvider
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.timestamp import MIN_TIMESTAMP, Duration, Timestamp
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.structs import OffsetAndMetadata
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_delay,
    wait_exponential,
)

from ceasefire_watch import metrics
from ceasefire_watch.config import KafkaSettings, OffsetReset
from ceasefire_watch.records import SourceRecord

UNBOUNDED_END = 2**63 - 1
BROKER_OUTAGE_SECONDS = 15 * 60
"""How long clients keep retrying to reach the brokers before the step fails (and the job with it)."""
_LOG = logging.getLogger(__name__)
_OUTAGE_RETRIES = Retrying(
    retry=retry_if_exception_type(KafkaError),
    wait=wait_exponential(multiplier=1, max=30),
    stop=stop_after_delay(BROKER_OUTAGE_SECONDS),
    before_sleep=before_sleep_log(_LOG, logging.WARNING),
    reraise=True,
)
"""Through a broker outage, with backoff, instead of failing the job."""
_through_outages = _OUTAGE_RETRIES.wraps
"""Creating a client retries through a broker outage."""
_POLL_TIMEOUT_MS = 100
"""As long as the broker holds an empty fetch. Longer polls keep idle bundles open longer, which
costs CPU on Prism: an idle job used 0.21 of a core with 1 s polls (docs/runners.md)."""
IDLE_RESUME_FIRST_SECONDS = 0.05
IDLE_RESUME_MAX_SECONDS = 4.0
IDLE_RESUME_SHARE = 0.25
PARTITION_DISCOVERY_SECONDS = 10.0
"""How often the reader lists the topic's partitions, to start reading partitions added while it runs."""


_RECORDS_AT: dict[TopicPartition, float] = {}
"""When a poll of each partition last returned records in this process (or its first poll here).
Process-wide, not per reader: Beam runs the read on one DoFn instance per bundle thread, and a
partition's bundles move between them. Each instance once kept its own time, so an instance that
had not seen a busy partition's records for a while took it for silent and waited up to 4 s."""


def next_resume_delay(seconds_without_records: float) -> float:
    """How long a partition's reader waits before its next poll, from how long it has gone without
    records (0 when this poll returned some).

    At once while records flow; otherwise a quarter of the time since the last records, from 50 ms
    up to four seconds. Each empty bundle costs the runner and the worker about 20 ms of CPU, so a
    partition silent for a minute polls once every 4 s; one whose articles come a second apart is
    polled again within a quarter of a second, so a short pause does not hold the next article
    back (benchmarks/idle_cpu.py measures both).
    """
    if seconds_without_records <= 0:
        return 0.0
    share = IDLE_RESUME_SHARE * seconds_without_records
    return min(max(share, IDLE_RESUME_FIRST_SECONDS), IDLE_RESUME_MAX_SECONDS)


@dataclass(frozen=True)
class ReaderSettings:
    """What every reader DoFn needs; small and picklable."""

    kafka: KafkaSettings
    group_id: str
    offset_reset: OffsetReset
    max_records_per_poll: int = 500
    fetch_bytes_per_partition: int = 1024 * 1024
    """How much of a partition one fetch brings. A larger message still comes whole (the broker
    returns a first record batch over the limit), so this only bounds read-ahead: each reader's
    consumer holds one fetch in reserve, and at 16 MiB the job's process peaked about 170 MiB
    higher in a 20,000-article backlog (docs/performance.md)."""

    @_through_outages
    def new_consumer(self) -> KafkaConsumer:
        return KafkaConsumer(
            **self.kafka.client_config(),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset=self.offset_reset,
            fetch_max_wait_ms=100,
            max_partition_fetch_bytes=self.fetch_bytes_per_partition,
        )


def start_offset(
    committed: int | None, beginning: int, end: int, reset: OffsetReset, group_started: bool
) -> int:
    """Where reading a partition starts: the group's committed offset, else the reset policy.

    Once the group has started on the topic, a partition without a commit was added since: it is
    read from its beginning whatever the policy, so nothing published to it is committed unread.
    """
    if committed is not None:
        return committed
    if group_started or reset == "earliest":
        return beginning
    return end


@_through_outages
def _list_partitions(consumer: KafkaConsumer, topic: str) -> list[int]:
    """The topic's partitions as the brokers know them now; the consumer caches metadata otherwise."""
    consumer.topics()
    return sorted(consumer.partitions_for_topic(topic))


@_through_outages
def _has_commits(consumer: KafkaConsumer, topic: str, partitions: list[int]) -> bool:
    """Whether the consumer's group has committed an offset on any of the topic's partitions."""
    return any(consumer.committed(TopicPartition(topic, partition)) is not None for partition in partitions)


class _UnboundedOffsets(RestrictionProvider):
    """Restrictions that never end, each read in order by one reader: no splits, only checkpoints."""

    def create_tracker(self, restriction: OffsetRange) -> OffsetRestrictionTracker:
        return _CheckpointOnlyTracker(restriction)

    def split(self, element: Any, restriction: OffsetRange) -> Iterator[OffsetRange]:
        yield restriction

    def restriction_size(self, element: Any, restriction: OffsetRange) -> int:
        return 1


class _ListPartitionsFn(beam.DoFn, _UnboundedOffsets):
    """Lists the topic's partitions every PARTITION_DISCOVERY_SECONDS and emits each one once, as
    (topic, partition, group_started).

    Its restriction counts what it has emitted: position 0 is the first listing, position p + 1 is
    partition p. Kafka numbers partitions from 0 and only ever adds them, so claiming positions in
    order emits every partition exactly once, and the checkpointed restriction remembers how far it
    got. A restart lists from 0 again.

    The group has started on the topic after the first listing, or at the first listing when it has
    committed an offset on any partition: then the partitions it has not committed were added
    while the job ran or was down (see start_offset).
    """

    def __init__(self, settings: ReaderSettings) -> None:
        self._settings = settings

    def setup(self) -> None:
        self._consumer = self._settings.new_consumer()

    def initial_restriction(self, topic: str) -> OffsetRange:
        return OffsetRange(0, UNBOUNDED_END)

    @beam.DoFn.unbounded_per_element()  # type: ignore[untyped-decorator]
    def process(
        self,
        topic: str,
        tracker: OffsetRestrictionTracker = beam.DoFn.RestrictionParam(),
        watermark: WalltimeWatermarkEstimator = beam.DoFn.WatermarkEstimatorParam(
            WalltimeWatermarkEstimator.default_provider()
        ),
    ) -> Iterator[tuple[str, int, bool]]:
        next_position = tracker.current_restriction().start
        first_listing = next_position == 0
        if first_listing and not tracker.try_claim(0):
            return
        partitions = _list_partitions(self._consumer, topic)
        group_started = not first_listing or _has_commits(self._consumer, topic, partitions)
        for partition in partitions:
            if partition + 1 < next_position:
                continue
            if not tracker.try_claim(partition + 1):
                return
            yield topic, partition, group_started
        tracker.defer_remainder(Duration.of(PARTITION_DISCOVERY_SECONDS))

    def teardown(self) -> None:
        self._consumer.close()


class _PartitionReader:
    """One consumer assigned to one partition, guarded because finalisers run on other threads."""

    def __init__(self, settings: ReaderSettings, topic_partition: TopicPartition) -> None:
        self.lock = threading.Lock()
        self.topic_partition = topic_partition
        self.consumer = settings.new_consumer()
        self.consumer.assign([topic_partition])
        self.next_offset: int | None = None
        self.committed_offset = -1
        self.closed = False

    def poll_from(self, offset: int, max_records: int) -> list[Any]:
        """Records from ``offset`` on; none once the worker has closed the reader to stop."""
        with self.lock:
            if self.closed:
                return []
            if self.next_offset != offset:
                self.consumer.seek(self.topic_partition, offset)
            batches = self.consumer.poll(timeout_ms=_POLL_TIMEOUT_MS, max_records=max_records)
            records: list[Any] = batches.get(self.topic_partition, [])
            self.next_offset = records[-1].offset + 1 if records else offset
            highwater = self.consumer.highwater(self.topic_partition)
        if highwater is not None:
            metrics.CONSUMER_LAG.labels(
                topic=self.topic_partition.topic, partition=str(self.topic_partition.partition)
            ).set(max(0, highwater - self.next_offset))
        return records

    def commit(self, next_offset: int) -> None:
        """Commit once the bundle is durable; never move the group's offset backwards."""
        with self.lock:
            if self.closed or next_offset <= self.committed_offset:
                return
            self.consumer.commit({self.topic_partition: OffsetAndMetadata(next_offset, "", -1)})
            self.committed_offset = next_offset

    def close(self) -> None:
        with self.lock:
            self.closed = True
            self.consumer.close()


class _CheckpointOnlyTracker(OffsetRestrictionTracker):
    """Refuses fractional splits: a partition is read in order by one reader, and a split at
    half of an unbounded range would point at offsets that do not exist. Checkpoints
    (fraction 0), which is how the reader yields between polls, are allowed.
    """

    def try_split(self, fraction_of_remainder: float) -> tuple[OffsetRange, OffsetRange] | None:
        if fraction_of_remainder > 0:
            return None
        split: tuple[OffsetRange, OffsetRange] | None = super().try_split(0)
        return split


class _KafkaTimeWatermark(WatermarkEstimatorProvider):
    """The watermark follows Kafka record timestamps upwards, starting from the beginning of time."""

    def initial_estimator_state(self, element: tuple[str, int, bool], restriction: OffsetRange) -> Timestamp:
        return MIN_TIMESTAMP

    def create_watermark_estimator(self, state: Timestamp) -> MonotonicWatermarkEstimator:
        return MonotonicWatermarkEstimator(state)


class _ReadPartitionFn(beam.DoFn, _UnboundedOffsets):
    """Streams one partition from its restriction's start, yielding SourceRecords at Kafka time.

    It is its own restriction provider: a partition's restriction starts where start_offset says
    and never ends.
    """

    def __init__(self, settings: ReaderSettings) -> None:
        self._settings = settings
        self._readers: dict[TopicPartition, _PartitionReader] = {}

    def setup(self) -> None:
        self._readers = {}

    def initial_restriction(self, element: tuple[str, int, bool]) -> OffsetRange:
        topic, partition, group_started = element
        topic_partition = TopicPartition(topic, partition)
        consumer = self._settings.new_consumer()
        try:
            start = start_offset(
                consumer.committed(topic_partition),
                beginning=consumer.beginning_offsets([topic_partition])[topic_partition],
                end=consumer.end_offsets([topic_partition])[topic_partition],
                reset=self._settings.offset_reset,
                group_started=group_started,
            )
        finally:
            consumer.close()
        return OffsetRange(start, UNBOUNDED_END)

    @beam.DoFn.unbounded_per_element()  # type: ignore[untyped-decorator]
    def process(
        self,
        element: tuple[str, int, bool],
        bundle_finalizer: Any = beam.DoFn.BundleFinalizerParam,  # Beam passes it positionally: keep it first.
        tracker: OffsetRestrictionTracker = beam.DoFn.RestrictionParam(),
        watermark: MonotonicWatermarkEstimator = beam.DoFn.WatermarkEstimatorParam(_KafkaTimeWatermark()),
    ) -> Iterator[Any]:
        topic_partition = TopicPartition(*element[:2])
        reader = self._readers.get(topic_partition)
        if reader is None:
            reader = self._readers[topic_partition] = _PartitionReader(self._settings, topic_partition)
        position = tracker.current_restriction().start
        records = reader.poll_from(position, self._settings.max_records_per_poll)
        claimed_until: int | None = None
        for record in records:
            if record.offset < position:
                continue
            if not tracker.try_claim(record.offset):
                break
            claimed_until = record.offset + 1
            source = SourceRecord(
                payload=record.value or b"",
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                timestamp_ms=record.timestamp if record.timestamp and record.timestamp > 0 else None,
                key=record.key,
            )
            yield TimestampedValue(source, (record.timestamp or 0) / 1000)
        # Register a commit on every bundle, idle ones included: Prism finalises every bundle of
        # this stage, and the SDK logs an error for a bundle that registered nothing.
        commit_to = claimed_until if claimed_until is not None else position
        bundle_finalizer.register(lambda: reader.commit(commit_to))
        now = time.monotonic()
        if claimed_until is not None:
            _RECORDS_AT[topic_partition] = now
        without_records = now - _RECORDS_AT.setdefault(topic_partition, now)
        tracker.defer_remainder(Duration.of(next_resume_delay(without_records)))

    def teardown(self) -> None:
        for reader in self._readers.values():
            reader.close()


class ReadFromKafkaTopic(beam.PTransform):
    """An unbounded PCollection of SourceRecords from every partition of one topic, including
    partitions added while the job runs."""

    def __init__(self, topic: str, settings: ReaderSettings) -> None:
        super().__init__()
        self._topic = topic
        self._settings = settings

    def expand(self, begin: beam.pvalue.PBegin) -> beam.PCollection:
        reader = _ReadPartitionFn(self._settings)
        return (
            begin
            | "Topic" >> beam.Create([self._topic])
            | "ListPartitions" >> beam.ParDo(_ListPartitionsFn(self._settings))
            | "ReadPartitions"
            >> beam.ParDo(reader).with_input_types(tuple[str, int, bool]).with_output_types(SourceRecord)
        )


@_through_outages
def _new_producer(kafka: KafkaSettings, max_message_bytes: int) -> KafkaProducer:
    return KafkaProducer(
        **kafka.client_config(),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_request_size=max_message_bytes,
    )


class _ProduceFn(beam.DoFn):
    """Sends each (key, value) and waits for every acknowledgement before the bundle ends.

    A broker outage does not fail the bundle (Prism would fail the job with it): sends that time
    out are sent again, with backoff, for up to BROKER_OUTAGE_SECONDS. Any other failed send fails
    the bundle, so the reader does not commit. A message sent again may be written twice, with the
    same bytes and id, never lost.
    """

    def __init__(self, kafka: KafkaSettings, topic: str, max_message_bytes: int) -> None:
        self._kafka = kafka
        self._topic = topic
        self._max_message_bytes = max_message_bytes
        self._pending: list[_Send] = []

    def setup(self) -> None:
        self._producer = _new_producer(self._kafka, self._max_message_bytes)

    def start_bundle(self) -> None:
        self._pending = []

    def process(self, message: tuple[bytes, bytes]) -> None:
        send = _Send(message)
        with contextlib.suppress(KafkaTimeoutError):  # no metadata during an outage: sent at bundle end
            send.future = self._send(message)
        self._pending.append(send)

    def _send(self, message: tuple[bytes, bytes]) -> Any:
        key, value = message
        return self._producer.send(self._topic, key=key, value=value)

    def finish_bundle(self) -> None:
        for attempt in _OUTAGE_RETRIES.copy(retry=retry_if_exception_type(KafkaTimeoutError)):
            with attempt:
                for send in self._pending:
                    if send.needs_sending():
                        send.future = self._send(send.message)
                self._producer.flush()
                unacknowledged = sum(send.needs_sending() for send in self._pending)
                if unacknowledged:
                    raise KafkaTimeoutError(
                        f"{unacknowledged} messages to {self._topic} not acknowledged yet"
                    )
        self._pending = []

    def teardown(self) -> None:
        self._producer.close()


@dataclass
class _Send:
    """One message of the bundle and its latest send."""

    message: tuple[bytes, bytes]
    future: Any = None

    def needs_sending(self) -> bool:
        """Not sent yet, or its send timed out or hit another retriable error (the broker was away);
        a send that failed otherwise raises its error."""
        if self.future is None:
            return True
        if not self.future.is_done or not self.future.failed():
            return False
        error = self.future.exception
        if isinstance(error, KafkaTimeoutError) or getattr(error, "retriable", False):
            return True
        raise error


class WriteToKafkaTopic(beam.PTransform):
    """Writes (key, value) byte pairs with acks=all and an idempotent producer."""

    def __init__(self, topic: str, kafka: KafkaSettings, max_message_bytes: int = 32 * 1024 * 1024) -> None:
        super().__init__()
        self._topic = topic
        self._kafka = kafka
        self._max_message_bytes = max_message_bytes

    def expand(self, messages: beam.PCollection) -> beam.pvalue.PDone:
        return messages | "Produce" >> beam.ParDo(
            _ProduceFn(self._kafka, self._topic, self._max_message_bytes)
        )


def read_until_end(kafka: KafkaSettings, topic: str) -> Iterator[bytes]:
    """Every message value of a topic, from the beginning to its end when the call starts."""
    consumer = KafkaConsumer(**kafka.client_config(), group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    if record.offset < ends[TopicPartition(record.topic, record.partition)]:
                        yield record.value
    finally:
        consumer.close()
