"""The trace as plain data (types), its JSON (codec), the counting convention, and the checks a loaded file passes."""

from .codec import trace_to_dict, trace_to_json
from .types import (
    SCHEMA_VERSION,
    Block,
    BlockKind,
    Measured,
    Op,
    OpKind,
    Pair,
    Path,
    Provenance,
    Ref,
    Section,
    ShortcutKind,
    Stage,
    Timing,
    Totals,
    Trace,
    Volume,
)
from .validate import load_trace_text, read_trace_file

__all__ = [
    "SCHEMA_VERSION", "Block", "BlockKind", "Measured", "Op", "OpKind", "Pair", "Path", "Provenance", "Ref",
    "Section", "ShortcutKind", "Stage", "Timing", "Totals", "Trace", "Volume", "load_trace_text", "read_trace_file",
    "trace_to_dict", "trace_to_json",
]
