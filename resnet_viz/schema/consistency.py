"""What the JSON Schema cannot say about a trace: cross-references, the size arithmetic and the counts.

Runs on a document that already conforms to the schema, so every value has its type; reports the first problem
with its JSON path. A trace that passes drives every renderer without a crash.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..shapes import conv_output_size, pool_output_size
from .codec import volume_from_json
from .conform import path_text
from .counting import ELEMENT_SIZES, elementwise_ops, is_counted, macs
from .enums import OpKind
from .ops import Volume

Problem = tuple[tuple[str | int, ...], str]
_SIZED = {"conv", "maxpool", "avgpool"}


def _side(kind: str, size: int, k: int, s: int, p: int, d: int, ceil: bool) -> int | None:
    try:
        if kind == "conv":
            return conv_output_size(size, k, s, p, d)
        return pool_output_size(size, k, s, p, d, ceil)
    except ValueError:
        return None


def _geometry(i: int, op: dict, source: Volume, out: Volume) -> Iterator[Problem]:
    kind = op["kind"]
    if kind == "conv" and any(op[k] is None for k in ("kernel_size", "stride", "padding", "dilation", "groups")):
        yield ("ops", i), "a conv needs kernel_size, stride, padding, dilation and groups"
        return
    if kind == "conv" and source.channels % op["groups"]:
        yield ("ops", i, "groups"), f"{op['groups']} groups do not divide the {source.channels} input channels"
    if kind not in _SIZED or not (source.is_map and out.is_map) or None in (op["kernel_size"], op["stride"]):
        return
    pad, dil = op["padding"] or [0, 0], op["dilation"] or [1, 1]
    for axis, (size, got) in enumerate(zip(source.spatial, out.spatial, strict=True)):
        want = _side(kind, size, op["kernel_size"][axis], op["stride"][axis], pad[axis], dil[axis], op["ceil_mode"])
        if want != got:
            side = ("height", "width")[axis]
            yield ("ops", i, "outputs", 0), (f"the output {side} {got} does not follow from input {size}, kernel "
                                             f"{op['kernel_size'][axis]}, stride {op['stride'][axis]} and padding "
                                             f"{pad[axis]} (PyTorch's rule gives {want})")


def _ops(doc: dict) -> Iterator[Problem]:
    batch = doc["batch"]
    produced: dict[str, list[Volume]] = {}
    for i, op in enumerate(doc["ops"]):
        if op["id"] in produced:
            yield ("ops", i, "id"), f"the id {op['id']!r} is used twice"
        for j, ref in enumerate(op["inputs"]):
            want = volume_from_json(doc["input"]) if ref["op"] is None else None
            if ref["op"] is not None:
                outs = produced.get(ref["op"])
                if outs is None:
                    yield ("ops", i, "inputs", j, "op"), f"{ref['op']!r} is not an earlier op"
                    continue
                if ref["index"] >= len(outs):
                    yield ("ops", i, "inputs", j, "index"), f"{ref['op']!r} has only {len(outs)} output(s)"
                    continue
                want = outs[ref["index"]]
            if volume_from_json(ref["volume"]) != want:
                yield ("ops", i, "inputs", j, "volume"), "differs from the volume its producer made"
        outs = [volume_from_json(v) for v in op["outputs"]]
        produced[op["id"]] = outs
        source, kind = volume_from_json(op["inputs"][0]["volume"]), OpKind(op["kind"])
        yield from _geometry(i, op, source, outs[0])
        counted = {"macs": macs(kind, batch, source, outs[0], kernel_size=op["kernel_size"], groups=op["groups"]),
                   "elementwise_ops": elementwise_ops(kind, batch, source, outs[0], kernel_size=op["kernel_size"])}
        for key, want_n in counted.items():
            if op[key] != want_n:
                yield ("ops", i, key), f"{op[key]} does not follow from the volumes and kernel (expected {want_n})"
        if op["trainable_params"] > op["params"]:
            yield ("ops", i, "trainable_params"), "is more than params"
    for j, ref in enumerate(doc["outputs"]):
        if ref["op"] is not None and ref["op"] not in produced:
            yield ("outputs", j, "op"), f"{ref['op']!r} is not an op of this trace"


def _totals(doc: dict) -> Iterator[Problem]:
    ops, t, size = doc["ops"], doc["totals"], ELEMENT_SIZES[doc["dtype"]]
    sums = {"macs": sum(o["macs"] for o in ops), "elementwise_ops": sum(o["elementwise_ops"] for o in ops),
            "activation_elements": doc["batch"] * sum(volume_from_json(v).numel for o in ops for v in o["outputs"]),
            "param_bytes": t["params"] * size, "activation_bytes": t["activation_elements"] * size}
    for key, want in sums.items():
        if t[key] != want:
            yield ("totals", key), f"{t[key]} is not the sum over the ops (expected {want})"
    if t["trainable_params"] > t["params"] or sum(o["params"] for o in ops) > t["params"]:
        yield ("totals", "params"), "is less than the parameters its ops hold"
    uncounted = [o["id"] for o in ops if not is_counted(OpKind(o["kind"]))]
    if doc["uncounted"] != uncounted:
        yield ("uncounted",), "must list exactly the ops of kind 'other', in order"


def _structure(doc: dict) -> Iterator[Problem]:
    ops = {o["id"]: (i, o) for i, o in enumerate(doc["ops"])}
    owner: dict[str, str] = {}
    for si, stage in enumerate(doc["stages"]):
        where: tuple[str | int, ...] = ("stages", si)
        if stage["index"] != si:
            yield (*where, "index"), f"is {stage['index']}, expected {si}"
        for bi, block in enumerate(stage["blocks"]):
            at = (*where, "blocks", bi)
            if block["index"] != bi:
                yield (*at, "index"), f"is {block['index']}, expected {bi}"
            if block["id"] in owner:
                yield (*at, "id"), f"the block id {block['id']!r} is used twice"
            owner[block["id"]] = stage["id"]
            missing = [x for x in block["ops"] if x not in ops]
            if missing:
                yield (*at, "ops"), f"names {missing[0]!r}, which is not an op of this trace"
                continue
            members = sorted(ops[x] for x in block["ops"])
            for _, o in members:
                if (o["section"], o["stage"], o["block"]) != ("stage", stage["id"], block["id"]) or o["path"] is None:
                    yield ("ops", ops[o["id"]][0]), f"is listed in block {block['id']!r} but does not say so"
            joins = [o for _, o in members if o["path"] == "join"]
            if len(joins) != 1 or joins[0]["kind"] != "add":
                yield (*at, "ops"), "a block needs exactly one join, an add"
            if volume_from_json(block["output"]) != volume_from_json(members[-1][1]["outputs"][0]):
                yield (*at, "output"), "differs from the output of the block's last op"
            if volume_from_json(block["input"]) != volume_from_json(members[0][1]["inputs"][0]["volume"]):
                yield (*at, "input"), "differs from what the block's first op reads"
        if volume_from_json(stage["input"]) != volume_from_json(stage["blocks"][0]["input"]) or \
                volume_from_json(stage["output"]) != volume_from_json(stage["blocks"][-1]["output"]):
            yield where, "its input and output must be its first block's input and its last block's output"
        if stage["paper_name"] is not None and stage["paper_name"] != f"conv{si + 2}_x":
            yield (*where, "paper_name"), f"expected 'conv{si + 2}_x' (the paper names stages by position)"
    for i, o in enumerate(doc["ops"]):
        if o["section"] == "stage" and o["block"] not in owner:
            yield ("ops", i, "block"), "a stage op must belong to a listed block"
        if o["section"] != "stage" and (o["stage"] or o["block"] or o["path"]):
            yield ("ops", i), f"a {o['section']} op has no stage, block or path"
    spec = doc["model"]
    if spec is not None and doc["stages"] and [len(s["blocks"]) for s in doc["stages"]] != spec["layers"]:
        yield ("model", "layers"), "the blocks per stage differ from the stages found in the ops"


def _measured(doc: dict) -> Iterator[Problem]:
    ids = {o["id"] for o in doc["ops"]}
    m = doc["measured"]
    for j, (op_id, _) in enumerate(m["saved_bytes"]):
        if op_id not in ids:
            yield ("measured", "saved_bytes", j, 0), f"{op_id!r} is not an op of this trace"
    if m["timing"] is not None:
        for j, (op_id, _) in enumerate(m["timing"]["op_ms"]):
            if op_id not in ids:
                yield ("measured", "timing", "op_ms", j, 0), f"{op_id!r} is not an op of this trace"


def first_inconsistency(doc: dict[str, Any]) -> tuple[str, str] | None:
    """(JSON path, problem) of the first contradiction in a schema-conforming trace document, or None."""
    for check in (_ops, _totals, _structure, _measured):
        for path, problem in check(doc):
            return path_text(path), problem
    return None

