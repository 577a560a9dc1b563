"""The Kafka reader's policies: how long an idle partition sleeps, where reading a partition
starts, and how partitions are discovered."""

from __future__ import annotations

import pytest
from apache_beam.io.restriction_trackers import OffsetRange
from apache_beam.runners.sdf_utils import RestrictionTrackerView, ThreadsafeRestrictionTracker
from apache_beam.utils.timestamp import Duration
from kafka import TopicPartition

from ceasefire_watch.config import KafkaSettings
from ceasefire_watch.transforms import kafka_io
from ceasefire_watch.transforms.kafka_io import (
    IDLE_RESUME_FIRST_SECONDS,
    IDLE_RESUME_MAX_SECONDS,
    UNBOUNDED_END,
    ReaderSettings,
    _CheckpointOnlyTracker,
    _ListPartitionsFn,
    next_resume_delay,
    start_offset,
)


class TestNextResumeDelay:
    def test_records_resume_at_once(self):
        """A poll that returned records resumes without delay."""
        assert next_resume_delay(0.0) == 0.0

    def test_a_short_pause_waits_briefly(self):
        """A partition empty for a moment is polled again after the short first delay."""
        assert next_resume_delay(0.1) == IDLE_RESUME_FIRST_SECONDS

    def test_the_delay_is_a_share_of_the_silence(self):
        """The longer a partition has been silent, the longer the wait: a quarter of the silence."""
        assert next_resume_delay(1.0) == pytest.approx(0.25)
        assert next_resume_delay(8.0) == pytest.approx(2.0)

    def test_a_long_silence_waits_the_cap(self):
        """However long the silence, the reader polls at least once every IDLE_RESUME_MAX_SECONDS."""
        assert next_resume_delay(600.0) == IDLE_RESUME_MAX_SECONDS


class TestStartOffset:
    def test_committed_offset_wins(self):
        """A partition the group has committed resumes there, whatever the policy."""
        for reset in ("earliest", "latest"):
            assert start_offset(7, beginning=0, end=9, reset=reset, group_started=True) == 7

    def test_fresh_group_follows_the_policy(self):
        """A group new to the topic starts where the reset policy says."""
        assert start_offset(None, beginning=2, end=9, reset="latest", group_started=False) == 9
        assert start_offset(None, beginning=2, end=9, reset="earliest", group_started=False) == 2

    def test_partition_added_later_is_read_from_its_beginning(self):
        """An uncommitted partition of a topic the group has started on is read whole, even under latest."""
        assert start_offset(None, beginning=2, end=9, reset="latest", group_started=True) == 2


class FakeConsumer:
    """The metadata and committed offsets _ListPartitionsFn reads, changed by the test."""

    def __init__(self, partitions: set[int], committed: dict[int, int] | None = None) -> None:
        self.partitions = partitions
        self.committed_offsets = committed or {}

    def topics(self) -> set[str]:
        return {"articles"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return set(self.partitions)

    def committed(self, topic_partition: TopicPartition) -> int | None:
        return self.committed_offsets.get(topic_partition.partition)


def list_once(
    consumer: FakeConsumer, restriction: OffsetRange
) -> tuple[list[tuple[str, int, bool]], OffsetRange]:
    """One bundle of the listing: what it emitted and the restriction it deferred."""
    listing = _ListPartitionsFn(ReaderSettings(KafkaSettings(), "group", "latest"))
    listing._consumer = consumer
    tracker = ThreadsafeRestrictionTracker(_CheckpointOnlyTracker(restriction))
    emitted = list(listing.process("articles", tracker=RestrictionTrackerView(tracker), watermark=None))
    deferred = tracker.deferred_status()
    assert deferred is not None, "the listing always defers its remainder"
    assert deferred[1] > Duration.of(0)
    return emitted, deferred[0]


class TestListPartitions:
    def test_each_partition_is_emitted_once_and_later_ones_as_added(self):
        """Each partition is emitted once; those added later come in later listings, marked as added."""
        consumer = FakeConsumer({0, 1})
        first, remainder = list_once(consumer, OffsetRange(0, UNBOUNDED_END))
        again, remainder = list_once(consumer, remainder)
        consumer.partitions = {0, 1, 2, 3}
        added, _ = list_once(consumer, remainder)
        assert first == [("articles", 0, False), ("articles", 1, False)]
        assert again == []
        assert added == [("articles", 2, True), ("articles", 3, True)]

    def test_a_topic_created_after_the_start_is_read_as_added(self):
        """Partitions of a topic that did not exist at the first listing are marked as added."""
        consumer = FakeConsumer(set())
        first, remainder = list_once(consumer, OffsetRange(0, UNBOUNDED_END))
        consumer.partitions = {0}
        later, _ = list_once(consumer, remainder)
        assert first == []
        assert later == [("articles", 0, True)]

    def test_first_listing_of_a_group_with_commits_marks_the_group_started(self):
        """After a restart, a group that has committed on the topic reads its uncommitted partitions whole."""
        emitted, _ = list_once(FakeConsumer({0, 1, 2}, committed={0: 5, 1: 3}), OffsetRange(0, UNBOUNDED_END))
        assert emitted == [("articles", p, True) for p in (0, 1, 2)]


class FakePartitionReader:
    """A partition whose polls return the records the test queued, shared by every reader."""

    queued: list[list[object]] = []

    def __init__(self, settings: ReaderSettings, topic_partition: TopicPartition) -> None:
        self.topic_partition = topic_partition

    def poll_from(self, offset: int, max_records: int) -> list[object]:
        return FakePartitionReader.queued.pop(0) if FakePartitionReader.queued else []

    def commit(self, next_offset: int) -> None:
        pass


class FakeRecord:
    def __init__(self, offset: int) -> None:
        self.offset, self.value, self.key = offset, b"{}", None
        self.topic, self.partition, self.timestamp = "articles", 0, 1_000


class DeferringTracker:
    """Claims everything and keeps the resume delay the reader asked for."""

    def __init__(self) -> None:
        self.delay: Duration | None = None

    def current_restriction(self) -> OffsetRange:
        return OffsetRange(0, UNBOUNDED_END)

    def try_claim(self, offset: int) -> bool:
        return True

    def defer_remainder(self, delay: Duration) -> None:
        self.delay = delay


class Finalizer:
    def register(self, callback: object) -> None:
        pass


def test_busy_elsewhere_is_not_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader instance that has not seen a partition's records for a minute, while another
    instance of the same worker has just read some, resumes after the short delay."""
    monkeypatch.setattr(kafka_io, "_PartitionReader", FakePartitionReader)
    clock = [1_000.0]
    monkeypatch.setattr(kafka_io.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(kafka_io, "_RECORDS_AT", {TopicPartition("articles", 0): clock[0] - 60})
    settings = ReaderSettings(KafkaSettings(bootstrap_servers="localhost:9"), "g", "earliest")
    quiet, busy = kafka_io._ReadPartitionFn(settings), kafka_io._ReadPartitionFn(settings)
    quiet.setup()
    busy.setup()
    tracker = DeferringTracker()
    list(quiet.process(("articles", 0, True), Finalizer(), tracker))
    assert tracker.delay == Duration.of(IDLE_RESUME_MAX_SECONDS)
    FakePartitionReader.queued = [[FakeRecord(0), FakeRecord(1)]]
    list(busy.process(("articles", 0, True), Finalizer(), tracker))
    assert tracker.delay == Duration.of(0)
    clock[0] += 0.1
    list(quiet.process(("articles", 0, True), Finalizer(), tracker))
    assert tracker.delay == Duration.of(IDLE_RESUME_FIRST_SECONDS)
