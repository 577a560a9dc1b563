"""FindStatements: the sentences that may be about a ceasefire, as attributed statements.

A thin Beam wrapper around ``ceasefire_watch.text``: a candidate inside a multi-sentence
quotation becomes the whole quotation, attributed to its speaker and tagged with the conflict it
concerns. Offsets are character offsets into the article text.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import apache_beam as beam
from apache_beam.pvalue import TaggedOutput
from apache_beam.utils.shared import Shared
from apache_beam.utils.timestamp import Timestamp
from apache_beam.utils.windowed_value import WindowedValue

from ceasefire_watch import metrics
from ceasefire_watch.config import usable_cores
from ceasefire_watch.records import Article, ArticleStatements, Speaker, Statement
from ceasefire_watch.text.armed_conflict import about_armed_conflict
from ceasefire_watch.text.conflicts import load_gazetteer
from ceasefire_watch.text.lexicon import candidate_spans, ceasefire_terms, may_mention_ceasefire
from ceasefire_watch.text.sentences import Sentence, neighbours, split_sentences
from ceasefire_watch.transforms.failures import FailuresToDeadLetters, guarded
from ceasefire_watch.transforms.speaker_pool import (
    STUCK_AFTER_SECONDS,
    Attribution,
    AttributionFailed,
    SpeakerPool,
    new_attributor,
    quotes_and_speakers,
)

Candidates = tuple[Article, list[Sentence], list[tuple[int, int]]]
Failure = tuple[Candidates, tuple[type, str, list[str]]]
"""A failed element as Beam's exception handling gives it: (element, (type, repr, traceback))."""


def statements_from_spans(
    article: Article,
    sentences: Sequence[Sentence],
    spans: Sequence[tuple[int, int]],
    speakers: Sequence[Speaker | None] | None = None,
) -> Iterator[Statement]:
    """A Statement per span, with the whole sentences just before and after it as context."""
    for position, (start, end) in enumerate(spans):
        context_before, context_after = neighbours(sentences, start, end)
        text = article.text[start:end]
        yield Statement(
            article=article,
            text=text,
            start=start,
            end=end,
            sentence_index=sum(1 for sentence in sentences if sentence.end <= start),
            context_before=context_before,
            context_after=context_after,
            matched_terms=ceasefire_terms(text),
            speaker=speakers[position] if speakers is not None else None,
        )


MAX_STATEMENTS_PER_ARTICLE = 100
"""More candidates than this (a feed repeating one sentence, not reporting) and the article is
dead-lettered: attribution's cost grows with them, and no news article holds so many."""


class TooManyStatementsError(ValueError):
    """An article with more candidate statements than MAX_STATEMENTS_PER_ARTICLE."""


class _MatchLexiconFn(beam.DoFn):
    """Keeps only articles with candidate sentences, so the costly steps after see few articles."""

    def process(self, article: Article) -> Iterator[Candidates]:
        if not may_mention_ceasefire(article.text):
            return
        sentences = split_sentences(article.text)
        spans = candidate_spans(sentences)
        if len(spans) > MAX_STATEMENTS_PER_ARTICLE:
            raise TooManyStatementsError(f"{len(spans)} candidates, more than {MAX_STATEMENTS_PER_ARTICLE}")
        if spans:
            yield article, sentences, spans


def _attributed(candidates: Candidates, attribution: Attribution) -> ArticleStatements:
    article, sentences, _ = candidates
    statement_spans, speakers = attribution
    statements = tuple(statements_from_spans(article, sentences, statement_spans, speakers))
    metrics.STATEMENTS_FOUND.inc(len(statements))
    return ArticleStatements(article, statements)


class _AttributeSpeakersFn(beam.DoFn):
    """Widens candidates to whole multi-sentence quotes and attributes each to its speaker."""

    def setup(self) -> None:
        self._attributor = new_attributor()

    def process(self, candidates: Candidates) -> Iterator[ArticleStatements]:
        article, _, spans = candidates
        yield _attributed(candidates, quotes_and_speakers(self._attributor, [(article.text, spans)])[0])


ARTICLES_PER_BATCH = 8
"""Articles a pool process parses together: spaCy's batches cost less CPU per article (a fifth less
at 4, a quarter at 16), and a bundle of a few hundred records still gives every process work."""

MAX_BATCHES_IN_FLIGHT = 8
"""Batches a bundle thread hands to the pool before it waits for the oldest: enough to keep the
processes busy, few enough that a bundle's results do not pile up in memory."""

_FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class _Waiting:
    """An element with what Beam needs to emit its result later."""

    candidates: Candidates
    timestamp: Timestamp
    window: Any


@dataclasses.dataclass(frozen=True)
class _Batch:
    articles: list[_Waiting]
    attributions: Future[list[Attribution | AttributionFailed]]


class _AttributeSpeakersInPoolFn(beam.DoFn):
    """As _AttributeSpeakersFn, in the worker's SpeakerPool: articles are handed over in batches as
    they arrive and their statements are emitted in arrival order, all of them before the bundle
    ends, so the reader commits only what was attributed. An article the pool fails on goes to the
    ``failed`` output, as Beam's exception handling would send it."""

    def __init__(self, shared: Shared, processes: int | None) -> None:
        self._shared = shared
        self._processes = processes

    def setup(self) -> None:
        processes = self._processes or usable_cores()  # the worker's machine, not the submitter's
        self._pool: SpeakerPool = self._shared.acquire(lambda: SpeakerPool(processes))

    def start_bundle(self) -> None:
        self._waiting: list[_Waiting] = []
        self._in_flight: deque[_Batch] = deque()

    def process(
        self,
        candidates: Candidates,
        timestamp: Timestamp = beam.DoFn.TimestampParam,
        window: Any = beam.DoFn.WindowParam,
    ) -> Iterator[WindowedValue | TaggedOutput]:
        self._waiting.append(_Waiting(candidates, timestamp, window))
        if len(self._waiting) == ARTICLES_PER_BATCH:
            self._submit()
        while self._in_flight and (
            self._in_flight[0].attributions.done() or len(self._in_flight) > MAX_BATCHES_IN_FLIGHT
        ):
            yield from self._results(self._in_flight.popleft())

    def finish_bundle(self) -> Iterator[WindowedValue | TaggedOutput]:
        if self._waiting:
            self._submit()
        while self._in_flight:
            yield from self._results(self._in_flight.popleft())

    def _submit(self) -> None:
        articles = [(waiting.candidates[0].text, waiting.candidates[2]) for waiting in self._waiting]
        self._in_flight.append(_Batch(self._waiting, self._pool.submit(articles)))
        self._waiting = []

    def _results(self, batch: _Batch) -> Iterator[WindowedValue | TaggedOutput]:
        try:
            attributions = batch.attributions.result(timeout=STUCK_AFTER_SECONDS)
        except (TimeoutError, BrokenProcessPool) as error:
            if isinstance(error, TimeoutError):  # stuck: its processes still hold the batch
                self._pool.kill_processes()
            attributions = [self._again(waiting) for waiting in batch.articles]
        except Exception as error:  # the batch never reached the pool (it could not be pickled, say)
            attributions = [AttributionFailed(repr(error))] * len(batch.articles)
        for waiting, attribution in zip(batch.articles, attributions, strict=True):
            yield _output(waiting, attribution)

    def _again(self, waiting: _Waiting) -> Attribution | AttributionFailed:
        article, _, spans = waiting.candidates
        try:
            return self._pool.attribute_again((article.text, spans))
        except BrokenProcessPool as error:
            return AttributionFailed(repr(error))


def _output(waiting: _Waiting, attribution: Attribution | AttributionFailed) -> WindowedValue | TaggedOutput:
    """The element's statements, or its failure in Beam's exception-handling shape."""
    if isinstance(attribution, AttributionFailed):
        return _failed(waiting, AttributionFailed, attribution.error)
    try:
        statements = _attributed(waiting.candidates, attribution)
    except Exception as error:  # whatever one article raises is that article's dead letter
        return _failed(waiting, type(error), repr(error))
    return WindowedValue(statements, waiting.timestamp, (waiting.window,))


def _failed(waiting: _Waiting, error_type: type, error: str) -> TaggedOutput:
    failure: Failure = (waiting.candidates, (error_type, error, []))
    return TaggedOutput(_FAILED, WindowedValue(failure, waiting.timestamp, (waiting.window,)))


class _TagConflictsFn(beam.DoFn):
    """Names the war each statement is about, from the shipped gazetteer of actors and places, and
    drops the statements of an article about no armed conflict (a tariff or a political truce)."""

    def setup(self) -> None:
        self._gazetteer = load_gazetteer()

    def process(self, candidates: ArticleStatements) -> Iterator[ArticleStatements]:
        tagged = []
        for statement in candidates.statements:
            context = f"{statement.context_before} {statement.context_after}"
            conflict = self._gazetteer.tag(statement.text, context, statement.article.text)
            if about_armed_conflict(statement.article.text, conflict):
                tagged.append(dataclasses.replace(statement, conflict=conflict))
            else:
                metrics.STATEMENTS_OUTSIDE_ARMED_CONFLICT.inc()
        if tagged:
            yield ArticleStatements(candidates.article, tuple(tagged))


class FindStatements(beam.PTransform):
    """Articles in; ``statements``: each article with candidate statements, attributed and
    conflict-tagged, as ArticleStatements (so an article's statements stay together for its
    positions), only for articles about an armed conflict; ``dead_letters``: articles a step
    raised on.

    Attribution runs in a SpeakerPool of ``attribution_processes`` processes per SDK worker (None:
    one per core the worker may use), or with 0 in the worker's own process.
    """

    def __init__(self, attribution_processes: int | None = 0) -> None:
        super().__init__()
        self._attribution_processes = attribution_processes

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        matched, match_failed = guarded(articles, "MatchLexicon", _MatchLexiconFn())
        attributed, attribution_failed = self._attribute(matched["good"])
        tagged, tagging_failed = guarded(attributed, "TagConflicts", _TagConflictsFn())
        dead_letters = (
            match_failed,
            attribution_failed,
            tagging_failed,
        ) | "DeadLetters" >> beam.Flatten()
        return {"statements": tagged["good"], "dead_letters": dead_letters}

    def _attribute(self, candidates: beam.PCollection) -> tuple[beam.PCollection, beam.PCollection]:
        if self._attribution_processes == 0:
            attributed, failed = guarded(candidates, "QuotesAndSpeakers", _AttributeSpeakersFn())
            return attributed["good"], failed
        fn = _AttributeSpeakersInPoolFn(Shared(), self._attribution_processes)
        outputs = candidates | "QuotesAndSpeakers" >> beam.ParDo(fn).with_outputs(_FAILED, main="good")
        failed = outputs[_FAILED] | "QuotesAndSpeakersFailed" >> FailuresToDeadLetters("QuotesAndSpeakers")
        return outputs["good"], failed
