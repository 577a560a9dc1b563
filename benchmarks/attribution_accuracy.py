"""Speaker attribution and condition extraction measured against hand-labelled statements.

Usage: python benchmarks/attribution_accuracy.py [--gold FILE] [--errors] [--skip N]

Each gold line is one article with its statements (exact substrings of the text) and, per
statement, the speaker's canonical name and the conditions it sets. Statement spans are found
by the gold text's position in the article, so attribution sees exactly what the pipeline would
hand it. Speaker accuracy counts a prediction correct when its name equals the gold name, or when
both are empty. Names are compared after the project's canonical form is applied to both sides
(case, apostrophes, `Moscow` → Russia, `Russia's ministry` → Russian ministry, acronyms the article
spells out), because the older gold set kept the surface form; a joint speaker is right when its
parties are the gold parties, in any order.

Each wrong speaker is counted by kind: `none` (nothing given where the gold names someone),
`spurious` (a speaker for narration), `agency` (a news organisation named), `other_party` (a
speaker the article has elsewhere, e.g. the other side or the mediator) and `wrong_person`.

Conditions are scored on the conditional statements
only: a predicted span matches a gold span when they overlap by at least half of the shorter
one, each gold span matching at most one prediction.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ceasefire_watch.records import Speaker
from ceasefire_watch.text.canonical import (
    acronyms_in,
    canonical_name,
    is_news_organisation,
    same_speaker_name,
)
from ceasefire_watch.text.conditions import extract_conditions
from ceasefire_watch.text.speakers import SpeakerAttributor

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_GOLD = ROOT / "data" / "eval" / "statements-gold.jsonl"


@dataclass
class Tally:
    """Running counts for the report."""

    statements: int = 0
    correct: int = 0
    with_speaker: int = 0
    correct_with_speaker: int = 0
    kind_correct: int = 0
    speaks_for_correct: int = 0
    conditional: int = 0
    predicted_conditions: int = 0
    gold_conditions: int = 0
    matched_conditions: int = 0
    errors: Counter[str] = field(default_factory=Counter)


def statement_spans(text: str, statements: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """Each statement's [start, end) in the article: its first occurrence after the previous one."""
    spans: list[tuple[int, int]] = []
    cursor = 0
    for statement in statements:
        start = text.find(statement["text"], cursor)
        if start < 0:
            start = text.find(statement["text"])
        if start < 0:
            raise ValueError(f"statement not in its article: {statement['text'][:60]!r}")
        spans.append((start, start + len(statement["text"])))
        cursor = start + 1
    return spans


def _located(statement: str, spans: Sequence[str]) -> list[tuple[int, int]]:
    located = []
    for span in spans:
        start = statement.find(span)
        if start < 0:
            start = statement.lower().find(span.lower())
        if start >= 0:
            located.append((start, start + len(span)))
    return located


def matched_spans(statement: str, predicted: Sequence[str], gold: Sequence[str]) -> int:
    """One-to-one matches: overlap of at least half the shorter span, largest overlaps first."""
    pairs = []
    for i, (ps, pe) in enumerate(_located(statement, predicted)):
        for j, (gs, ge) in enumerate(_located(statement, gold)):
            overlap = min(pe, ge) - max(ps, gs)
            if overlap > 0 and overlap >= 0.5 * min(pe - ps, ge - gs):
                pairs.append((overlap, i, j))
    used_p: set[int] = set()
    used_g: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
    return len(used_p)


def _names(statement: dict[str, Any], acronyms: dict[str, str]) -> set[str]:
    """The gold speaker as canonical names: one per party for a joint speaker."""
    parties = statement.get("parties") or [statement.get("speaker")]
    names = [party.get("name") if isinstance(party, dict) else party for party in parties]  # both forms
    return {canonical_name(name, acronyms).lower() for name in names if name}


def _predicted_names(speaker: Speaker | None) -> set[str]:
    if speaker is None:
        return set()
    return {party.name.lower() for party in speaker.parties} or {speaker.name.lower()}


def error_kind(predicted: Speaker | None, gold_name: str | None, article_speakers: set[str]) -> str:
    """What kind of mistake a wrong speaker is (see the module docstring)."""
    if predicted is None:
        return "none"
    if not gold_name:
        return "spurious"
    if is_news_organisation(predicted.name):
        return "agency"
    if _predicted_names(predicted) & article_speakers:
        return "other_party"
    return "wrong_person"


def evaluate(gold_path: Path, show_errors: bool, skip: int = 0) -> dict[str, Any]:
    """Score the articles of a gold file after the first `skip` (those the rules were tuned on)."""
    lines = [line for line in gold_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = [json.loads(line) for line in lines[skip:]]
    started = time.perf_counter()
    attributor = SpeakerAttributor()
    load_s = time.perf_counter() - started
    tally = Tally()
    seconds = 0.0
    for article in articles:
        statements = article["statements"]
        spans = statement_spans(article["text"], statements)
        acronyms = acronyms_in(article["text"])
        article_speakers = set().union(*(_names(statement, acronyms) for statement in statements))
        started = time.perf_counter()
        speakers: list[Speaker | None] = attributor.attribute(article["text"], spans)
        seconds += time.perf_counter() - started
        for statement, speaker in zip(statements, speakers, strict=True):
            gold_name = statement.get("speaker")
            gold_names = _names(statement, acronyms)
            ok = _predicted_names(speaker) == gold_names if gold_names else speaker is None
            if not ok:
                tally.errors[error_kind(speaker, gold_name, article_speakers)] += 1
            tally.statements += 1
            tally.correct += ok
            if gold_name:
                tally.with_speaker += 1
                tally.correct_with_speaker += ok
            if ok and gold_name and speaker is not None:
                tally.kind_correct += speaker.kind == statement.get("speaker_type")
                gold_for = statement.get("speaks_for")
                tally.speaks_for_correct += same_speaker_name(
                    speaker.speaks_for, canonical_name(gold_for, acronyms) if gold_for else None
                )
            if show_errors and not ok:
                print(f"SPEAKER {article['id']}: predicted {speaker} gold {gold_name!r}")
                print(f"    {statement['text']}")
            if statement.get("stance") != "conditional":
                continue
            predicted = extract_conditions(statement["text"])
            gold = statement.get("conditions") or []
            matched = matched_spans(statement["text"], predicted, gold)
            tally.conditional += 1
            tally.predicted_conditions += len(predicted)
            tally.gold_conditions += len(gold)
            tally.matched_conditions += matched
            if show_errors and (matched < len(predicted) or matched < len(gold)):
                print(f"CONDITIONS {article['id']}: predicted {predicted}\n    gold {gold}")
                print(f"    {statement['text']}")
    named = tally.correct_with_speaker or 1
    report = {
        "articles": len(articles),
        "statements": tally.statements,
        "speaker_accuracy": tally.correct / max(tally.statements, 1),
        "speaker_accuracy_gold_named": tally.correct_with_speaker / max(tally.with_speaker, 1),
        "unattributed_share_of_named": tally.errors["none"] / max(tally.with_speaker, 1),
        "speaker_errors": dict(tally.errors.most_common()),
        "speaker_kind_accuracy_when_name_right": tally.kind_correct / named,
        "speaks_for_accuracy_when_name_right": tally.speaks_for_correct / named,
        "conditional_statements": tally.conditional,
        "condition_precision": tally.matched_conditions / max(tally.predicted_conditions, 1),
        "condition_recall": tally.matched_conditions / max(tally.gold_conditions, 1),
        "model_load_seconds": load_s,
        "seconds_per_article": seconds / max(len(articles), 1),
    }
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--errors", action="store_true", help="print every wrong speaker and condition set")
    parser.add_argument("--skip", type=int, default=0, help="score only articles after the first N lines")
    args = parser.parse_args(argv)
    report = evaluate(args.gold, args.errors, args.skip)
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
