"""The Kafka reader's policies as pure functions: how long an idle partition sleeps."""

from __future__ import annotations

from ceasefire_watch.transforms.kafka_io import (
    IDLE_RESUME_FIRST_SECONDS,
    IDLE_RESUME_MAX_SECONDS,
    next_resume_delay,
)


class TestNextResumeDelay:
    def test_records_resume_at_once(self):
        """A poll that returned records resumes without delay, however long the partition slept."""
        assert next_resume_delay(IDLE_RESUME_MAX_SECONDS, got_records=True) == 0.0

    def test_first_empty_poll_waits_briefly(self):
        """The first empty poll after data waits the short first delay."""
        assert next_resume_delay(0.0, got_records=False) == IDLE_RESUME_FIRST_SECONDS

    def test_empty_polls_double_up_to_the_cap(self):
        """Each further empty poll doubles the delay until it reaches the cap, where it stays."""
        delays = [0.0]
        for _ in range(8):
            delays.append(next_resume_delay(delays[-1], got_records=False))
        assert delays[1:6] == [0.05, 0.1, 0.2, 0.4, 0.8]
        assert delays[6:] == [IDLE_RESUME_MAX_SECONDS] * 3
