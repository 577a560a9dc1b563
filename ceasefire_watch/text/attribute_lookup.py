"""The model's attribute ruler, with its one-token patterns found by table look-up.

en_core_web_sm's attribute ruler sets each token's part of speech, morphology and some lemmas
from its tag, word and dependency, with 179 Matcher patterns, and spaCy's Matcher tries every
pattern at every token. All but a few of the patterns test one token's attributes for equality
with given values (or membership in a list, or its absence), so what they match depends only on
those attributes: a table keyed by them finds the same matches at one look-up per token, and the
answer for a combination of values is kept for its next token. The rest (regular expressions,
patterns of two tokens) stay in a Matcher. The matches are applied in the ruler's order, later
patterns over earlier ones, as the ruler does, so every token ends with the same attributes.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections import defaultdict
from collections.abc import Sequence
from typing import Any, cast

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs
from spacy.vocab import Vocab

_LOOKUP_ATTRIBUTES = ("LOWER", "TAG", "DEP", "IS_SPACE")
"""Token attributes a pattern may test to be looked up, in their `Doc.to_array` column order."""

_CACHED_COMBINATIONS = 2**16
"""Distinct (word, tag, dependency, space) combinations whose matches are kept: a news article
has a few hundred, and a bound keeps a long-running job's memory flat."""


@dataclasses.dataclass(frozen=True)
class _Pattern:
    """One looked-up pattern: its number in the ruler, and the values each tested column must not take."""

    number: int
    excluded: tuple[tuple[int, frozenset[int]], ...]

    def accepts(self, row: Sequence[int]) -> bool:
        return all(row[column] not in values for column, values in self.excluded)


def _hashes(values: Any, vocab: Vocab) -> list[int]:
    return [int(value) if isinstance(value, bool) else vocab.strings.add(value) for value in values]


def _table_entry(
    number: int, pattern: list[dict[str, Any]], vocab: Vocab
) -> tuple[tuple[int, ...], list[tuple[int, ...]], _Pattern] | None:
    """The columns a one-token pattern looks up, every combination of values it accepts there, and
    its exclusions; None where the Matcher must keep it."""
    if len(pattern) != 1 or not set(pattern[0]) <= set(_LOOKUP_ATTRIBUTES):
        return None
    columns, allowed, excluded = [], [], []
    for column, test in sorted((_LOOKUP_ATTRIBUTES.index(name), test) for name, test in pattern[0].items()):
        if isinstance(test, dict) and set(test) == {"NOT_IN"}:
            excluded.append((column, frozenset(_hashes(test["NOT_IN"], vocab))))
        elif isinstance(test, dict) and set(test) == {"IN"}:
            columns.append(column)
            allowed.append(_hashes(test["IN"], vocab))
        elif isinstance(test, (str, bool)):
            columns.append(column)
            allowed.append(_hashes([test], vocab))
        else:
            return None
    if not columns:
        return None
    return tuple(columns), list(itertools.product(*allowed)), _Pattern(number, tuple(excluded))


class AttributeLookup:
    """Applies an AttributeRuler's patterns: the one-token ones by table, the others by Matcher."""

    def __init__(self, ruler: AttributeRuler) -> None:
        self._vocab = ruler.vocab
        self._attrs = ruler.attrs
        self._indices = ruler.indices
        self._matcher = Matcher(ruler.vocab)
        tables: dict[tuple[int, ...], dict[tuple[int, ...], list[_Pattern]]]
        tables = defaultdict(lambda: defaultdict(list))
        for number, entry in enumerate(ruler.patterns):
            one_token_target = entry["index"] in (0, -1)
            for pattern in cast(list[list[dict[str, Any]]], entry["patterns"]):
                table_entry = _table_entry(number, pattern, ruler.vocab) if one_token_target else None
                if table_entry is None:
                    self._matcher.add(str(number), [pattern])
                    continue
                columns, combinations, looked_up = table_entry
                for values in combinations:
                    tables[columns][values].append(looked_up)
        self._tables = [(columns, dict(table)) for columns, table in tables.items()]
        self._numbers_for = functools.lru_cache(maxsize=_CACHED_COMBINATIONS)(self._matching_numbers)

    def _matching_numbers(self, row: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(
            pattern.number
            for columns, table in self._tables
            for pattern in table.get(tuple(row[column] for column in columns), ())
            if pattern.accepts(row)
        )

    def __call__(self, doc: Doc) -> Doc:
        matches = [
            (number, position)
            for position, row in enumerate(doc.to_array(list(_LOOKUP_ATTRIBUTES)).tolist())
            for number in self._numbers_for(tuple(row))
        ]
        for match_id, start, end in self._matcher(doc, allow_missing=True):
            number = int(self._vocab.strings[match_id])
            matches.append((number, doc[start:end][self._indices[number]].i))
        matches.sort()
        for number, position in matches:
            set_token_attrs(doc[position], self._attrs[number])
        return doc


@Language.factory("ceasefire_attribute_lookup")
def make_attribute_lookup(nlp: Language, name: str) -> AttributeLookup:
    """Built from the pipeline's own `attribute_ruler`, which it then replaces."""
    return AttributeLookup(cast(AttributeRuler, nlp.get_pipe("attribute_ruler")))
