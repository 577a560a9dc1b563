"""The soak benchmark's verdicts: lost and duplicated alert ids, and why a job died."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.soak import alert_figures, first_failure


def statement(alert_id: str, detected_at: str, stance: str = "support") -> tuple[None, bytes]:
    document = {"type": "statement", "alert_id": alert_id, "stance": stance, "detected_at": detected_at}
    return None, json.dumps(document).encode()


class TestAlertFigures:
    def test_lost_and_unexpected_ids(self):
        """An expected id never streamed is lost; a streamed id the backfill lacks is unexpected."""
        figures = alert_figures([statement("a", "t1"), statement("c", "t1")], {"a", "b"})
        assert (figures["lost_ids"], figures["lost_examples"]) == (1, ["b"])
        assert (figures["unexpected_ids"], figures["unexpected_examples"]) == (1, ["c"])

    def test_repeats_that_differ_only_in_detected_at_are_identical(self):
        """A repeat written at another time is a duplicate, but not one that differs."""
        figures = alert_figures([statement("a", "t1"), statement("a", "t2")], {"a"})
        assert figures["duplicated_ids"] == figures["duplicate_extra_writes"] == 1
        assert figures["duplicates_differing_beyond_detected_at"] == 0

    def test_repeats_with_another_answer_are_counted_as_differing(self):
        """A repeat whose content changed (here its stance) is reported as differing."""
        figures = alert_figures([statement("a", "t1"), statement("a", "t1", stance="oppose")], {"a"})
        assert figures["differing_examples"] == ["a"]

    def test_other_alert_types_are_left_out(self):
        """Stance shifts and positions are not compared: their ids depend on processing order."""
        shift = (None, json.dumps({"type": "stance_shift", "alert_id": "s"}).encode())
        assert alert_figures([shift], set())["streamed_ids"] == 0


class TestFirstFailure:
    def test_the_cause_in_the_project_code_is_chosen_over_shutdown_noise(self, tmp_path: Path):
        """The first traceback through the project's code is the cause; later runner noise is not."""
        log = tmp_path / "job.log"
        log.write_text(
            "Traceback (most recent call last):\n"
            '  File "/repo/ceasefire_watch/transforms/kafka_io.py", line 156, in process\n'
            "    self._consumer.topics()\n"
            "kafka.errors.KafkaConnectionError: 111 ECONNREFUSED\n"
            "Traceback (most recent call last):\n"
            '  File "/venv/apache_beam/runners/worker/sdk_worker.py", line 596, in release\n'
            "    self.active_bundle_processors.pop(instruction_id))\n"
            "KeyError: 'inst5528'\n"
        )
        assert first_failure(log) == (
            'File "/repo/ceasefire_watch/transforms/kafka_io.py", line 156, in process: '
            "self._consumer.topics()\nkafka.errors.KafkaConnectionError: 111 ECONNREFUSED"
        )

    def test_a_log_without_traceback_gives_its_last_lines(self, tmp_path: Path):
        """A job that exits with a message and no traceback is reported by its last lines."""
        log = tmp_path / "job.log"
        log.write_text("starting\nerror: the brokers refuse this client\n")
        assert first_failure(log).endswith("error: the brokers refuse this client")
