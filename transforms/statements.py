"""FindStatements: the sentences that may be about a ceasefire, as attributed statements.

A thin Beam wrapper around ``ceasefire_watch.text``: a candidate inside a multi-sentence
quotation becomes the whole quotation, attributed to its speaker and tagged with the conflict it
concerns. Offsets are character offsets into the article text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import apache_beam as beam

from ceasefire_watch import metrics
from ceasefire_watch.records import Article, ArticleStatements, Speaker, Statement
from ceasefire_watch.text.armed_conflict import about_armed_conflict
from ceasefire_watch.text.conflicts import load_gazetteer
from ceasefire_watch.text.lexicon import candidate_spans, ceasefire_terms
from ceasefire_watch.text.quotes import expand_to_quotes
from ceasefire_watch.text.sentences import Sentence, neighbours, split_sentences
from ceasefire_watch.text.speakers import SpeakerAttributor
from ceasefire_watch.transforms.failures import guarded

Candidates = tuple[Article, list[Sentence], list[tuple[int, int]]]


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
        sentences = split_sentences(article.text)
        spans = candidate_spans(sentences)
        if len(spans) > MAX_STATEMENTS_PER_ARTICLE:
            raise TooManyStatementsError(f"{len(spans)} candidates, more than {MAX_STATEMENTS_PER_ARTICLE}")
        if spans:
            yield article, sentences, spans


class _AttributeSpeakersFn(beam.DoFn):
    """Widens candidates to whole multi-sentence quotes and attributes each to its speaker."""

    def setup(self) -> None:
        self._attributor = SpeakerAttributor()

    def process(self, candidates: Candidates) -> Iterator[ArticleStatements]:
        article, sentences, spans = candidates
        statement_spans = expand_to_quotes(article.text, spans)
        speakers = self._attributor.attribute(article.text, statement_spans)
        statements = tuple(statements_from_spans(article, sentences, statement_spans, speakers))
        metrics.STATEMENTS_FOUND.inc(len(statements))
        yield ArticleStatements(article, statements)


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
    raised on."""

    def expand(self, articles: beam.PCollection) -> dict[str, beam.PCollection]:
        matched, match_failed = guarded(articles, "MatchLexicon", _MatchLexiconFn())
        attributed, attribution_failed = guarded(matched["good"], "QuotesAndSpeakers", _AttributeSpeakersFn())
        tagged, tagging_failed = guarded(attributed["good"], "TagConflicts", _TagConflictsFn())
        dead_letters = (
            match_failed,
            attribution_failed,
            tagging_failed,
        ) | "DeadLetters" >> beam.Flatten()
        return {"statements": tagged["good"], "dead_letters": dead_letters}
