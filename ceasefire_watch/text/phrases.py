"""Grammar over one spaCy parse: who is the subject of a speech verb, and how to name a speaker.

These helpers read a dependency parse only; they know nothing of the article's people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from ceasefire_watch.records import Speaker
from ceasefire_watch.text.names import GROUP_LABELS, entity_of, is_lower
from ceasefire_watch.text.wordlists import (
    ANAPHORIC_GROUP_NOUNS,
    CAPITALS,
    PERSON_NOUNS,
    REPORTING_LEMMAS,
    country,
    strip_article,
)

SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
_RANK_QUALIFIERS = frozenset({"senior", "top", "deputy", "former", "chief"})
STATEMENT_NOUNS = frozenset(
    {"call", "statement", "warning", "appeal", "demand", "announcement", "declaration"}
)


def is_reporting_clause(cue: Token) -> bool:
    """`..., the defence ministry said.`: a say-verb whose subject follows a comma reports the sentence."""
    if cue.lemma_.lower() not in REPORTING_LEMMAS:
        return False
    subject = next((c for c in cue.children if c.dep_ == "nsubj" and c.i < cue.i), None)
    if any(c.dep_ in {"ccomp", "xcomp"} and c.i > cue.i for c in cue.children):
        return False  # "a step aid agencies said fell short" reports nothing of the sentence
    return subject is not None and subject.left_edge.i > 0 and cue.doc[subject.left_edge.i - 1].text == ","


def trailing_subject(cue: Token) -> Token | None:
    """`X and Y signed a truce, Swiss Foreign Minister Anna Keller announced.`: the noun phrase
    between the last comma and a say-verb that closes the sentence speaks for all of it. Long
    sentences are often parsed with the first clause's subject on the verb, so the words decide."""
    if cue.lemma_.lower() not in REPORTING_LEMMAS:
        return None
    doc, sentence = cue.doc, cue.sent
    if any(c.dep_ in {"ccomp", "xcomp"} and c.i > cue.i for c in cue.children) or (
        cue.i + 1 < sentence.end and doc[cue.i + 1].lower_ == "that"
    ):
        return None  # "..., X said the talks had failed": the said clause follows
    end = cue.i
    while end > sentence.start and doc[end - 1].pos_ in {"ADV", "AUX", "PART"}:
        end -= 1
    if end > sentence.start and doc[end - 1].text == ",":  # "..., NAME, the group's envoy, said"
        aside_end, end = end - 1, _previous_comma(doc, sentence.start, end - 1)
        aside = doc[end + 1 : aside_end]
        if 0 < len(aside) <= 5 and all(t.pos_ == "PROPN" for t in aside):
            return aside[-1]  # "..., a leader who brokered the deal, Ugaas NAME, said"
    start = _previous_comma(doc, sentence.start, end)
    words = doc[start + 1 : end]
    if start < sentence.start or not words or len(words) > 12:
        return None
    if any(t.pos_ in {"VERB", "AUX"} or "\n" in t.text for t in words):
        return None
    heads = [t for t in words if not start < t.head.i < end and t.pos_ in {"NOUN", "PROPN"}]
    listed = any(t.pos_ == "CCONJ" for t in words) and any(
        t.dep_ == "conj" and t.head.i < start for t in heads
    )
    return heads[0] if len(heads) == 1 and not listed else None  # not the end of "A, B and C"


def _word_before(cue: Token) -> int:
    """The index of the word before a speech verb that may be its speaker, past auxiliaries, an
    aside (`Castro, flanked by fighters, said`, `NAME, 37, said`) and `as` (`quoted NAME as saying`)."""
    doc = cue.doc
    index = cue.i - 1
    while index >= 0 and doc[index].pos_ in {"AUX", "ADV", "PART"}:
        index -= 1
    if index >= 0 and doc[index].text == ",":
        return _previous_comma(doc, cue.sent.start, index) - 1
    return index - 1 if index >= 0 and doc[index].lower_ == "as" else index


def _previous_comma(doc: Doc, floor: int, before: int) -> int:
    """The index of the last comma in [floor, before), or floor - 1 when there is none."""
    index = before - 1
    while index >= floor and doc[index].text != ",":
        index -= 1
    return index


def tree_depth(token: Token) -> int:
    depth = 0
    while token.head is not token and depth < 50:
        token = token.head
        depth += 1
    return depth


def cue_subject(cue: Token, in_quote: Sequence[bool]) -> Token | None:
    """Who speaks: the verb's subject, one inherited through `and`/participles, `according to X`,
    or, where the parse found none, the noun right before the verb or right after it (`said X`)."""
    if cue.lower_ == "according":
        return next((c for to in cue.children for c in to.children if c.dep_ == "pobj"), None)
    verb = cue
    for _ in range(4):
        deps = SUBJECT_DEPS if verb.lemma_.lower() == "quote" else {"nsubj"}
        if verb is cue and any(c.dep_ == "nsubjpass" for c in verb.children) and not deps & {"nsubjpass"}:
            return None  # "fighting was reported": the reporter is not named
        subjects = [c for c in verb.children if c.dep_ in deps]
        if subjects:
            return (
                next((s for s in subjects if s.pos_ == "PROPN"), subjects[0])
                if len(subjects) > 1
                else subjects[0]
            )
        if verb.dep_ == "acl":  # "An Israeli official, speaking ..., said": the noun speaks
            return verb.head
        if verb.dep_ not in {"conj", "advcl", "xcomp", "dep"} or verb.head is verb:
            break
        verb = verb.head
    doc = cue.doc
    for candidate in (_word_before(cue), cue.i + 1):
        if 0 <= candidate < len(doc) and not in_quote[candidate]:
            token = doc[candidate]
            if token.pos_ in {"NOUN", "PROPN", "PRON"}:
                return token
    return None


def identifying_modifiers(role: Token) -> list[str]:
    """Modifiers of a role noun that identify someone: a nationality, a place, an organisation noun."""
    keys: list[str] = []
    for child in role.lefts:
        if child.dep_ == "det" or child.pos_ == "PRON" or (child.pos_ == "ADJ" and not child.ent_type_):
            continue
        if child.dep_ in {"amod", "compound", "poss", "nmod"}:
            keys.append((country(child.lower_) or child.lower_).lower().replace(".", ""))
    return keys


def noun_phrase(head: Token, proper: bool = False) -> str:
    """A speaker noun phrase as a name: modifiers and `of`/`to` phrases kept, articles dropped.

    `Israel's military`, `Russian defence ministry`, `panel of mediators`, `Iran's mission to the
    United Nations`. A bare anaphoric possessor (`the bloc's panel`) and a hyphenated description
    before another modifier (`the army-aligned foreign ministry`) say nothing about identity and go;
    for a proper name (`the opposition SPLA-IO`) lower-case descriptions go too.
    """
    entity = entity_of(head)
    if proper and entity is not None and entity.label_ in GROUP_LABELS | {"PERSON", "FAC", "LOC"}:
        name = strip_article(re.split(r"[\n,(]", entity.text)[0]).strip()
        name = re.sub(r"(?:\s+(?:in|of|for|and))+$", "", name)  # the tagger's "Mission in"
        if (mission_place := _mission_place(entity)) is not None:
            name = f"{name} in {mission_place}"  # "the UN Support Mission in Libya" is its name
        if entity.start > 0 and head.doc[entity.start - 1].text in {"al", "el"}:
            name = f"{head.doc[entity.start - 1].text} {name}"  # "al Shabaab"
        # "the pro-Kurdish Peoples' Party": a hyphenated description is not part of the name
        return re.sub(r"^[a-z]+-\S+\s+", "", re.sub(r"['’]s$", "", name))
    doc = head.doc
    left = [t for t in head.lefts if t.dep_ in {"amod", "compound", "poss", "nmod", "nummod"}]
    if proper or any(not is_lower(t) for t in left[1:]):
        # "the opposition SPLA-IO", "the opposition Democratic Centre party": descriptions go,
        # but not a rank ("a senior Hamas official")
        while (
            left
            and is_lower(left[0].left_edge)
            and left[0].lower_ not in _RANK_QUALIFIERS
            and (proper or any(not is_lower(t) for t in left[1:]))
        ):
            left = left[1:]
    if left and left[0].dep_ == "poss" and left[0].lemma_.lower() in ANAPHORIC_GROUP_NOUNS:
        left = left[1:]
    if len(left) > 1 and left[0].dep_ == "amod" and "-" in doc[left[0].left_edge.i : left[0].i + 1].text:
        left = left[1:]
    start = min((t.left_edge.i for t in left), default=head.i)
    end = head.i + 1
    for child in head.rights:
        objects = [c for c in child.children if c.dep_ == "pobj"]
        place = child.lower_ == "in" and any(o.pos_ == "PROPN" for o in objects)
        # "a senior official at the palace", "a diplomat from one of the mediating countries"
        place |= child.lower_ in {"at", "with", "from"} and head.lemma_.lower() in PERSON_NOUNS
        if (
            child.dep_ == "prep"
            and objects
            and (child.lower_ in {"of", "to", "for"} or place)
            and child.i == end
        ):
            end = _phrase_end(objects[0]) + 1
        else:
            break
    phrase = strip_article(doc[start:end].text)
    if doc[start].is_sent_start and doc[start].pos_ == "NOUN" and doc[start].text.istitle():
        phrase = phrase[:1].lower() + phrase[1:]  # "Residents of Tripoli said": a noun, not a name
    return phrase


def _mission_place(entity: Span) -> str | None:
    """The place a UN-style mission or office is named after: `... Mission in Libya`."""
    doc, end = entity.doc, entity.end
    if entity[-1].lower_ == "in" and entity[-2].lower_ in _MISSION_WORDS:
        end -= 1
    elif entity[-1].lower_ not in _MISSION_WORDS:
        return None
    if end + 1 >= len(doc) or doc[end].lower_ != "in" or doc[end + 1].ent_type_ != "GPE":
        return None
    place_end = end + 2
    while place_end < len(doc) and doc[place_end].ent_iob_ == "I" and doc[place_end].ent_type_ == "GPE":
        place_end += 1
    return doc[end + 1 : place_end].text


_MISSION_WORDS = frozenset({"mission", "office", "force"})


def _phrase_end(token: Token) -> int:
    """The last token of a noun phrase, leaving out appositives and relative clauses after it."""
    end = token.i
    for child in token.rights:
        if child.dep_ in {"appos", "relcl", "acl", "punct"}:
            break
        end = max(end, _phrase_end(child))
    return end


def speaks_for_phrase(head: Token) -> str | None:
    """The country or organisation a common-noun speaker names (`Russian defence ministry` → Russia)."""
    for token in head.subtree:
        if token is head or token.ent_type_ not in GROUP_LABELS:
            continue
        if token.i > head.i and token.head.head.i != head.i:
            continue
        if (entity := entity_of(token)) is not None:
            text = strip_article(entity.text)
            return country(text) or text
    return None


def group_speaker(name: str, label: str) -> Speaker:
    """An organisation or a state; capitals and countries are states speaking for their country."""
    capital_of = CAPITALS.get(name.lower())
    if capital_of is not None:
        return Speaker(name, "state", capital_of)
    if label == "GPE":
        return Speaker(name, "state", country(name) or name)
    return Speaker(name, "organisation", name)


def named_group(token: Token) -> Speaker | None:
    """A group noun named beside it (`the M23 rebel group`) or by a participle (`a faction calling
    itself the Renamo Military Junta`)."""
    names = [
        t
        for t in token.subtree
        if t.i < token.i
        and t.dep_ in {"compound", "amod", "nmod"}
        and not is_lower(t)
        and "-" not in token.doc[t.left_edge.i : t.i + 1].text
    ]
    if names:
        return group_speaker(noun_phrase(names[-1], proper=True), names[-1].ent_type_ or "ORG")
    for child in token.children:
        if child.dep_ == "acl" and child.lemma_.lower() in {"call", "know", "name"}:
            for named in child.subtree:
                if named.dep_ in {"oprd", "dobj", "attr", "pobj"} and not is_lower(named):
                    return group_speaker(noun_phrase(named, proper=True), named.ent_type_ or "ORG")
    return None
