"""One name per speaker: the forms wire copy varies between, mapped to the one a subscriber filters on.

A capital speaks for its state (`Moscow` → Russia), a state's body takes the adjective form
(`Russia's defence ministry` → Russian defence ministry, `foreign ministry in Port Sudan` →
Sudanese foreign ministry), and an acronym the article spells out becomes the full name (`RSF` →
Rapid Support Forces). News organisations report statements; they are never their speakers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ceasefire_watch.records import Speaker
from ceasefire_watch.text.wordlists import (
    CAPITALS,
    COUNTRY_NAMES,
    DEMONYMS,
    KNOWN_ACRONYMS,
    NEWS_ORGANISATIONS,
    NEWS_WORDS,
    country,
    strip_article,
)

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'"})

ADJECTIVE_OF: dict[str, str] = {}
"""A country's adjective (`Russia` → Russian), the first plain-word demonym listed for it."""
for _adjective, _nation in DEMONYMS.items():
    if _adjective.replace(" ", "").isalpha() and len(_adjective) > 2:
        ADJECTIVE_OF.setdefault(_nation, " ".join(word.capitalize() for word in _adjective.split()))

_STATES: dict[str, str] = {
    **{nation.lower(): nation for nation in (*DEMONYMS.values(), *CAPITALS.values())},
    **COUNTRY_NAMES,
    **CAPITALS,
}
"""Lower-cased country, capital and other state names, and the state each stands for."""


def state_named(name: str) -> str | None:
    """The state a country or capital name stands for (`Kyiv`, `Ukraine`, `Republic of Ukraine` → Ukraine)."""
    return _STATES.get(_FORMAL_STATE.sub("", name.strip().lower()))


_FORMAL_STATE = re.compile(r"^(?:the\s+)?(?:\w+\s+)?(?:kingdom|republic|state|sultanate) of\s+")
"""A state's formal name: `the Kingdom of Saudi Arabia`, `the Islamic Republic of Iran`."""


_PROPER_WORDS = r"(?:[A-Z][\w'’-]*\s+(?:(?:of|for|and|in|the)\s+){0,2}){1,7}?[A-Z][\w'’-]*"
_ACRONYM = r"[A-Z][A-Za-z0-9/-]{1,9}"
_FULL_THEN_SHORT = re.compile(rf"({_PROPER_WORDS})\s*\(({_ACRONYM})\)")
_SHORT_THEN_FULL = re.compile(rf"\b({_ACRONYM})\s*\(({_PROPER_WORDS})\)")
_FULL_ALIAS = re.compile(
    rf"({_PROPER_WORDS}), (?:(?:also |better |widely )?known as|or) ([A-Z][A-Za-z'’-]+)(?=[,.;)])"
)
"""`the Special Deterrence Force, known as Radaa,` and `the Free Aceh Movement, or GAM,`."""


def acronyms_in(text: str) -> dict[str, str]:
    """Acronyms and aliases the article spells out: `Rapid Support Forces (RSF)`, `the RSF (Rapid
    Support Forces)`, `the Free Aceh Movement, or GAM,`, `the Special Deterrence Force, known as Radaa,`."""
    found: dict[str, str] = {}
    for match in re.finditer(_FULL_THEN_SHORT, text):
        full, short = match.group(1), match.group(2)
        initials = "".join(word[0] for word in re.findall(r"[A-Z][\w'’-]*", full))
        words = full.split()
        # Trim leading words until the initials line up ("the Sudanese Rapid Support Forces (RSF)").
        while len(words) > 1 and not initials.startswith(short[0]) and len(initials) > len(short):
            words = words[1:]
            initials = initials[1:]
        if initials[: len(short)].lower() == short.replace("/", "").replace("-", "")[: len(initials)].lower():
            found.setdefault(short, " ".join(words))
    for match in re.finditer(_FULL_ALIAS, text):
        full, short = match.group(1), match.group(2)
        if short != full.split()[-1] and (short.isupper() or "known" in match.group(0)):
            found.setdefault(short, strip_article(re.split(r"\s+and\s+the\s+", full)[-1]))
    for match in re.finditer(_SHORT_THEN_FULL, text):
        short, full = match.group(1), match.group(2)
        if "".join(word[0] for word in full.split() if word[:1].isupper()).startswith(short[:2]):
            found.setdefault(short, full)
    return found


def is_news_organisation(name: str) -> bool:
    """Whether a name is a news outlet's: a known agency, or an outlet word as its last noun."""
    key = re.sub(r"^(?:the|state|state-run|semi-official|public|official)\s+", "", name.lower().strip())
    key = key.translate(APOSTROPHES)
    if key in NEWS_ORGANISATIONS or key.split(" ")[-1] in NEWS_ORGANISATIONS:
        return True
    words = re.findall(r"[a-z0-9]+", key)
    return "news agency" in key or (bool(words) and words[-1] in NEWS_WORDS)


_UN_PREFIX = re.compile(r"^(?:U\.N\.|UN)\s+(?=[A-Z])")
"""`U.N. Mission in South Sudan` and `United Nations Mission in South Sudan` are one body."""

_RECOGNISED = re.compile(r"\binternationally[- ]recogni[sz]ed\s+")
"""Not part of a government's name: "Yemen's internationally recognised government"."""


def canonical_name(name: str, acronyms: Mapping[str, str] = {}) -> str:
    """The one form of a speaker's name, for the forms listed in the module docstring."""
    name = strip_article(name.translate(APOSTROPHES))
    name = name.lstrip("-–— ")  # a dateline's dash left at the front
    name = _RECOGNISED.sub("", name)
    name = _UN_PREFIX.sub("United Nations ", name)
    if name in acronyms or name in KNOWN_ACRONYMS:
        return acronyms.get(name) or KNOWN_ACRONYMS[name]
    if re.fullmatch(r"(?:[A-Z]\.){2,3}|[A-Z]{2,3}", name) and name.lower() in DEMONYMS:
        return DEMONYMS[name.lower()]  # "U.S.", "UN"
    if (place := state_named(name)) is not None:
        return place
    possessive = re.match(r"^([A-Z][\w.\s-]*?)'s\s+([a-z].*)$", name)
    if possessive and (place := state_named(possessive.group(1))):
        return f"{ADJECTIVE_OF.get(place, place)} {possessive.group(2)}"
    owned = re.match(r"^([a-z][\w\s-]*?)\s+of\s+([A-Z][\w\s]+)$", name)
    if owned and (place := state_named(owned.group(2))) and (adjective := ADJECTIVE_OF.get(place)):
        return f"{adjective} {owned.group(1)}"  # "foreign ministry of Qatar"
    located = re.match(r"^([a-z].*?)\s+in\s+([A-Z][\w\s]+)$", name)  # not a proper name's "Mission in Libya"
    if located and (place := state_named(located.group(2))) and (adjective := ADJECTIVE_OF.get(place)):
        body = located.group(1)
        if not any(country(word) for word in body.split()):
            return f"{adjective} {body}"
    return name


def same_speaker_name(a: str | None, b: str | None) -> bool:
    """Names equal but for case, apostrophe style and a leading article."""
    return _key(a) == _key(b)


def _key(name: str | None) -> str:
    return strip_article((name or "").translate(APOSTROPHES)).lower()


def canonical_speaker(speaker: Speaker, acronyms: Mapping[str, str] = {}) -> Speaker:
    """The speaker with canonical names for itself, whom it speaks for, and each party."""
    if speaker.parties:
        parties = tuple(canonical_speaker(party, acronyms) for party in speaker.parties)
        return Speaker.joint(parties)
    name = canonical_name(speaker.name, acronyms)
    kind = "state" if speaker.kind != "person" and state_named(name) else speaker.kind
    speaks_for = speaker.speaks_for
    if speaks_for is not None:
        speaks_for = name if speaks_for == speaker.name else canonical_name(speaks_for, acronyms)
    return Speaker(name, kind, speaks_for)
