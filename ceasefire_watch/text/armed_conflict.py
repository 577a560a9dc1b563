"""Is an article about an armed conflict at all? The gate that keeps figurative truces out.

A "tariff truce", a "political ceasefire" at a funeral or a sports league's "ceasefire" reads like
a statement when the sentence is seen alone. The article around it tells: wire copy about a war
names its armed actors, weapons and casualties. An article counts as about armed conflict when
the gazetteer tags a conflict, or when it uses at least ``MIN_WAR_TERMS`` different words of war.
"""

from __future__ import annotations

import re

MIN_WAR_TERMS = 3
"""Distinct words of war an untagged article needs; figurative copy borrows one or two ("trade war")."""

_WAR_TERMS = re.compile(
    r"""\b(?:
        troops? | soldiers? | army | armies | military | militar(?:y|ies) | rebels? | militants? | militias?
      | insurgen(?:ts?|cy) | guerrillas? | fighters | shelling | artillery | air\s?strikes? | airstrikes?
      | missiles? | drones? | rockets? | bombs? | bombing | bombardments? | killed | casualties | wounded
      | front\s?lines? | offensive | armed | hostilities | combat | clashes | invasion | occupation | weapons
      | gunfire | mortars? | tanks | warplanes | battlefield | frontline | civilians | displaced
    )\b""",
    re.IGNORECASE | re.VERBOSE,
)


def war_terms(text: str) -> set[str]:
    """The distinct words of war in a text, lower-cased."""
    return {" ".join(match.group(0).lower().split()) for match in _WAR_TERMS.finditer(text)}


def about_armed_conflict(article_text: str, conflict: str | None) -> bool:
    """Whether a statement of this article may be about a halt in an armed conflict."""
    return conflict is not None or len(war_terms(article_text)) >= MIN_WAR_TERMS
