"""What is new in a statement: is it a syndicated repeat, and has its speaker changed stance?

The memory is rebuilt from the alerts topic when a worker starts (the alerts are the durable
record of everything already reported, answers included), so it survives restarts on any runner
without runner state, and replays stay idempotent: an alert id seen before gets exactly its
earlier answer.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from datetime import datetime

from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_QUOTED = re.compile(r"[“\"]([^”\"]+)[”\"]")
_SHINGLE_WORDS = 3
_PERMUTATIONS = 128
_SIMILARITY_THRESHOLD = 0.6


def _quoted_core(text: str) -> str:
    """The words inside quotation marks when there are any: outlets copy a quote verbatim but
    rewrite the attribution around it ("the army's spokesman said" vs "said army spokesman")."""
    quoted = _QUOTED.findall(text)
    return " ".join(quoted) if quoted else text


def _signature(text: str) -> MinHash:
    """MinHash of word 3-grams of the statement's core, ignoring case, punctuation and quote styles."""
    words = _WORD.findall(_quoted_core(text).lower())
    signature = MinHash(num_perm=_PERMUTATIONS, seed=7)
    for index in range(max(1, len(words) - _SHINGLE_WORDS + 1)):
        signature.update(" ".join(words[index : index + _SHINGLE_WORDS]).encode("utf-8"))
    return signature


@dataclass(frozen=True)
class Sighting:
    """One statement, or one position (whose id is then the position id), as the memory needs it."""

    alert_id: str
    text: str
    source: str
    published_at: datetime
    speaker: str | None
    conflict: str | None
    stance: str
    article_id: str = ""
    confidence: float = 1.0


@dataclass(frozen=True)
class Novelty:
    """Whether a statement is new, and which near-duplicate group it belongs to."""

    statement_id: str
    first_seen: datetime
    sources: int
    repeat: bool


@dataclass
class _Group:
    statement_id: str
    first_seen: datetime
    sources: set[str] = field(default_factory=set)


class StatementMemory:
    """Near-duplicate groups of statements, and the last position of each speaker in each conflict.

    A stance shift is a speaker's position on a conflict in one article differing from their
    position in an earlier article. Positions are per article, so another sentence of the same
    speech is never a shift, and neutral statements (which take no position) never enter one. No
    minimum time applies between the two articles: a reversal the next hour is news.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index = MinHashLSH(threshold=_SIMILARITY_THRESHOLD, num_perm=_PERMUTATIONS)
        self._groups: dict[str, _Group] = {}
        self._answers: dict[str, Novelty] = {}
        self._last_position: dict[tuple[str, str], Sighting] = {}
        self._shift_answers: dict[str, Sighting | None] = {}

    def observe(self, sighting: Sighting) -> Novelty:
        """Record a statement and say whether it repeats one seen before."""
        with self._lock:
            return self._observe(sighting)

    def restore(self, sighting: Sighting, published: Novelty) -> None:
        """Record a statement with the answer its alert was published with. A crash can leave a
        repeat's alert in the topic without its original's, and observing the repeat afresh would
        make it the original; restored, both get their published answers when their articles are
        read again, and later copies join the group the alerts name."""
        with self._lock:
            self._answers[sighting.alert_id] = published
            key = published.statement_id
            group = self._groups.get(key)
            if group is None:
                group = self._groups[key] = _Group(key, published.first_seen)
                self._index.insert(key, _signature(sighting.text))
            group.sources.add(sighting.source)
            group.first_seen = min(group.first_seen, published.first_seen)

    def observe_position(self, position: Sighting) -> Sighting | None:
        """Record a position; the speaker's earlier, different position when this one shifts from it."""
        with self._lock:
            if position.alert_id not in self._shift_answers:
                self._shift_answers[position.alert_id] = self._shift(position)
            return self._shift_answers[position.alert_id]

    def _observe(self, sighting: Sighting) -> Novelty:
        if sighting.alert_id in self._answers:
            return self._answers[sighting.alert_id]
        signature = _signature(sighting.text)
        matches = self._index.query(signature)
        if matches:
            group = min((self._groups[key] for key in matches), key=lambda g: (g.first_seen, g.statement_id))
            repeat = group.statement_id != sighting.alert_id  # a restored group's own original is no repeat
        else:
            group = self._groups[sighting.alert_id] = _Group(sighting.alert_id, sighting.published_at)
            self._index.insert(sighting.alert_id, signature)
            repeat = False
        group.sources.add(sighting.source)
        group.first_seen = min(group.first_seen, sighting.published_at)
        answer = Novelty(group.statement_id, group.first_seen, len(group.sources), repeat)
        self._answers[sighting.alert_id] = answer
        return answer

    def _shift(self, position: Sighting) -> Sighting | None:
        if position.speaker is None or position.conflict is None:
            return None
        key = (position.speaker.casefold(), position.conflict)
        last = self._last_position.get(key)
        if last is not None and last.published_at > position.published_at:
            return None
        self._last_position[key] = position
        if last is None or last.stance == position.stance or last.article_id == position.article_id:
            return None
        return last
