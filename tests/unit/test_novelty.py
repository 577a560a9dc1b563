"""StatementMemory: syndicated repeats share a statement id; a changed stance is a shift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ceasefire_watch.novelty import Novelty, Sighting, StatementMemory

T0 = datetime(2025, 3, 13, 10, tzinfo=UTC)
QUOTE = (
    "“We accept the ceasefire and will respect it fully,” Colonel Amir Haddad told reporters in Port Sudan."
)


def sighting(
    alert_id: str,
    text: str = QUOTE,
    source: str = "Wire A",
    minutes: int = 0,
    stance: str = "support",
    article: str | None = None,
    confidence: float = 0.95,
):
    """A sighting from its own article unless ``article`` names one."""
    published = T0 + timedelta(minutes=minutes)
    article_id = article or f"article-{alert_id}"
    return Sighting(alert_id, text, source, published, "Amir Haddad", "sudan", stance, article_id, confidence)


class TestRepeats:
    def test_syndicated_copy_shares_the_statement_id(self):
        """A copy with other quote marks and attribution from another outlet is a repeat of the first."""
        memory = StatementMemory()
        first = memory.observe(sighting("a1"))
        copy = (
            '"We accept the ceasefire and will respect it fully," Colonel Amir Haddad told reporters '
            "in Port Sudan on Friday."
        )
        second = memory.observe(sighting("a2", copy, "Wire B", minutes=5))
        assert not first.repeat
        assert second.repeat
        assert second.statement_id == first.statement_id == "a1"
        assert (second.sources, second.first_seen) == (2, T0)

    def test_different_statement_is_new(self):
        """A statement with different words gets its own id."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        other = memory.observe(
            sighting("a2", "The army said it had begun pulling heavy guns back from the front.", minutes=5)
        )
        assert not other.repeat
        assert other.statement_id == "a2"

    def test_replayed_alert_gets_its_earlier_answer(self):
        """Observing the same alert id again returns exactly the first answer."""
        memory = StatementMemory()
        memory.observe(sighting("a1"))
        answer = memory.observe(sighting("a2", source="Wire B", minutes=5))
        assert memory.observe(sighting("a2", source="Wire B", minutes=5)) == answer


class TestStanceShifts:
    """Shifts are between positions, one per speaker, conflict and article."""

    def test_changed_position_of_same_speaker_and_conflict_is_a_shift(self):
        """A later position with another stance names the previous one."""
        memory = StatementMemory()
        assert memory.observe_position(sighting("p1")) is None
        previous = memory.observe_position(sighting("p2", minutes=120, stance="oppose"))
        assert previous is not None
        assert (previous.alert_id, previous.stance) == ("p1", "support")

    def test_same_position_is_not_a_shift(self):
        """Restating the same position in another article is not a shift."""
        memory = StatementMemory()
        memory.observe_position(sighting("p1"))
        assert memory.observe_position(sighting("p2", minutes=60)) is None

    def test_positions_of_one_article_are_no_shift(self):
        """Two positions recorded from the same article never shift from each other."""
        memory = StatementMemory()
        memory.observe_position(sighting("p1", article="speech"))
        assert memory.observe_position(sighting("p2", minutes=1, stance="oppose", article="speech")) is None

    def test_an_older_position_arriving_late_is_no_shift(self):
        """A position published before the last one recorded does not shift from it."""
        memory = StatementMemory()
        memory.observe_position(sighting("p1", minutes=120, stance="oppose"))
        assert memory.observe_position(sighting("p2")) is None

    def test_a_replayed_position_gets_its_first_answer(self):
        """After a restart the same position id gets the same answer, even with newer ones recorded."""
        memory = StatementMemory()
        memory.observe_position(sighting("p1"))
        first = memory.observe_position(sighting("p2", minutes=60, stance="oppose"))
        memory.observe_position(sighting("p3", minutes=90, stance="conditional"))
        assert memory.observe_position(sighting("p2", minutes=60, stance="oppose")) == first


class TestRestore:
    def test_a_repeat_restored_without_its_original_leaves_the_original_its_answer(self):
        """After a crash kept only the repeat's alert, the original read again is still no repeat."""
        memory = StatementMemory()
        published = Novelty("a1", T0, 2, repeat=True)
        memory.restore(sighting("a2", source="Wire B", minutes=5), published)
        original = memory.observe(sighting("a1"))
        assert (original.statement_id, original.repeat) == ("a1", False)
        assert memory.observe(sighting("a2", source="Wire B", minutes=5)) == published

    def test_a_later_copy_joins_the_group_the_alerts_name(self):
        """A new copy of a restored statement repeats the original its alerts name."""
        memory = StatementMemory()
        memory.restore(sighting("a2", source="Wire B", minutes=5), Novelty("a1", T0, 2, repeat=True))
        later = memory.observe(sighting("a3", source="Wire C", minutes=9))
        assert (later.statement_id, later.repeat, later.first_seen) == ("a1", True, T0)
