"""The published JSON Schemas for articles, alerts, positions, stance shifts and dead letters."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

ARTICLE = "article"
ALERT = "alert"
DEAD_LETTER = "dead-letter"
STANCE_SHIFT = "stance-shift"
POSITION = "position"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """Read a schema shipped inside the package, by name (``article``, ``alert``, ``dead-letter``)."""
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator, built once per process because building one is slow."""
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
