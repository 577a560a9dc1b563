"""The values that flow between pipeline steps.

They are frozen dataclasses so that steps cannot mutate what another step still reads,
and so that Beam can pickle them without custom coders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SpeakerKind = Literal["person", "organisation", "state", "joint"]


@dataclass(frozen=True)
class SourceRecord:
    """Raw bytes of one input message and where they came from, kept for dead letters."""

    payload: bytes
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None
    key: bytes | None = None


@dataclass(frozen=True)
class Article:
    """A validated news article."""

    id: str
    url: str
    title: str
    text: str
    source: str
    published_at: datetime
    language: str | None
    ingested_at: datetime | None = None
    record: SourceRecord | None = field(default=None, compare=False, repr=False)
    """The message it was parsed from, so that a later stage that fails on it can dead-letter it."""


@dataclass(frozen=True)
class DeadLetter:
    """An input we could not process, with the reason and everything needed to replay it."""

    reason: str
    detail: str
    record: SourceRecord


@dataclass(frozen=True)
class Speaker:
    """Whoever a statement is attributed to, and on whose behalf they speak."""

    name: str
    kind: SpeakerKind
    speaks_for: str | None
    parties: tuple[Speaker, ...] = ()
    """For a joint speaker ("Israel and Hezbollah agreed"), each party, in the article's order."""

    @classmethod
    def joint(cls, parties: tuple[Speaker, ...]) -> Speaker:
        """Parties speaking together, named "X and Y"."""
        return cls(" and ".join(party.name for party in parties), "joint", None, parties)


@dataclass(frozen=True)
class Statement:
    """A candidate ceasefire sentence, with its neighbours and character offsets in the text."""

    article: Article
    text: str
    start: int
    end: int
    sentence_index: int
    context_before: str
    context_after: str
    matched_terms: tuple[str, ...]
    speaker: Speaker | None = None
    conflict: str | None = None


IRRELEVANT = "irrelevant"
STANCES = ("support", "conditional", "oppose", "neutral")
LABELS = (IRRELEVANT, *STANCES)


@dataclass(frozen=True)
class StanceScores:
    """The model's per-label probabilities for one sentence, and the decision derived from them."""

    scores: dict[str, float]

    @property
    def relevant(self) -> bool:
        return self.scores.get(IRRELEVANT, 0.0) < 0.5

    @property
    def stance(self) -> str | None:
        """The most probable stance, or None when the sentence is not about a ceasefire."""
        if not self.relevant:
            return None
        return max((label for label in self.scores if label != IRRELEVANT), key=self.scores.__getitem__)


@dataclass(frozen=True)
class ClassifiedStatement:
    """A statement together with its stance prediction and the model that made it."""

    statement: Statement
    prediction: StanceScores
    model_name: str
    model_version: str


@dataclass(frozen=True)
class ArticleStatements:
    """An article and its candidate statements: they travel together so positions can be formed."""

    article: Article
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class ClassifiedArticle:
    """An article and its relevant statements, each with its stance prediction."""

    article: Article
    statements: tuple[ClassifiedStatement, ...]


@dataclass(frozen=True)
class Position:
    """Where one speaker stands on one conflict in one article, from its position-bearing statements."""

    article: Article
    speaker: Speaker
    conflict: str
    stance: str
    confidence: float
    conditions: tuple[str, ...]
    statements: tuple[ClassifiedStatement, ...]
    strongest: ClassifiedStatement
