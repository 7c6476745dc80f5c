"""The trace as plain data (enums, ops, stages, trace), its JSON (codec), the counting convention, and the checks a
loaded file passes."""

from .codec import trace_to_dict, trace_to_json
from .enums import BlockKind, OpKind, Path, Section, ShortcutKind
from .ops import Op, Pair, Ref, Volume
from .stages import Block, Stage
from .trace import SCHEMA_VERSION, Measured, Provenance, Timing, Totals, Trace
from .validate import load_trace_text, read_trace_file

__all__ = [
    "SCHEMA_VERSION", "Block", "BlockKind", "Measured", "Op", "OpKind", "Pair", "Path", "Provenance", "Ref",
    "Section", "ShortcutKind", "Stage", "Timing", "Totals", "Trace", "Volume", "load_trace_text", "read_trace_file",
    "trace_to_dict", "trace_to_json",
]
