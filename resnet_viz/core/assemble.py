"""Turn a recording into the typed Trace: edges by op id, counts from the counting table, structure from the graph."""

from __future__ import annotations

from ..network_spec import NetworkSpec
from ..schema import Measured, Op, Provenance, Ref, Timing, Totals, Trace, Volume
from ..schema.counting import ELEMENT_SIZES, elementwise_ops, is_counted, macs
from .raw_ops import INPUT, RawOp, Recording
from .structure import find_structure


def _op(raw: RawOp, ids: list[str], batch: int) -> Op:
    refs = tuple(Ref(None if src == INPUT else ids[src], k, v) for src, k, v in raw.inputs)
    g = raw.geometry
    source, output = refs[0].volume, raw.outputs[0]
    return Op(
        id=raw.id, module=raw.module, kind=raw.kind, type_name=raw.type_name, inputs=refs, outputs=tuple(raw.outputs),
        kernel_size=g.get("kernel_size"), stride=g.get("stride"), padding=g.get("padding"),
        dilation=g.get("dilation"), groups=g.get("groups"), ceil_mode=g.get("ceil_mode", False),
        inplace=raw.inplace, params=raw.params, trainable_params=raw.trainable_params,
        macs=macs(raw.kind, batch, source, output, kernel_size=g.get("kernel_size"), groups=g.get("groups")),
        elementwise_ops=elementwise_ops(raw.kind, batch, source, output, kernel_size=g.get("kernel_size")),
    )


def assemble(rec: Recording, *, model_name: str, spec: NetworkSpec | None, source: str, input_volume: Volume,
             batch: int, dtype: str, params: int, trainable_params: int, provenance: Provenance,
             timing: Timing | None = None, cuda_peak_bytes: int | None = None) -> Trace:
    """The Trace of one recorded pass (params are the model's own totals: some may belong to no recorded op)."""
    ids = [r.id for r in rec.ops]
    ops, stages = find_structure([_op(r, ids, batch) for r in rec.ops],
                                 [Ref(None if s == INPUT else ids[s], k, v) for s, k, v in rec.outputs])
    size = ELEMENT_SIZES.get(dtype, 4)
    elements = batch * sum(v.numel for o in ops for v in o.outputs)
    totals = Totals(params=params, trainable_params=trainable_params, macs=sum(o.macs for o in ops),
                    elementwise_ops=sum(o.elementwise_ops for o in ops), activation_elements=elements,
                    param_bytes=params * size, activation_bytes=elements * size)
    saved = tuple((r.id, r.saved_bytes) for r in rec.ops) if rec.measured_saved else ()
    return Trace(
        model_name=model_name, model=spec, source=source, batch=batch, input=input_volume, dtype=dtype, ops=ops,
        outputs=tuple(Ref(None if s == INPUT else ids[s], k, v) for s, k, v in rec.outputs), stages=stages,
        totals=totals, uncounted=tuple(o.id for o in ops if not is_counted(o.kind)), provenance=provenance,
        measured=Measured(saved_bytes=saved, cuda_peak_bytes=cuda_peak_bytes, timing=timing),
    )
