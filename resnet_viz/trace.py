"""Run one forward pass and record every operation: module hooks for layers, a scoped
TorchFunctionMode for what hooks cannot see (the residual `out += identity`, `torch.flatten`).

Hooks and the mode are always removed in `finally`; nothing is patched process-wide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import prod

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from . import __version__
from .counting import elementwise_ops, is_counted, macs
from .devices import check_fits, fits, peak_bytes, resolve_device
from .errors import InvalidOption
from .meta_kernels import shape_only
from .schema import Block, Op, OpKind, Path, Provenance, Section, Shape, ShortcutKind, Stage, Totals, Trace
from .spec import NetworkSpec, parse_input_size

_MODULE_KINDS: tuple[tuple[type, OpKind], ...] = (
    (nn.Conv2d, OpKind.CONV),
    (nn.BatchNorm2d, OpKind.BATCHNORM),
    (nn.ReLU, OpKind.RELU),
    (nn.MaxPool2d, OpKind.MAXPOOL),
    (nn.AdaptiveAvgPool2d, OpKind.AVGPOOL),
    (nn.AvgPool2d, OpKind.AVGPOOL),
    (nn.Linear, OpKind.LINEAR),
    (nn.Flatten, OpKind.FLATTEN),
)

_ADD_FUNCS = {torch.add, torch.Tensor.add, torch.Tensor.add_, torch.Tensor.__add__, torch.Tensor.__iadd__,
              torch.Tensor.__radd__}
_FUNCTIONAL_KINDS = {
    **{f: OpKind.ADD for f in _ADD_FUNCS},
    torch.flatten: OpKind.FLATTEN,
    torch.Tensor.flatten: OpKind.FLATTEN,
    torch.relu: OpKind.RELU,
    torch.relu_: OpKind.RELU,
    torch.nn.functional.relu: OpKind.RELU,
}
_FUNCTIONAL_NAMES = {OpKind.ADD: "add", OpKind.FLATTEN: "flatten", OpKind.RELU: "relu"}


def _module_kind(module: nn.Module) -> OpKind:
    from .model import ZeroPadShortcut

    if isinstance(module, ZeroPadShortcut):
        return OpKind.ZEROPAD
    for cls, kind in _MODULE_KINDS:
        if isinstance(module, cls):
            return kind
    return OpKind.OTHER


def _pair(v) -> tuple[int, int] | None:
    if v is None:
        return None
    if isinstance(v, str):  # padding="same"
        return None
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[-1]))


def _geometry(module: nn.Module, kind: OpKind, input_shape: Shape) -> dict:
    """kernel / stride / padding / dilation / groups as the module defines them."""
    if kind is OpKind.CONV:
        return dict(kernel_size=_pair(module.kernel_size), stride=_pair(module.stride),
                    padding=_pair(module.padding), dilation=_pair(module.dilation), groups=module.groups)
    if kind is OpKind.MAXPOOL:
        return dict(kernel_size=_pair(module.kernel_size), stride=_pair(module.stride or module.kernel_size),
                    padding=_pair(module.padding), dilation=_pair(module.dilation))
    if kind is OpKind.AVGPOOL:
        if isinstance(module, nn.AvgPool2d):
            return dict(kernel_size=_pair(module.kernel_size), stride=_pair(module.stride or module.kernel_size),
                        padding=_pair(module.padding))
        # global average pooling: the window is the whole input plane
        return dict(kernel_size=(input_shape[2], input_shape[3]) if len(input_shape) == 4 else None)
    if kind is OpKind.ZEROPAD:
        return dict(stride=_pair(module.stride))
    return {}


@dataclass
class _Recorder:
    """Mutable collection state, alive only during one forward pass."""

    names: dict[int, str]
    leaves: set[int]
    stack: list[nn.Module] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    counted_params: set[int] = field(default_factory=set)
    raw: list[dict] = field(default_factory=list)
    pending: dict[int, list[Shape]] = field(default_factory=dict)

    def op_id(self, base: str) -> str:
        k = self.calls.get(base, 0) + 1
        self.calls[base] = k
        return base if k == 1 else f"{base}#{k}"

    def record(self, base_id: str, module_path: str, kind: OpKind, in_shape: Shape, out_shape: Shape,
               module: nn.Module | None) -> None:
        params = trainable = 0
        if module is not None and id(module) not in self.counted_params:
            self.counted_params.add(id(module))
            for p in module.parameters(recurse=False):
                params += p.numel()
                trainable += p.numel() if p.requires_grad else 0
        geo = _geometry(module, kind, in_shape) if module is not None else {}
        self.raw.append(dict(
            id=self.op_id(base_id), module=module_path, kind=kind, input_shape=in_shape, output_shape=out_shape,
            params=params, trainable_params=trainable,
            macs=macs(kind, in_shape, out_shape, kernel_size=geo.get("kernel_size"), groups=geo.get("groups")),
            elementwise_ops=elementwise_ops(kind, in_shape, out_shape, kernel_size=geo.get("kernel_size")),
            type_name=type(module).__name__ if module is not None else "",
            **geo,
        ))


def _shape(x) -> Shape:
    if isinstance(x, torch.Tensor):
        return tuple(int(s) for s in x.shape)
    if isinstance(x, (tuple, list)) and x and isinstance(x[0], torch.Tensor):
        return tuple(int(s) for s in x[0].shape)
    return ()


class _FunctionalOps(TorchFunctionMode):
    """Records the few functional ops that live in container modules' forward()."""

    def __init__(self, rec: _Recorder, *, shape_only_meta: bool = True) -> None:
        super().__init__()
        self.rec = rec
        self.shape_only_meta = shape_only_meta

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = shape_only(func, args, kwargs) if self.shape_only_meta else NotImplemented
        if out is NotImplemented:
            out = func(*args, **(kwargs or {}))
        kind = _FUNCTIONAL_KINDS.get(func)
        top = self.rec.stack[-1] if self.rec.stack else None
        if kind is not None and top is not None and id(top) not in self.rec.leaves:
            where = self.rec.names[id(top)]
            name = _FUNCTIONAL_NAMES[kind]
            self.rec.record(f"{where}.{name}" if where else name, where, kind, _shape(args[0]), _shape(out), None)
        return out


def _collect(model: nn.Module, x: torch.Tensor, *, shape_only_meta: bool = True) -> list[dict]:
    names = {id(m): n for n, m in model.named_modules()}
    leaves = {id(m) for m in model.modules() if not any(True for _ in m.children())}
    rec = _Recorder(names=names, leaves=leaves)
    handles = []

    def pre(module, args):
        rec.stack.append(module)
        if id(module) in rec.leaves:
            rec.pending.setdefault(id(module), []).append(_shape(args[0]) if args else ())

    def post(module, args, out):
        rec.stack.pop()
        if id(module) in rec.leaves:
            in_shape = rec.pending[id(module)].pop()
            path = rec.names[id(module)]
            rec.record(path, path, _module_kind(module), in_shape, _shape(out), module)

    was_training = {id(m): m.training for m in model.modules()}
    try:
        for m in model.modules():
            handles.append(m.register_forward_pre_hook(pre))
            handles.append(m.register_forward_hook(post))
        model.eval()
        with torch.no_grad(), _FunctionalOps(rec, shape_only_meta=shape_only_meta):
            model(x)
    finally:
        for h in handles:
            h.remove()
        for m in model.modules():
            m.training = was_training[id(m)]
    return rec.raw


# --- structure: stem / stages / blocks / head, recovered from module paths ----------------------

_STAGE = re.compile(r"^(layer\d+)\.(\d+)(?:\.(.*))?$")


def _place(raw: dict, seen_stage: bool) -> dict:
    m = _STAGE.match(raw["id"])
    if m:
        stage, block, rest = m.group(1), int(m.group(2)), m.group(3) or ""
        if rest.startswith("downsample"):
            path = Path.SHORTCUT
        elif rest.startswith("add"):
            path = Path.JOIN
        else:
            path = Path.MAIN
        return dict(section=Section.STAGE, stage=stage, block=block, path=path)
    return dict(section=Section.HEAD if seen_stage else Section.STEM, stage=None, block=None, path=None)


def _paper_stage_name(index: int) -> str:
    return f"conv{index + 2}_x"


def _block(ops: list[Op]) -> Block:
    first = ops[0]
    shortcut_ops = [o for o in ops if o.path is Path.SHORTCUT]
    if any(o.kind is OpKind.CONV for o in shortcut_ops):
        shortcut = ShortcutKind.PROJECTION
    elif any(o.kind is OpKind.ZEROPAD for o in shortcut_ops):
        shortcut = ShortcutKind.ZEROPAD
    else:
        shortcut = ShortcutKind.IDENTITY
    main_convs = sum(1 for o in ops if o.path is Path.MAIN and o.kind is OpKind.CONV)
    kind = {2: "basic", 3: "bottleneck"}.get(main_convs, "custom")
    return Block(
        id=f"{first.stage}.{first.block}", stage=first.stage, index=first.block, kind=kind, shortcut=shortcut,
        input_shape=first.input_shape, output_shape=ops[-1].output_shape, op_ids=tuple(o.id for o in ops),
    )


def assemble(raw: list[dict], *, model: NetworkSpec | None, model_name: str, input_shape: Shape, dtype: str,
             params: int, trainable_params: int, element_size: int, provenance: Provenance) -> Trace:
    """Turn recorded rows into the typed Trace, grouping by the stage/block found in each op's path."""
    ops: list[Op] = []
    seen_stage = False
    for r in raw:
        placed = _place(r, seen_stage)
        seen_stage = seen_stage or placed["section"] is Section.STAGE
        ops.append(Op(**r, **placed))
    stage_ids: list[str] = []
    blocks: dict[tuple[str, int], list[Op]] = {}
    for o in ops:
        if o.section is Section.STAGE:
            if o.stage not in stage_ids:
                stage_ids.append(o.stage)
            blocks.setdefault((o.stage, o.block), []).append(o)
    stages = []
    for i, sid in enumerate(stage_ids):
        sb = tuple(_block(v) for (s, _), v in blocks.items() if s == sid)
        stages.append(Stage(id=sid, index=i, paper_name=_paper_stage_name(i), input_shape=sb[0].input_shape,
                            output_shape=sb[-1].output_shape, blocks=sb))
    activation_elements = sum(prod(o.output_shape) for o in ops)
    totals = Totals(
        params=params, trainable_params=trainable_params, macs=sum(o.macs for o in ops),
        elementwise_ops=sum(o.elementwise_ops for o in ops), activation_elements=activation_elements,
        param_bytes=params * element_size, activation_bytes=activation_elements * element_size,
    )
    return Trace(
        model=model, model_name=model_name, input_shape=input_shape, dtype=dtype, ops=tuple(ops),
        stem=tuple(o.id for o in ops if o.section is Section.STEM), stages=tuple(stages),
        head=tuple(o.id for o in ops if o.section is Section.HEAD), totals=totals,
        uncounted=tuple(o.id for o in ops if not is_counted(o.kind)), provenance=provenance,
    )


def _model_device(model: nn.Module) -> torch.device:
    for p in model.parameters():
        return p.device
    return torch.device("cpu")


def _meta_twin(model: nn.Module) -> nn.Module:
    """The same module tree on the meta device, made without copying any weight data."""
    if _model_device(model).type == "meta":
        return model
    import copy

    memo: dict[int, object] = {}
    for t in list(model.parameters()) + list(model.buffers()):
        twin = torch.empty_like(t, device="meta")
        memo[id(t)] = nn.Parameter(twin, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else twin
    return copy.deepcopy(model, memo)


def _on_device(model: nn.Module, target: torch.device) -> nn.Module:
    """`model` itself when it is already on `target`; otherwise a copy there (the caller's model stays put)."""
    current = _model_device(model)
    if current == target or (current.type == target.type and target.index is None):
        return model
    import copy

    if current.type == "meta":
        twin = copy.deepcopy(model).to_empty(device=target)
        for m in twin.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.reset_running_stats()
        return twin
    return copy.deepcopy(model).to(target)


def _run(model: nn.Module, shape: Shape, target: torch.device) -> Trace:
    """One forward pass of `model` (already on `target`) on zeros of `shape`, assembled into a Trace."""
    dtype = next((p.dtype for p in model.parameters()), torch.float32)
    try:
        raw = _collect(model, torch.zeros(shape, device=target, dtype=dtype))
    except RuntimeError as e:  # torch's "Output size is too small" and kin
        raise InvalidOption(_too_small_message(shape[2], shape[3], e)) from None
    spec: NetworkSpec | None = getattr(model, "spec", None)
    return assemble(
        raw, model=spec, model_name=spec.name if spec else type(model).__name__.lower(), input_shape=shape,
        dtype=str(dtype).removeprefix("torch."), params=sum(p.numel() for p in model.parameters()),
        trainable_params=sum(p.numel() for p in model.parameters() if p.requires_grad),
        element_size=torch.empty((), dtype=dtype, device="meta").element_size(),
        provenance=Provenance(device=target.type, torch_version=torch.__version__.split("+")[0],
                              resnet_viz_version=__version__),
    )


def _input_shape(model: nn.Module, input_size, batch_size: int, in_channels: int | None) -> Shape:
    h, w = parse_input_size(input_size)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InvalidOption(f"invalid batch size {batch_size!r} (must be a whole number ≥ 1)")
    if in_channels is None:
        conv1 = getattr(model, "conv1", None)
        in_channels = conv1.in_channels if isinstance(conv1, nn.Conv2d) else 3
    return (batch_size, in_channels, h, w)


def trace(model: nn.Module, input_size=224, *, device: str = "auto", batch_size: int = 1,
          in_channels: int | None = None) -> Trace:
    """Trace any ResNet-shaped nn.Module (ours or torchvision's) with one forward pass.

    A meta trace comes first (no memory, no compute): it sizes the memory check and the `auto` choice.
    The real pass runs on a copy when the model is not on the device already; the caller's model stays put.
    """
    shape = _input_shape(model, input_size, batch_size, in_channels)
    meta = _run(_meta_twin(model), shape, torch.device("meta"))
    target = choose_device(device, meta)
    if target.type == "meta":
        return meta
    return _run(_on_device(model, target), shape, target)


def _too_small_message(h: int, w: int, e: Exception) -> str:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return f"input {h}x{w} is too small for this network ({first}); use a larger --input"


# A real forward pass on the CPU is worth running under `auto` only while it is cheap next to the meta trace:
# about 2·10⁹ multiply-adds take ~0.1–0.3 s on two cores. Beyond that the pass is the slow part and
# tells us nothing the meta trace does not (the trace is identical on every device).
AUTO_CPU_MAX_MACS = 2 * 10**9
AUTO_MAX_MEMORY_FRACTION = 0.5  # `auto` never takes more than half of the free memory


def auto_device(meta_trace: Trace) -> str:
    """Where `--device auto` runs the real pass after the meta trace: cuda, cpu, or nowhere (meta)."""
    need = peak_bytes(meta_trace)
    if torch.cuda.is_available() and fits(need, torch.device("cuda"), AUTO_MAX_MEMORY_FRACTION):
        return "cuda"
    if meta_trace.totals.macs <= AUTO_CPU_MAX_MACS and fits(need, torch.device("cpu"), AUTO_MAX_MEMORY_FRACTION):
        return "cpu"
    return "meta"


def choose_device(device: str, meta_trace: Trace) -> torch.device:
    """The device of the real pass: the `auto` policy, or the named device once its memory is checked."""
    target = resolve_device(auto_device(meta_trace) if device == "auto" else device)
    if target.type != "meta":
        check_fits(peak_bytes(meta_trace), target)
    return target


def trace_resnet(spec: NetworkSpec, input_size=None, *, device: str = "auto", batch_size: int = 1) -> Trace:
    """Build `spec` straight on each device it is traced on (weights uninitialised: the trace reads shapes).

    Same policy as trace(): meta first, then the real pass on the chosen device; the traces are equal.
    """
    from .model import build_model

    meta_model = build_model(spec, device="meta")
    shape = _input_shape(meta_model, spec.default_input if input_size is None else input_size, batch_size, None)
    meta = _run(meta_model, shape, torch.device("meta"))
    target = choose_device(device, meta)
    if target.type == "meta":
        return meta
    return _run(build_model(spec, device=target, initialize=False), shape, target)
