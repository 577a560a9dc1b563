"""Positions: where each speaker stands on each conflict in one article.

A subscriber following a war wants "the Russian president: conditional, with these conditions",
not eleven sentence alerts. A position is formed from the article's position-bearing statements
of one speaker on one conflict: attributed, tagged, with a stance of support, conditional or
oppose held with at least the configured confidence. Neutral statements report and take none.

The overall stance follows the codebook (section 7): the refusals are weighed against the
acceptances (the sum of each side's probabilities), and a refusal at least as heavy as the
acceptances makes the position ``oppose``, so one misread sentence of a long answer does not flip
it; otherwise any condition qualifies agreement (``conditional``); otherwise ``support``. The
conditions of the conditional statements are merged in order.
"""

from __future__ import annotations

from collections.abc import Sequence

from ceasefire_watch.records import ClassifiedStatement, Position, Speaker
from ceasefire_watch.text.conditions import extract_conditions

POSITION_STANCES = ("oppose", "conditional", "support")
"""The stances that are a position, in the order in which they decide an article's position."""

RULES = {
    "oppose": "refusal_outweighs_acceptance",
    "conditional": "conditions_qualify_agreement",
    "support": "unconditional_support",
}
"""The codebook rule (section 7) that gave each overall stance."""


def confidence_of(classified: ClassifiedStatement) -> float:
    stance = classified.prediction.stance
    return classified.prediction.scores.get(stance, 0.0) if stance else 0.0


def _overall_stance(group: Sequence[ClassifiedStatement]) -> str:
    weight = {stance: 0.0 for stance in POSITION_STANCES}
    for classified in group:
        weight[classified.prediction.stance or ""] += confidence_of(classified)
    if weight["oppose"] >= weight["conditional"] + weight["support"]:
        return "oppose"
    return "conditional" if weight["conditional"] else "support"


def _position(speaker: Speaker, conflict: str, group: Sequence[ClassifiedStatement]) -> Position:
    stance = _overall_stance(group)
    deciding = [classified for classified in group if classified.prediction.stance == stance]
    strongest = max(deciding, key=confidence_of)  # the first of equals: max keeps the earliest
    conditions: dict[str, None] = {}
    if stance == "conditional":
        for classified in deciding:
            conditions.update(dict.fromkeys(extract_conditions(classified.statement.text)))
    return Position(
        article=group[0].statement.article,
        speaker=speaker,
        conflict=conflict,
        stance=stance,
        confidence=confidence_of(strongest),
        conditions=tuple(conditions),
        statements=tuple(group),
        strongest=strongest,
    )


def positions_of(classified: Sequence[ClassifiedStatement], min_confidence: float) -> list[Position]:
    """One position per (speaker, conflict) with a position-bearing statement, in article order."""
    groups: dict[tuple[str, str], list[ClassifiedStatement]] = {}
    speakers: dict[tuple[str, str], Speaker] = {}
    for item in sorted(classified, key=lambda c: c.statement.start):
        speaker, conflict = item.statement.speaker, item.statement.conflict
        if speaker is None or conflict is None:
            continue
        if item.prediction.stance not in POSITION_STANCES or confidence_of(item) < min_confidence:
            continue
        key = (speaker.name.casefold(), conflict)
        groups.setdefault(key, []).append(item)
        speakers.setdefault(key, speaker)
    return [_position(speakers[key], key[1], group) for key, group in groups.items()]
