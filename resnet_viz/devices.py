"""Device choice and the memory check made before anything is allocated."""

from __future__ import annotations

import os

import torch

from .errors import DeviceUnavailable, choice

DEVICES = ("auto", "cpu", "cuda", "meta")


def resolve_device(name: str | torch.device) -> torch.device:
    """'auto' → cuda when present, else cpu; 'cuda' without a GPU is a clear error."""
    if isinstance(name, torch.device):
        name = str(name)
    base = name.split(":")[0]
    if base not in DEVICES:
        raise choice("device", name, DEVICES)
    if base == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if base == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("device 'cuda' is not available here (no CUDA GPU found); use --device cpu or meta")
    return torch.device(name)


def available_bytes(device: torch.device) -> int | None:
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "cpu":
        try:
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("MemAvailable:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        try:
            return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            return None
    return None


def estimate_peak_bytes(model: torch.nn.Module, input_shape, dtype) -> int:
    """Upper estimate of a no-grad forward pass: weights plus the two largest live activations.

    Taken from a trace on the meta device, which costs no memory.
    """
    from .trace import _collect

    meta = model if next(model.parameters()).device.type == "meta" else None
    if meta is None:
        import copy

        meta = copy.deepcopy(model).to("meta")
    raw = _collect(meta, torch.zeros(input_shape, device="meta", dtype=dtype))
    elem = torch.empty((), dtype=dtype, device="meta").element_size()
    sizes = sorted((_numel(r["output_shape"]) for r in raw), reverse=True)
    weights = sum(p.numel() for p in model.parameters()) * elem
    return weights + elem * (_numel(input_shape) + sum(sizes[:2]))


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def check_fits(model: torch.nn.Module, input_shape, device: torch.device, dtype) -> None:
    """Refuse before allocating when the forward pass cannot fit in the device's free memory."""
    free = available_bytes(device)
    if free is None:
        return
    need = estimate_peak_bytes(model, input_shape, dtype)
    if need > free:
        raise DeviceUnavailable(
            f"the forward pass needs about {need / 2**30:.1f} GiB on {device.type} but only "
            f"{free / 2**30:.1f} GiB is free; use --device meta for shapes without memory"
        )
