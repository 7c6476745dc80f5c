"""The trace as JSON (schema version 2) and back: field names and value forms are spelt here and nowhere else.

`trace_from_dict` trusts its input's types; `validate.load_trace_text` checks a document fully before calling it.
"""

from __future__ import annotations

import json
from enum import Enum
from typing import Any

from ..network_spec import NetworkSpec
from .enums import BlockKind, OpKind, Path, Section, ShortcutKind
from .ops import Op, Ref, Volume
from .stages import Block, Stage
from .trace import Measured, Provenance, Timing, Totals, Trace

OP_GEOMETRY = ("kernel_size", "stride", "padding", "dilation")
OP_COUNTS = ("params", "trainable_params", "macs", "elementwise_ops")
TOTALS = ("params", "trainable_params", "macs", "elementwise_ops", "activation_elements", "param_bytes",
          "activation_bytes")


def volume_to_json(v: Volume) -> Any:
    return list(v.dims) if v.batched else {"dims": list(v.dims), "batched": False}


def volume_from_json(d: Any) -> Volume:
    if isinstance(d, dict):
        return Volume(tuple(d["dims"]), batched=bool(d.get("batched", True)))
    return Volume(tuple(d))


def _ref_to_json(r: Ref) -> dict:
    return {"op": r.op, "index": r.index, "volume": volume_to_json(r.volume)}


def _ref_from_json(d: dict) -> Ref:
    return Ref(d["op"], d["index"], volume_from_json(d["volume"]))


def _value(v: Any) -> Any:
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, tuple):
        return list(v)
    return v


def _op_to_json(o: Op) -> dict:
    d: dict[str, Any] = {
        "id": o.id, "module": o.module, "kind": o.kind.value, "type_name": o.type_name,
        "section": o.section.value, "stage": o.stage, "block": o.block, "path": _value(o.path),
        "inputs": [_ref_to_json(r) for r in o.inputs], "outputs": [volume_to_json(v) for v in o.outputs],
    }
    d.update({k: _value(getattr(o, k)) for k in OP_GEOMETRY})
    d.update({"groups": o.groups, "ceil_mode": o.ceil_mode, "inplace": o.inplace})
    d.update({k: getattr(o, k) for k in OP_COUNTS})
    return d


def _pair(v: Any) -> tuple[int, int] | None:
    return None if v is None else (v[0], v[1])


def _op_from_json(d: dict) -> Op:
    return Op(
        id=d["id"], module=d["module"], kind=OpKind(d["kind"]), type_name=d["type_name"],
        inputs=tuple(_ref_from_json(r) for r in d["inputs"]),
        outputs=tuple(volume_from_json(v) for v in d["outputs"]),
        section=Section(d["section"]), stage=d["stage"], block=d["block"],
        path=Path(d["path"]) if d["path"] is not None else None,
        kernel_size=_pair(d["kernel_size"]), stride=_pair(d["stride"]), padding=_pair(d["padding"]),
        dilation=_pair(d["dilation"]), groups=d["groups"], ceil_mode=d["ceil_mode"], inplace=d["inplace"],
        params=d["params"], trainable_params=d["trainable_params"], macs=d["macs"], elementwise_ops=d["elementwise_ops"],
    )


def _block_to_json(b: Block) -> dict:
    return {"id": b.id, "index": b.index, "kind": b.kind.value, "shortcut": b.shortcut.value, "preact": b.preact,
            "gated": b.gated, "input": volume_to_json(b.input), "output": volume_to_json(b.output),
            "ops": list(b.op_ids)}


def _stage_to_json(s: Stage) -> dict:
    return {"id": s.id, "index": s.index, "paper_name": s.paper_name, "input": volume_to_json(s.input),
            "output": volume_to_json(s.output), "blocks": [_block_to_json(b) for b in s.blocks]}


def _stage_from_json(d: dict) -> Stage:
    blocks = tuple(
        Block(id=b["id"], stage=d["id"], index=b["index"], kind=BlockKind(b["kind"]),
              shortcut=ShortcutKind(b["shortcut"]), preact=b["preact"], gated=b["gated"],
              input=volume_from_json(b["input"]), output=volume_from_json(b["output"]), op_ids=tuple(b["ops"]))
        for b in d["blocks"]
    )
    return Stage(id=d["id"], index=d["index"], paper_name=d["paper_name"], input=volume_from_json(d["input"]),
                 output=volume_from_json(d["output"]), blocks=blocks)


def _measured_to_json(m: Measured) -> dict:
    timing = None
    if m.timing is not None:
        t = m.timing
        timing = {"device": t.device, "threads": t.threads, "warmup": t.warmup, "repeats": t.repeats,
                  "whole_pass_ms": t.whole_pass_ms, "op_ms": [[k, v] for k, v in t.op_ms]}
    return {"saved_bytes": [[k, v] for k, v in m.saved_bytes], "cuda_peak_bytes": m.cuda_peak_bytes,
            "timing": timing}


def _measured_from_json(d: dict) -> Measured:
    t = d["timing"]
    timing = None if t is None else Timing(
        device=t["device"], threads=t["threads"], warmup=t["warmup"], repeats=t["repeats"],
        whole_pass_ms=float(t["whole_pass_ms"]), op_ms=tuple((k, float(v)) for k, v in t["op_ms"]))
    return Measured(saved_bytes=tuple((k, v) for k, v in d["saved_bytes"]), cuda_peak_bytes=d["cuda_peak_bytes"],
                    timing=timing)


def trace_to_dict(t: Trace) -> dict:
    p = t.provenance
    return {
        "schema_version": t.schema_version,
        "model_name": t.model_name,
        "model": t.model.to_dict() if t.model else None,
        "source": t.source,
        "batch": t.batch,
        "input": volume_to_json(t.input),
        "dtype": t.dtype,
        "provenance": {"device": p.device, "device_name": p.device_name, "torch_version": p.torch_version,
                       "resnet_viz_version": p.resnet_viz_version, "note": p.note},
        "measured": _measured_to_json(t.measured),
        "totals": {k: getattr(t.totals, k) for k in TOTALS},
        "uncounted": list(t.uncounted),
        "stages": [_stage_to_json(s) for s in t.stages],
        "outputs": [_ref_to_json(r) for r in t.outputs],
        "ops": [_op_to_json(o) for o in t.ops],
    }


def trace_from_dict(d: dict) -> Trace:
    """A Trace from a document already checked by validate.check_document."""
    return Trace(
        schema_version=d["schema_version"],
        model_name=d["model_name"],
        model=NetworkSpec.from_dict(d["model"]) if d["model"] is not None else None,
        source=d["source"],
        batch=d["batch"],
        input=volume_from_json(d["input"]),
        dtype=d["dtype"],
        provenance=Provenance(**d["provenance"]),
        measured=_measured_from_json(d["measured"]),
        totals=Totals(**{k: d["totals"][k] for k in TOTALS}),
        uncounted=tuple(d["uncounted"]),
        stages=tuple(_stage_from_json(s) for s in d["stages"]),
        outputs=tuple(_ref_from_json(r) for r in d["outputs"]),
        ops=tuple(_op_from_json(o) for o in d["ops"]),
    )


def trace_to_json(t: Trace, *, indent: int | None = 1) -> str:
    return json.dumps(trace_to_dict(t), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"
