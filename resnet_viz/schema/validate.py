"""Reading a trace file: the one place its bytes are checked, fully, before anything uses them.

Every problem becomes one InvalidTrace line naming the file and the JSON path of the first problem: unreadable or
huge files, bytes that are not UTF-8, JSON that is not JSON (or nests absurdly deep, or holds NaN), a document that
breaks the shipped JSON Schema, and contradictions the schema cannot express (consistency.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ..errors import InvalidTrace, InvalidType
from .codec import trace_from_dict
from .conform import first_error
from .consistency import first_inconsistency
from .trace import SCHEMA_VERSION, Trace

MAX_BYTES = 64 * 2**20  # a ResNet-1202 trace is a few MiB
RETRACE = "trace the model again with this resnet-viz (`resnet-viz trace … -o FILE`)"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def parse_json(text: str) -> Any:
    """JSON text → Python values; ValueError names what is wrong (NaN/Infinity and duplicate keys included)."""
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as e:
        raise ValueError(f"not JSON: {e.msg} at line {e.lineno}, column {e.colno}") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def check_document(doc: Any) -> None:
    """Raise ValueError naming the first problem of a parsed trace document (JSON path included)."""
    if not isinstance(doc, dict):
        names: dict[type, str] = {list: "a list", str: "a string"}
        kind = names.get(type(doc), type(doc).__name__)
        raise ValueError(f"the top level is {kind}, not a JSON object")
    version = doc.get("schema_version")
    if version is None:
        raise ValueError("it has no schema_version, so it is not a resnet-viz trace")
    if version == 1:
        raise ValueError(f"it was written by an older resnet-viz (schema version 1); {RETRACE}")
    if version != SCHEMA_VERSION:
        raise ValueError(f"unsupported schema_version {version!r} (this resnet-viz reads {SCHEMA_VERSION})")
    for check in (first_error, first_inconsistency):  # the cross-checks trust the types the schema guarantees
        problem = check(doc)
        if problem is not None:
            raise ValueError(f"{problem[0]}: {problem[1]}")


def load_trace_text(text: str, *, name: str = "the trace") -> Trace:
    """A Trace from JSON text, checked fully; InvalidTrace otherwise."""
    if not isinstance(text, str):
        raise InvalidType(f"trace text must be a str (got {type(text).__name__})")
    try:
        doc = parse_json(text)
        check_document(doc)
    except ValueError as e:
        raise InvalidTrace(f"{name} is not a valid resnet-viz trace: {e}") from None
    return trace_from_dict(doc)


def read_trace_file(path: str | os.PathLike[str]) -> Trace:
    """Read and check a trace file written by `resnet-viz trace` (no torch needed)."""
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise InvalidType(f"a trace path must be a str or os.PathLike (got {type(path).__name__})")
    shown = ascii(os.fspath(path))
    try:
        with Path(path).open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise InvalidTrace(f"cannot read the trace {shown} ({e.strerror or e}); give a file written by "
                           "`resnet-viz trace`") from None
    if len(raw) > MAX_BYTES:
        raise InvalidTrace(f"{shown} is larger than {MAX_BYTES // 2**20} MiB, far more than any trace")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidTrace(f"{shown} is not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); "
                           "give a file written by `resnet-viz trace`") from None
    return load_trace_text(text, name=shown)
