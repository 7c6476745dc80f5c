"""A small interpreter of the JSON Schema subset that trace-v2.schema.json uses, so loading needs no extra package.

The shipped schema file is the single source of truth: the tests check our own traces against it with the
reference `jsonschema` library, and check that this interpreter and that library agree on mutated documents.
Supported keywords: $ref (local), type, const, enum, anyOf, properties, required, additionalProperties, items,
prefixItems, minItems, maxItems, minimum, maximum, minLength, maxLength, pattern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "trace-v2.schema.json"

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_NAMES = {"object": "an object", "array": "an array", "string": "a string", "integer": "a whole number",
          "number": "a number", "boolean": "true or false", "null": "null"}


@cache
def trace_schema() -> dict:
    """The shipped JSON Schema of a version-2 trace."""
    return json.loads(resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def _kind(v: Any) -> str:
    for name, test in _TYPES.items():
        if name != "number" and test(v):
            return _NAMES[name]
    return _NAMES["number"] if _TYPES["number"](v) else type(v).__name__


def _show(v: Any) -> str:
    text = json.dumps(v, ensure_ascii=True) if isinstance(v, (str, int, float, bool)) or v is None else _kind(v)
    return text if len(text) <= 60 else text[:57] + "…"


def path_text(path: tuple[str | int, ...]) -> str:
    """('ops', 3, 'stride', 0) → '$.ops[3].stride[0]'."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.fullmatch(r"\w+", part) else
                                                          f"[{json.dumps(part)}]")
    return out


class _Checker:
    def __init__(self, root: dict) -> None:
        self.root = root

    def resolve(self, schema: dict) -> dict:
        while "$ref" in schema:
            node: Any = self.root
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def errors(self, value: Any, schema: dict, path: tuple[str | int, ...]) -> Iterator[tuple[tuple, str]]:
        """(path, problem) for every way `value` breaks `schema`, first found first."""
        schema = self.resolve(schema)
        if "anyOf" in schema:
            found = [list(self.errors(value, s, path)) for s in schema["anyOf"]]
            if all(found):
                # the branch that got furthest: the deepest path, and one whose type matched before one that did not
                yield max((f[0] for f in found), key=lambda e: (len(e[0]), not e[1].startswith("expected ")))
            return
        if "const" in schema and value != schema["const"] or "enum" in schema and value not in schema["enum"]:
            valid = [schema["const"]] if "const" in schema else schema["enum"]
            yield path, f"{_show(value)} is not one of {', '.join(_show(v) for v in valid)}"
            return
        if "type" in schema:
            types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_TYPES[t](value) for t in types):
                yield path, f"expected {' or '.join(_NAMES[t] for t in types)}, got {_kind(value)}"
                return
        yield from self._bounds(value, schema, path)
        if isinstance(value, dict):
            yield from self._object(value, schema, path)
        elif isinstance(value, list):
            yield from self._array(value, schema, path)

    def _bounds(self, value: Any, schema: dict, path: tuple) -> Iterator[tuple[tuple, str]]:
        if _TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                yield path, f"{_show(value)} is less than the minimum {schema['minimum']}"
            if "maximum" in schema and value > schema["maximum"]:
                yield path, f"{_show(value)} is more than the maximum {schema['maximum']}"
        if isinstance(value, str):
            if len(value) < schema.get("minLength", 0):
                yield path, "must not be empty" if not value else f"{_show(value)} is too short"
            if len(value) > schema.get("maxLength", len(value)):
                yield path, f"is longer than {schema['maxLength']} characters"
            if "pattern" in schema and not re.search(schema["pattern"], value):
                yield path, (f"{_show(value)} has characters that are not allowed (control characters, lone "
                             "surrogates, U+FFFE/U+FFFF)")

    def _object(self, value: dict, schema: dict, path: tuple) -> Iterator[tuple[tuple, str]]:
        props = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                yield path, f"missing the key {key!r}"
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in props:
                yield from self.errors(item, props[key], (*path, key))
            elif extra is False:
                yield path, f"unexpected key {_show(key)}"
            elif isinstance(extra, dict):
                yield from self.errors(item, extra, (*path, key))

    def _array(self, value: list, schema: dict, path: tuple) -> Iterator[tuple[tuple, str]]:
        if len(value) < schema.get("minItems", 0):
            yield path, f"needs at least {schema['minItems']} item{'s' if schema['minItems'] != 1 else ''}"
        if len(value) > schema.get("maxItems", len(value)):
            yield path, f"has more than {schema['maxItems']} items"
        prefix = schema.get("prefixItems", [])
        for i, item in enumerate(value):
            sub = prefix[i] if i < len(prefix) else schema.get("items")
            if sub is not None:
                yield from self.errors(item, sub, (*path, i))


def first_error(document: Any, schema: dict | None = None) -> tuple[str, str] | None:
    """(JSON path, problem) of the first way `document` breaks the trace schema, or None when it conforms."""
    root = schema if schema is not None else trace_schema()
    for path, problem in _Checker(root).errors(document, root, ()):
        return path_text(path), problem
    return None
