"""FindStatements: the sentences that may be about a ceasefire, as attributed statements.

The lexicon is deliberately broad (high recall): the stance model, not the lexicon, decides
what is relevant. A candidate inside a multi-sentence quotation becomes the whole quotation,
attributed to its speaker and tagged with the conflict it concerns. Offsets are character
offsets into the article text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import apache_beam as beam

from ceasefire_watch import metrics
from ceasefire_watch.attribution import SpeakerAttributor, expand_to_quotes
from ceasefire_watch.conflicts import load_gazetteer
from ceasefire_watch.records import Article, Speaker, Statement

CEASEFIRE_LEXICON = re.compile(
    r"""\b(?:
        cease[-\s]?fires?
      | truces?
      | armistices?
      | cessation\s+of\s+(?:all\s+)?hostilities
      | cease\s+(?:all\s+)?hostilities
      | (?:halt|pause|stop|suspend|suspension|end|lull|freeze)\w*\s+(?:(?:in|to|of)\s+)?(?:the\s+|all\s+)?
        (?:fighting|hostilities|attacks|strikes|shelling|bombing|bombardment|offensive|firing|war)
      | humanitarian\s+(?:pause|corridor)s?
      | silence\s+the\s+guns
      | lay\s+down\s+(?:(?:their|its|our|your|his)\s+)?(?:arms|weapons)
      | stand\s+down
      | (?:hold|holds|holding)\s+(?:their\s+|its\s+)?fire
      | stop\s+firing
      | de-?escalation\s+(?:zones?|agreements?|deal)
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)

_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "st",
        "no",
        "vs",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "gov",
        "sen",
        "rep",
        "inc",
        "ltd",
        "corp",
        "co",
        "dept",
        "est",
        "approx",
    ]
)
_BOUNDARY = re.compile(r"""[.!?…]+["”’')\]]*\s+(?=["“‘'(\[]?[A-Z0-9])""")
_LAST_WORD = re.compile(r"([A-Za-z.]+)[.!?…]+[\"”’')\]]*\s+$")


@dataclass(frozen=True)
class Sentence:
    """A sentence's text and its [start, end) character offsets in the article."""

    text: str
    start: int
    end: int


def _is_abbreviation(preceding: str) -> bool:
    match = _LAST_WORD.search(preceding)
    if match is None:
        return False
    word = match.group(1)
    is_initialism = bool(re.fullmatch(r"(?:[A-Za-z]\.)*[A-Za-z]", word))
    return word.lower() in _ABBREVIATIONS or is_initialism


def split_sentences(text: str) -> list[Sentence]:
    """Split on sentence punctuation followed by a capital, never inside abbreviations or initials."""
    sentences: list[Sentence] = []
    for paragraph in re.finditer(r"[^\n]+", text):
        start = paragraph.start()
        for boundary in _BOUNDARY.finditer(text, paragraph.start(), paragraph.end()):
            if _is_abbreviation(text[start : boundary.end()]):
                continue
            sentences.append(_trimmed(text, start, boundary.end()))
            start = boundary.end()
        sentences.append(_trimmed(text, start, paragraph.end()))
    return [sentence for sentence in sentences if sentence.text]


def _trimmed(text: str, start: int, end: int) -> Sentence:
    raw = text[start:end]
    left = len(raw) - len(raw.lstrip())
    right = len(raw.rstrip())
    return Sentence(text=raw[left:right], start=start + left, end=start + right)


def ceasefire_terms(sentence: str) -> tuple[str, ...]:
    """The lexicon terms a sentence contains, lower-cased and in order of appearance."""
    return tuple(
        dict.fromkeys(" ".join(m.group(0).lower().split()) for m in CEASEFIRE_LEXICON.finditer(sentence))
    )


def candidate_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every sentence that mentions the lexicon."""
    return [(s.start, s.end) for s in split_sentences(text) if ceasefire_terms(s.text)]


def statements_from_spans(
    article: Article, spans: Sequence[tuple[int, int]], speakers: Sequence[Speaker | None] | None = None
) -> Iterator[Statement]:
    """A Statement per span, with the whole sentences just before and after it as context."""
    sentences = split_sentences(article.text)
    for position, (start, end) in enumerate(spans):
        before = [sentence for sentence in sentences if sentence.end <= start]
        after = [sentence for sentence in sentences if sentence.start >= end]
        text = article.text[start:end]
        yield Statement(
            article=article,
            text=text,
            start=start,
            end=end,
            sentence_index=len(before),
            context_before=before[-1].text if before else "",
            context_after=after[0].text if after else "",
            matched_terms=ceasefire_terms(text),
            speaker=speakers[position] if speakers is not None else None,
        )


class _MatchLexiconFn(beam.DoFn):
    """Keeps only articles with candidate sentences, so the costly steps after see few articles."""

    def process(self, article: Article) -> Iterator[tuple[Article, list[tuple[int, int]]]]:
        spans = candidate_spans(article.text)
        if spans:
            yield article, spans


class _AttributeSpeakersFn(beam.DoFn):
    """Widens candidates to whole multi-sentence quotes and attributes each to its speaker."""

    def setup(self) -> None:
        self._attributor = SpeakerAttributor()

    def process(self, candidates: tuple[Article, list[tuple[int, int]]]) -> Iterator[Statement]:
        article, spans = candidates
        statement_spans = expand_to_quotes(article.text, spans)
        speakers = self._attributor.attribute(article.text, statement_spans)
        for statement in statements_from_spans(article, statement_spans, speakers):
            metrics.STATEMENTS_FOUND.inc()
            yield statement


class _TagConflictFn(beam.DoFn):
    """Names the war a statement is about, from the shipped gazetteer of actors and places."""

    def setup(self) -> None:
        self._gazetteer = load_gazetteer()

    def process(self, statement: Statement) -> Iterator[Statement]:
        context = f"{statement.context_before} {statement.context_after}"
        conflict = self._gazetteer.tag(statement.text, context, statement.article.text)
        yield dataclasses.replace(statement, conflict=conflict)


class FindStatements(beam.PTransform):
    """Articles in; attributed, conflict-tagged candidate Statements out (zero or more per article)."""

    def expand(self, articles: beam.PCollection) -> beam.PCollection:
        return (
            articles
            | "MatchLexicon" >> beam.ParDo(_MatchLexiconFn())
            | "QuotesAndSpeakers" >> beam.ParDo(_AttributeSpeakersFn())
            | "TagConflicts" >> beam.ParDo(_TagConflictFn())
        )
