"""Devices: what is there, how much memory is free (cgroup and `ulimit -v` limits included), and their names."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import torch

from ..errors import DeviceUnavailable
from ..options import Device


def resolve(device: Device) -> torch.device:
    """The torch device for a named choice (not `auto`); 'cuda' without a GPU is a clear error."""
    if device is Device.CUDA and not torch.cuda.is_available():
        raise DeviceUnavailable("device 'cuda' is not available here (no CUDA GPU found); use --device cpu or meta")
    return torch.device(device.value)


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _cgroup_room() -> int | None:
    """Bytes this process's cgroup may still use (v2 memory.max, or v1 limit_in_bytes), if it is limited."""
    for limit, usage in (("memory.max", "memory.current"), ("memory.limit_in_bytes", "memory.usage_in_bytes")):
        for base in (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/memory")):
            cap, used = _read_int(base / limit), _read_int(base / usage)
            if cap is not None and used is not None and cap < 2**60:
                return max(0, cap - used)
    return None


def address_space_limit() -> int | None:
    """The soft `ulimit -v` of this process in bytes, or None when it is unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return None if soft in (resource.RLIM_INFINITY, -1) else soft


def _address_space_room() -> int | None:
    """Bytes `ulimit -v` still allows this process to map, if it is set."""
    soft = address_space_limit()
    if soft is None:
        return None
    try:
        with Path("/proc/self/status").open() as f:
            vm = next((int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")), 0)
    except OSError:
        vm = 0
    return max(0, soft - vm)


def _mem_available() -> int | None:
    try:
        with Path("/proc/meminfo").open() as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def available_bytes(device: torch.device) -> int | None:
    """Free memory a pass on `device` may use: the smallest of what the system, the cgroup and ulimit allow."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type != "cpu":
        return None
    rooms = [r for r in (_mem_available(), _cgroup_room(), _address_space_room()) if r is not None]
    return min(rooms) if rooms else None


def fits(need: int, device: torch.device, fraction: float = 1.0) -> bool:
    free = available_bytes(device)
    return free is None or need <= fraction * free


def check_fits(need: int, device: torch.device) -> None:
    """Refuse before allocating when the forward pass cannot fit in the device's free memory."""
    free = available_bytes(device)
    if free is not None and need > free:
        raise DeviceUnavailable(
            f"the forward pass needs about {need / 2**30:.2f} GiB on {device.type} but only {free / 2**30:.2f} GiB "
            "is free (system, cgroup and ulimit -v limits counted); use --device meta for shapes without memory")


def device_name(device: torch.device) -> str:
    """'NVIDIA H100 80GB HBM3', or the CPU's model name, for provenance."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "cpu":
        try:
            with Path("/proc/cpuinfo").open() as f:
                name = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
        except OSError:
            name = ""
        return name or "CPU"
    return ""
