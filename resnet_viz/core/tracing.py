"""Where the pass runs and how: a meta trace first (shapes, no memory), then the real pass the policy chooses.

`--device auto` runs the real pass on CUDA when present, else on the CPU when it fits in memory and costs at most
AUTO_CPU_MAX_MACS multiply-adds (every paper network at 224 does); beyond that it keeps the meta trace and says why.
The traces are equal on every device; the real pass adds what only it can measure (bytes saved for backward,
the CUDA peak, and per-op time with `--measure`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace

import torch
from torch import nn

from ..errors import DeviceUnavailable, InvalidOption, InvalidType, ModelError
from ..network_spec import NetworkSpec
from ..options import Device, ModelOptions
from ..schema import OpKind, Provenance, Trace, Volume
from ..version import __version__
from ..views.memory import buffer_sizes, element_size, liveness, output_bytes
from .assemble import assemble
from .devices import address_space_limit, check_fits, device_name, fits, resolve
from .loading import build
from .model import build_model, empty_on, empty_twin, place_model
from .record import record
from .timing import measure_time

AUTO_CPU_MAX_MACS = 3 * 10**10  # about a second on two cores: every paper network at 224 stays interactive
AUTO_MAX_MEMORY_FRACTION = 0.5  # `auto` never takes more than half of the free memory
# The memory check (real_pass_bytes), calibrated against the peak resident memory that real CPU passes added (torch
# 2.13, glibc 2.36, 2 threads, 23 GiB; VmHWM after the pass minus VmRSS before the model was built; 4 to 6 runs
# each in fresh processes; MiB; this estimate in brackets):
#   -d 50 --batch 64: 768-818 [1017]     -d 152 --batch 8: 227-313 [500]     -d 18 -i 1024: 183-200 [275]
#   -d 20 --batch 256: 177-209 [242]     -d 20 --batch 1024: 375 [448]       -d 56 --batch 256: 274-383 [410]
#   -d 110 --batch 256: 306-690 [662]    -d 101 --batch 16: 325-386 [621]    -d 50 --batch 8: 237-274 [326]
#   --arch resnext50_32x4d --batch 16: 349-422 [565]   --arch wide_resnet50_2 --batch 8: 264-313 [417]
#   -d 50 --preact --batch 16: 385-422 [494]   -d 18 --batch 32: 259-283 [387]   -d 34 -i 512 --batch 4: 200-217 [325]
#   -d 18 --batch 1: 61-63 [119]         -d 50 --batch 1: 80-85 [172]        -d 20 --batch 64: 80 [109]
# Resident memory is not the tensors' bytes: glibc keeps freed mid-size blocks in its heap (deep CIFAR nets at batch
# 256 vary by 2x from run to run), oneDNN convolutions write their output twice, and the first pass touches kernels'
# code. Hence the terms below: the estimate is at least every measured peak but the worst -d 110 run (4% above it),
# and at most 1.61x the largest measured one (small passes, where RUNTIME dominates, excepted).
WORKSPACE = 2.0  # a convolution's scratch, in units of what it writes (its output and its reordered weights)
HEAP_SLACK = 0.25  # the share of the mid-size tensors passing through glibc's heap that it may keep resident
MMAP_MIN = 32 * 2**20  # glibc serves blocks this large with mmap and unmaps them on free: no slack
RUNTIME = 64 * 2**20  # kernels' code, thread stacks and JIT buffers that the first real pass brings in
ARENA = 64 * 2**20  # address space glibc reserves per thread arena: counted by `ulimit -v`, not resident


def _first_conv_channels(model: nn.Module) -> int:
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    return conv.in_channels if conv is not None else 3


def _dtype(model: nn.Module) -> torch.dtype:
    return next((p.dtype for p in model.parameters() if p.is_floating_point()), torch.float32)


def _on_device(model: nn.Module) -> torch.device:
    return next((t.device for t in [*model.parameters(), *model.buffers()]), torch.device("cpu"))


def meta_twin(model: nn.Module) -> nn.Module:
    """The same module tree on the meta device, made without copying any weight (the user's model untouched)."""
    if _on_device(model).type == "meta":
        return model
    memo: dict[int, object] = {}
    for t in [*model.parameters(), *model.buffers()]:
        memo[id(t)] = empty_twin(t, "meta")
    try:
        return copy.deepcopy(model, memo)
    except Exception as e:
        raise ModelError(f"the model cannot be copied to the meta device ({type(e).__name__}: {e})") from None


def materialize(model: nn.Module, device: torch.device) -> nn.Module:
    """A meta model made real on `device` with zero weights (the pass reads shapes and time, not values)."""
    model = empty_on(model, device)
    with torch.no_grad():
        for t in [*model.parameters(), *model.buffers()]:
            t.zero_()
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_var is not None:
                m.running_var.fill_(1.0)
    return model


_MEMORY_WORDS = ("out of memory", "can't allocate", "cannot allocate", "bad_alloc", "bad alloc",
                 "not enough memory", "failed to allocate", "allocation failed", "memory allocation")


def _failure(e: BaseException, volume: Volume, device: torch.device) -> Exception:
    """A forward pass that raised, as one line: memory (checked first: an allocator's message may also mention
    sizes), an input too small for the network, or the model's own error."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    low = text.lower()
    if isinstance(e, MemoryError) or any(w in low for w in _MEMORY_WORDS):
        short = text.split("] ", 1)[-1] if text.startswith("[enforce fail") else text  # drop the C++ location
        short = short.removeprefix("err == 0. ")
        limited = device.type == "cpu" and address_space_limit() is not None
        return DeviceUnavailable(
            f"the forward pass ran out of memory on {device.type} ({short}); use a smaller --batch or --input"
            + (", raise the address-space limit (ulimit -v)" if limited else "")
            + ", or --device meta for shapes and counts without memory")
    if "too small" in low or "kernel size can't be greater" in low or "output size is" in low:
        return InvalidOption(f"input {volume.height}x{volume.width} is too small for this network ({text}); "
                             "use a larger --input")
    return ModelError(f"the model failed during the forward pass on {device.type} ({type(e).__name__}: {text})")


def _pass(model: nn.Module, volume: Volume, batch: int, device: torch.device, *, name: str, spec: NetworkSpec | None,
          source: str, note: str = "", measure: int = 0) -> Trace:
    dtype = _dtype(model)
    x = torch.zeros(volume.shape(batch), device=device, dtype=dtype)
    real = device.type != "meta"
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    try:
        try:
            rec = record(model, x, shape_only_meta=not real, measure_saved=real)
        except RuntimeError:
            if not real:
                raise
            rec = record(model, x, shape_only_meta=False, measure_saved=False)  # forward that refuses gradients
        timing = measure_time(model, x, repeats=measure) if measure and real else None
    except (RuntimeError, MemoryError, ValueError, AssertionError, IndexError, TypeError) as e:
        raise _failure(e, volume, device) from None
    if not rec.ops:
        raise ModelError("the model recorded no operation on its input (nothing to tabulate or draw)")
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    provenance = Provenance(device=device.type, device_name=device_name(device),
                            torch_version=torch.__version__.split("+")[0], resnet_viz_version=__version__, note=note)
    peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
    return assemble(rec, model_name=name, spec=spec, source=source, input_volume=volume, batch=batch,
                    dtype=str(dtype).removeprefix("torch."), params=params, trainable_params=trainable,
                    provenance=provenance, timing=timing, cuda_peak_bytes=peak)


def real_pass_bytes(meta: Trace) -> int:
    """What the real pass needs, from the meta trace, before anything is allocated: the larger of what it allocates
    (weights, live activations with the largest convolution's scratch: what CUDA and `ulimit -v` count) and what
    becomes resident on the CPU (see the calibration above). A built-in network's weights are allocated but never
    written (initialize=False), so they take address space and no RAM; another model's are counted in full."""
    live, sizes, weights = liveness(meta), buffer_sizes(meta), meta.totals.param_bytes
    scratch = max((live.live[i] + output_bytes(meta, op) + op.params * element_size(meta)
                   for i, op in enumerate(meta.ops) if op.kind is OpKind.CONV), default=0)
    with_scratch = max(live.peak, scratch)
    heap = sum(b for k, b in sizes.items() if k is not None and b < MMAP_MIN)
    resident = (live.peak + WORKSPACE * (with_scratch - live.peak) + HEAP_SLACK * heap + RUNTIME
                + (weights if meta.source != "built-in" else 0))
    need = max(weights + with_scratch + RUNTIME, resident)
    if address_space_limit() is not None:
        need = max(need, resident + weights + ARENA * torch.get_num_threads())
    return int(need)


def choose(device: Device, meta: Trace) -> tuple[torch.device, str]:
    """(device of the real pass, the sentence saying why `auto` chose it); named devices are memory-checked."""
    need = real_pass_bytes(meta)
    if device is not Device.AUTO:
        target = resolve(device)
        if target.type != "meta":
            check_fits(need, target)
        return target, ""
    if torch.cuda.is_available() and fits(need, torch.device("cuda"), AUTO_MAX_MEMORY_FRACTION):
        return torch.device("cuda"), ""
    per_image = meta.totals.macs // meta.batch
    if meta.totals.macs > AUTO_CPU_MAX_MACS:
        return torch.device("meta"), (
            f"a real pass would cost {meta.totals.macs / 1e9:.1f}·10⁹ multiply-adds on the CPU ({per_image / 1e9:.1f}·10⁹ "
            f"per image; auto runs it up to {AUTO_CPU_MAX_MACS / 1e9:.0f}·10⁹), so shapes and counts come from the "
            "meta device; --device cpu forces a real pass")
    if not fits(need, torch.device("cpu"), AUTO_MAX_MEMORY_FRACTION):
        return torch.device("meta"), (
            f"a real pass would need about {need / 2**30:.1f} GiB, more than half of the free memory, so shapes and "
            "counts come from the meta device; --device cpu forces a real pass")
    return torch.device("cpu"), ""


def _traced(meta_model: nn.Module, real_model: Callable[[torch.device], nn.Module], volume: Volume, batch: int,
            options: ModelOptions, *, name: str, spec: NetworkSpec | None, source: str) -> Trace:
    meta = _pass(meta_model, volume, batch, torch.device("meta"), name=name, spec=spec, source=source)
    target, note = choose(options.device, meta)
    if target.type == "meta" and options.measure:
        why = f" ({note})" if note else ""
        raise InvalidOption(f"--measure times a real pass, but this one runs on the meta device{why}; use "
                            "--device cpu or cuda")
    if target.type == "meta":
        return replace(meta, provenance=replace(meta.provenance, note=note))
    return _pass(real_model(target), volume, batch, target, name=name, spec=spec, source=source, note=note,
                 measure=options.measure)


def trace_spec(spec: NetworkSpec, options: ModelOptions) -> Trace:
    """A built-in network, built once on the meta device for the meta pass, then given uninitialised memory on the
    device of the real pass (the trace reads shapes, not weights)."""
    h, w = options.input or (spec.default_input, spec.default_input)
    volume = Volume((spec.in_channels, h, w))
    model = build_model(spec, device="meta")
    return _traced(model, lambda d: place_model(model, d, initialize=False), volume, options.batch, options,
                   name=spec.name, spec=spec, source="built-in")


def trace_module(model: nn.Module, options: ModelOptions, *, source: str = "python", in_channels: int | None = None,
                 name: str | None = None) -> Trace:
    """Any nn.Module. A meta twin sizes the pass; the real pass runs on the model itself when it is already on the
    device (else on a copy there); hooks, modes and weights are left as they were (isolation.py)."""
    if not isinstance(model, nn.Module):
        raise InvalidType(f"the model must be an nn.Module (got {type(model).__name__}); for a built-in ResNet use "
                          "trace_network(depth) or trace_options(...)")
    h, w = options.input or (224, 224)
    volume = Volume((in_channels or _first_conv_channels(model), h, w))
    label = name or type(model).__name__.lower()

    def real(device: torch.device) -> nn.Module:
        current = _on_device(model)
        if current.type == "meta":
            return materialize(model if source != "python" else copy.deepcopy(model), device)
        if current == device or (current.type == device.type and device.index is None):
            return model
        return copy.deepcopy(model).to(device)

    return _traced(meta_twin(model), real, volume, options.batch, options, name=label, spec=getattr(model, "spec", None)
                   if isinstance(getattr(model, "spec", None), NetworkSpec) else None, source=source)


def trace_options(options: ModelOptions) -> Trace:
    """The network the options name (built-in, or --model), traced."""
    if options.model is None:
        return trace_spec(options.spec(), options)
    model, _ = build(options.model)
    name = options.model.rpartition(":")[2].rsplit(".", 1)[-1].lower()
    return trace_module(model, options, source=options.model, name=name)


def trace(model: nn.Module, input: object = None, *, device: str = "auto", batch: int = 1,
          in_channels: int | None = None, measure: int = 0) -> Trace:
    """Trace any nn.Module with one forward pass (the Python form of `--model`)."""
    if not isinstance(device, str):
        raise InvalidType(f"device must be one of 'auto', 'cpu', 'cuda', 'meta' (got {device!r})")
    options = ModelOptions.parse(input=input, device=device, batch=batch, measure=measure)
    if in_channels is not None and (not isinstance(in_channels, int) or isinstance(in_channels, bool)
                                    or in_channels < 1):
        raise InvalidType(f"in_channels must be a whole number ≥ 1 (got {in_channels!r})")
    return trace_module(model, options, in_channels=in_channels)

