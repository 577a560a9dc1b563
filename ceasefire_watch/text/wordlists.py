"""The word lists attribution reads, loaded from ``data/speaker-words.json``.

They are data, not code, so that a new office, rank or capital is added without touching the rules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

_PATH = Path(__file__).resolve().parent / "data" / "speaker-words.json"
_RAW: dict[str, Any] = json.loads(_PATH.read_text("utf-8"))


def _words(key: str) -> frozenset[str]:
    return frozenset(_RAW[key]["words"])


def _mapping(key: str) -> dict[str, str]:
    return dict(_RAW[key]["words"])


SPEECH_LEMMAS = _words("speech_lemmas")
REPORTING_LEMMAS = _words("reporting_lemmas")
PERSON_PRONOUNS = _words("person_pronouns")
GROUP_PRONOUNS = _words("group_pronouns")
ROLE_NOUNS = _words("role_nouns")
PERSON_NOUNS = ROLE_NOUNS | _words("person_nouns")
DWELLER_NOUNS = _words("dweller_nouns")
RANKS = _words("ranks")
ROLE_SYNONYMS = {role: frozenset(titles) for role, titles in _RAW["role_synonyms"]["words"].items()}
ORG_NOUNS = _words("org_nouns")
GROUP_NOUNS = _words("group_nouns")
# A name ending in one of these is an organisation's, never a person's ("Arakan Army").
ORG_NAME_ENDINGS = ORG_NOUNS | GROUP_NOUNS | frozenset({"forces", "brigades", "front", "army"})
ANAPHORIC_GROUP_NOUNS = _words("anaphoric_group_nouns")
NAME_PARTICLES = _words("name_particles")
ALIAS_WORDS = _words("alias_words")
DEMONYMS = _mapping("demonyms")
CAPITALS = _mapping("capitals")


def strip_article(text: str) -> str:
    return re.sub(r"^(?:the|a|an|its|their|our|his|her)\s+", "", text.strip(), flags=re.IGNORECASE)


def country(word: str) -> str | None:
    """The country a demonym or a capital stands for (`Russian`, `Moscow` → Russia)."""
    lowered = word.lower().removesuffix("'s").removesuffix("’s")
    return DEMONYMS.get(lowered) or CAPITALS.get(lowered)


RANK_ABBREVIATIONS = _mapping("rank_abbreviations")
KNOWN_ACRONYMS = _mapping("known_acronyms")
COUNTRY_NAMES = _mapping("country_names")
NEWS_ORGANISATIONS = _words("news_organisations")
NEWS_WORDS = _words("news_words")
