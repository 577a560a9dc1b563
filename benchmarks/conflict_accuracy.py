"""Accuracy of the conflict tagger, and its speed.

Two figures:

* gold statements (``data/eval/statements-gold.jsonl``): each statement with its neighbouring
  sentences as context and its whole article, the way the pipeline calls the tagger;
* the stance corpus (``data/corpus``): single sentences with no context at all, a harder lower
  bound, since many of them name no actor or place.

An abstention (None) counts as wrong in both. Speed is microseconds per ``tag`` call on a 600-word
article: the first statement of an article (the article is scanned) and the following ones (its
scan is remembered).

    .venv/bin/python benchmarks/conflict_accuracy.py [--errors]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ceasefire_watch.model.corpus import NO_CONFLICT, REPO_ROOT, load_examples
from ceasefire_watch.records import IRRELEVANT
from ceasefire_watch.text.conflicts import Gazetteer, load_gazetteer
from ceasefire_watch.transforms.statements import split_sentences

GOLD_FILE = REPO_ROOT / "data" / "eval" / "statements-gold.jsonl"
SEED_ARTICLE = REPO_ROOT.parent / "shared" / "seed-article.txt"


@dataclass(frozen=True)
class Case:
    """One statement to tag, with the slug it should get."""

    source: str
    statement: str
    context: str
    article: str
    gold: str


def neighbours(article: str, statement: str) -> str:
    """The sentences just before and after the statement in the article ("" if it cannot be found)."""
    sentences = split_sentences(article)
    start = article.find(statement)
    if start < 0:
        return ""
    end = start + len(statement)
    inside = [i for i, s in enumerate(sentences) if s.start < end and s.end > start]
    if not inside:
        return ""
    before = sentences[inside[0] - 1].text if inside[0] > 0 else ""
    after = sentences[inside[-1] + 1].text if inside[-1] + 1 < len(sentences) else ""
    return f"{before} {after}".strip()


def gold_cases(path: Path) -> list[Case]:
    cases: list[Case] = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        article = json.loads(line)
        for statement in article["statements"]:
            cases.append(
                Case(
                    source=article["id"],
                    statement=statement["text"],
                    context=neighbours(article["text"], statement["text"]),
                    article=article["text"],
                    gold=statement["conflict"],
                )
            )
    return cases


def corpus_cases() -> list[Case]:
    return [
        Case(example.id, example.text, "", "", example.conflict)
        for example in load_examples()
        if example.conflict != NO_CONFLICT and example.label != IRRELEVANT
    ]


def accuracy(gazetteer: Gazetteer, cases: list[Case], name: str, show_errors: bool) -> float:
    outcomes: Counter[str] = Counter()
    for case in cases:
        predicted = gazetteer.tag(case.statement, case.context, case.article)
        outcome = "right" if predicted == case.gold else "abstained" if predicted is None else "wrong"
        outcomes[outcome] += 1
        if show_errors and outcome != "right":
            print(f"  [{case.source}] gold={case.gold} got={predicted}: {case.statement[:150]}")
    score = outcomes["right"] / len(cases)
    print(
        f"{name}: accuracy {score:.3f} on {len(cases)} statements "
        f"({outcomes['wrong']} wrong, {outcomes['abstained']} abstained)"
    )
    return score


def microseconds_per_call(gazetteer: Gazetteer) -> tuple[float, float]:
    """Best of several runs: (statement of a new article, next statement of the same article)."""
    seed = SEED_ARTICLE.read_text("utf-8")
    words = " ".join([seed, seed]).split()[:600]
    sentences = split_sentences(" ".join(words))
    article = " ".join(words)
    statement, context = sentences[5].text, f"{sentences[4].text} {sentences[6].text}"
    repeats = 300
    cold = warm = float("inf")
    for _ in range(5):
        fresh = [f"{article} {n}" for n in range(repeats)]  # distinct texts: nothing remembered
        started = time.perf_counter()
        for text in fresh:
            gazetteer.tag(statement, context, text)
        cold = min(cold, (time.perf_counter() - started) / repeats * 1e6)
        started = time.perf_counter()
        for _ in range(repeats):
            gazetteer.tag(statement, context, article)
        warm = min(warm, (time.perf_counter() - started) / repeats * 1e6)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--errors", action="store_true", help="print every statement not tagged right")
    args = parser.parse_args()
    gazetteer = load_gazetteer()
    results: dict[str, float] = {}
    if GOLD_FILE.is_file():
        results["gold_accuracy"] = accuracy(gazetteer, gold_cases(GOLD_FILE), "gold statements", args.errors)
    else:
        print(f"{GOLD_FILE} not found: gold accuracy skipped")
    results["corpus_accuracy"] = accuracy(
        gazetteer, corpus_cases(), "stance corpus (sentence only)", args.errors
    )
    cold, warm = microseconds_per_call(gazetteer)
    results["us_per_call_new_article"] = cold
    results["us_per_call_same_article"] = warm
    print(f"tag() on a 600-word article: {cold:.0f} µs (new article), {warm:.0f} µs (same article again)")
    print(json.dumps({key: round(value, 3) for key, value in results.items()}))


if __name__ == "__main__":
    main()
