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


def peak_bytes(meta_trace) -> int:
    """Upper estimate of a no-grad forward pass, from a meta trace: the weights, the input and the two
    largest activations (no-grad frees each activation once the next op has read it)."""
    t = meta_trace.totals
    element = t.activation_bytes // max(1, t.activation_elements)
    outputs = sorted((_numel(o.output_shape) for o in meta_trace.ops), reverse=True)
    return t.param_bytes + element * (_numel(meta_trace.input_shape) + sum(outputs[:2]))


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def fits(need: int, device: torch.device, fraction: float = 1.0) -> bool:
    free = available_bytes(device)
    return free is None or need <= fraction * free


def check_fits(need: int, device: torch.device) -> None:
    """Refuse before allocating when the forward pass cannot fit in the device's free memory."""
    if not fits(need, device):
        free = available_bytes(device) or 0
        raise DeviceUnavailable(
            f"the forward pass needs about {need / 2**30:.1f} GiB on {device.type} but only "
            f"{free / 2**30:.1f} GiB is free; use --device meta for shapes without memory"
        )
