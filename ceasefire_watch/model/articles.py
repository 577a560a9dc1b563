"""Article-level gold sets: the pipeline's candidate statements, scored against expected statements.

A sentence set measures the model on sentences someone chose. Articles measure what a subscriber
gets: the lexicon must find the statement, quotes widen it, the armed-conflict gate must let it
through (and stop figurative truces), and only then does the model's stance count. Here that
path runs in-process on the same pure functions the pipeline uses, without Beam and without
speaker attribution (a speaker changes no span and no stance).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ceasefire_watch.records import IRRELEVANT
from ceasefire_watch.text.armed_conflict import about_armed_conflict
from ceasefire_watch.text.conflicts import Gazetteer
from ceasefire_watch.text.lexicon import candidate_spans
from ceasefire_watch.text.quotes import expand_to_quotes
from ceasefire_watch.text.sentences import neighbours, split_sentences

Span = tuple[int, int]


@dataclass(frozen=True)
class GoldStatement:
    """An expected statement: its span in the article text and its stance."""

    start: int
    end: int
    stance: str


@dataclass(frozen=True)
class GoldArticle:
    """An article with every statement a subscriber should be alerted to."""

    id: str
    title: str
    text: str
    conflict: str
    statements: tuple[GoldStatement, ...]

    @property
    def figurative(self) -> bool:
        """No expected statement and no armed conflict: any alert on it is a false alarm."""
        return not self.statements and self.conflict == "none"


@dataclass(frozen=True)
class Candidate:
    """A statement the pipeline would classify, with the context the model does not see today."""

    start: int
    end: int
    text: str
    title: str
    context_before: str
    context_after: str


def load_gold_articles(path: Path) -> list[GoldArticle]:
    """Each line an article whose expected statements are exact substrings, in order of appearance."""
    articles = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        statements, cursor = [], 0
        for expected in row["statements"]:
            start = row["text"].find(expected["text"], cursor)
            if start < 0:
                raise ValueError(f"{path.name} {row['id']}: statement not in the text: {expected['text']!r}")
            statements.append(GoldStatement(start, start + len(expected["text"]), expected["stance"]))
            cursor = start + 1
        title = row.get("title", "")
        articles.append(GoldArticle(row["id"], title, row["text"], row["conflict"], tuple(statements)))
    return articles


def overlaps(a: Span, b: Span) -> bool:
    """Two spans are the same statement when they overlap by at least half of the shorter."""
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    return overlap > 0 and overlap >= 0.5 * min(a[1] - a[0], b[1] - b[0])


def candidates(article: GoldArticle, gazetteer: Gazetteer) -> list[Candidate]:
    """What FindStatements gives the model: lexicon sentences widened to quotes, gated on armed conflict."""
    sentences = split_sentences(article.text)
    found = []
    for start, end in expand_to_quotes(article.text, candidate_spans(sentences)):
        before, after = neighbours(sentences, start, end)
        text = article.text[start:end]
        conflict = gazetteer.tag(text, f"{before} {after}", article.text)
        if about_armed_conflict(article.text, conflict):
            found.append(Candidate(start, end, text, article.title, before, after))
    return found


def reaching_the_model(article: GoldArticle, found: Sequence[Candidate]) -> int:
    """Expected statements some candidate overlaps: the rest the lexicon or the gate lost."""
    spans = [(candidate.start, candidate.end) for candidate in found]
    return sum(any(overlaps((s.start, s.end), span) for span in spans) for s in article.statements)


def candidate_labels(article: GoldArticle, found: Sequence[Candidate]) -> list[str]:
    """Each candidate's gold label: the stance of the expected statement it overlaps, else irrelevant."""
    labels = []
    for candidate in found:
        span = (candidate.start, candidate.end)
        stances = [s.stance for s in article.statements if overlaps(span, (s.start, s.end))]
        labels.append(stances[0] if stances else IRRELEVANT)
    return labels


def gold_and_predicted(
    article: GoldArticle, found: Sequence[Candidate], predicted: Sequence[str]
) -> list[tuple[str, str]]:
    """One (gold, predicted) pair per expected statement and per candidate matching none.

    An expected statement takes the stance of an alert overlapping it (the right one if any alert
    has it), or ``irrelevant`` when none does: missed by the lexicon, the gate or the model. A
    candidate overlapping no expected statement is gold ``irrelevant``: an alert there is false.
    """
    alerts = [
        ((candidate.start, candidate.end), label)
        for candidate, label in zip(found, predicted, strict=True)
        if label != IRRELEVANT
    ]
    pairs = []
    for statement in article.statements:
        span = (statement.start, statement.end)
        hits = [label for alert_span, label in alerts if overlaps(span, alert_span)]
        label = statement.stance if statement.stance in hits else (hits[0] if hits else IRRELEVANT)
        pairs.append((statement.stance, label))
    for candidate, label in zip(found, predicted, strict=True):
        span = (candidate.start, candidate.end)
        if not any(overlaps(span, (s.start, s.end)) for s in article.statements):
            pairs.append((IRRELEVANT, label))
    return pairs
