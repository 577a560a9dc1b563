"""The baseline the streaming job is compared with: the loop a user would otherwise write.

One process: a kafka-python consumer in the job's consumer group settings polls the articles
topic; each message goes through the job's own steps, called as plain functions one after
another (parse, lexicon, quotes and speakers, conflict gazetteer, ONNX stance model, novelty,
alert documents); the results are sent with the job's producer (acks=all, idempotent), and the
offsets are committed only once every send of the poll is acknowledged. Nothing is copied from
the job: the steps are its DoFns' ``process`` methods, so the two produce the same alerts.

    .venv/bin/python benchmarks/plain_loop.py --brokers 127.0.0.1:9092 --group plain-loop
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from apache_beam.pvalue import TaggedOutput
from apache_beam.transforms.window import TimestampedValue
from apache_beam.utils.shared import Shared

from ceasefire_watch.alerts import build_dead_letter, encode, utc_now
from ceasefire_watch.config import KafkaSettings, PipelineSettings, TopicSettings
from ceasefire_watch.records import DeadLetter, SourceRecord
from ceasefire_watch.transforms.alerts import POSITIONS, _AlertFn
from ceasefire_watch.transforms.failures import dead_letters_for
from ceasefire_watch.transforms.kafka_io import ReaderSettings, _new_producer
from ceasefire_watch.transforms.novelty import AlertHistory, _TrackNoveltyFn
from ceasefire_watch.transforms.parse import DEAD_LETTERS, _ParseArticleFn
from ceasefire_watch.transforms.stance import StanceModelHandler, _relevant_only
from ceasefire_watch.transforms.statements import _AttributeSpeakersFn, _MatchLexiconFn, _TagConflictsFn

Step = Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Outcome:
    """What one message produced: (key, value) pairs per output topic."""

    alerts: list[tuple[bytes, bytes]]
    positions: list[tuple[bytes, bytes]]
    dead_letters: list[tuple[bytes, bytes]]


def analysis_steps(settings: PipelineSettings) -> list[tuple[str, Step]]:
    """The job's analysis steps, from the message's bytes to scored statements, set up once."""
    handler = StanceModelHandler(settings.model_dir, settings.inference_batch_size)
    model = handler.load_model()
    speakers, conflicts = _AttributeSpeakersFn(), _TagConflictsFn()
    speakers.setup()
    conflicts.setup()
    return [
        ("ParseArticles", _ParseArticleFn(settings.max_article_bytes).process),
        ("MatchLexicon", _MatchLexiconFn().process),
        ("QuotesAndSpeakers", speakers.process),
        ("TagConflicts", conflicts.process),
        ("RunInference", lambda statements: handler.run_inference([statements], model)),
    ]


class Analysis:
    """The job's steps in the job's order, each a DoFn's ``process`` set up once."""

    def __init__(self, settings: PipelineSettings) -> None:
        history = AlertHistory(settings.kafka, settings.topics.alerts, settings.topics.positions)
        novelty = _TrackNoveltyFn(Shared(), history, settings.position_min_confidence)
        alerts = _AlertFn(utc_now)
        novelty.setup()
        self._steps: list[tuple[str, Step]] = [
            *analysis_steps(settings),
            ("KeepRelevant", _relevant_only),
            ("Remember", novelty.process),
            ("ToAlertJson", alerts.process),
        ]

    def run(self, record: SourceRecord) -> Outcome:
        """Every output of one message; a step that raises dead-letters the message, as in the job."""
        elements: list[Any] = [record]
        outcome = Outcome([], [], [])
        for stage, step in self._steps:
            produced: list[Any] = []
            for element in elements:
                try:
                    produced.extend(step(element))
                except Exception as error:
                    outcome.dead_letters.extend(
                        _encoded(d) for d in dead_letters_for(stage, [element], repr(error))
                    )
            elements = []
            for item in produced:
                if isinstance(item, TaggedOutput) and item.tag == DEAD_LETTERS:
                    outcome.dead_letters.append(_encoded(item.value))
                elif isinstance(item, TaggedOutput) and item.tag == POSITIONS:
                    outcome.positions.append(item.value)
                else:
                    elements.append(item.value if isinstance(item, TimestampedValue) else item)
        outcome.alerts.extend(elements)
        return outcome


def _encoded(dead_letter: DeadLetter) -> tuple[bytes, bytes]:
    return dead_letter.record.key or b"", encode(build_dead_letter(dead_letter, utc_now()))


def _source_record(message: Any) -> SourceRecord:
    timestamp = message.timestamp if message.timestamp and message.timestamp > 0 else None
    return SourceRecord(
        message.value or b"", message.topic, message.partition, message.offset, timestamp, message.key
    )


def run_loop(settings: PipelineSettings, stopped: Callable[[], bool]) -> None:
    """Poll, analyse, send, wait for every acknowledgement, commit; until ``stopped()``."""
    analysis = Analysis(settings)
    reader = ReaderSettings(settings.kafka, settings.consumer_group, settings.offset_reset)
    consumer = reader.new_consumer()
    consumer.subscribe([settings.topics.articles])
    producer = _new_producer(settings.kafka, 32 * 1024 * 1024)
    topics = settings.topics
    try:
        while not stopped():
            polled = consumer.poll(timeout_ms=1000, max_records=reader.max_records_per_poll)
            if not polled:
                continue
            futures: list[Any] = []
            for messages in polled.values():
                for message in messages:
                    outcome = analysis.run(_source_record(message))
                    for topic, pairs in (
                        (topics.alerts, outcome.alerts),
                        (topics.positions, outcome.positions),
                        (topics.dead_letters, outcome.dead_letters),
                    ):
                        futures.extend(producer.send(topic, key=key, value=value) for key, value in pairs)
            producer.flush()
            for future in futures:
                future.get(timeout=30)
            consumer.commit()
    finally:
        consumer.close()
        producer.close()


def _stop_flag() -> Callable[[], bool]:
    """True once SIGTERM or SIGINT arrived; the loop then finishes its poll and exits."""
    received: list[int] = []

    def handle(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
    return lambda: bool(received)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--articles-topic", default=TopicSettings().articles)
    parser.add_argument("--alerts-topic", default=TopicSettings().alerts)
    parser.add_argument("--positions-topic", default=TopicSettings().positions)
    parser.add_argument("--dead-letter-topic", default=TopicSettings().dead_letters)
    parser.add_argument("--group", default="plain-loop")
    args = parser.parse_args(argv)
    settings = PipelineSettings(
        kafka=KafkaSettings(bootstrap_servers=args.brokers),
        topics=TopicSettings(
            articles=args.articles_topic,
            alerts=args.alerts_topic,
            positions=args.positions_topic,
            dead_letters=args.dead_letter_topic,
        ),
        consumer_group=args.group,
    )
    run_loop(settings, _stop_flag())
    return 0


if __name__ == "__main__":
    sys.exit(main())
