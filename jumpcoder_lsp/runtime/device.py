"""Device and dtype choice, detected (never assumed), with a reason a user can read.

* CUDA when ``torch.cuda.is_available()``: bfloat16 if the GPU supports it, else float16.
* CPU: bfloat16 only when the CPU has native bf16 instructions (``avx512_bf16`` or ``amx_bf16`` in
  /proc/cpuinfo); on CPUs with only AVX2, torch bf16 matmuls are emulated and were measured ~6x slower
  than float32, so float32 there.
* ``"float32"``, ``"bfloat16"``, ``"float16"`` (or ``fp32``/``bf16``/``fp16``) override the choice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import torch

_DTYPES = {
    "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
    "float16": torch.float16, "fp16": torch.float16, "half": torch.float16,
}
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


def read_cpuinfo() -> str:
    """The text of /proc/cpuinfo ('' where there is none, e.g. macOS). Tests monkeypatch this."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def cpu_flags() -> set[str]:
    for line in read_cpuinfo().splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


def cpu_bf16_flag() -> Optional[str]:
    """The CPU flag that makes bf16 fast here (``amx_bf16`` or ``avx512_bf16``), or None."""
    flags = cpu_flags()
    for flag in CPU_BF16_FLAGS:
        if flag in flags:
            return flag
    return None


def physical_cores() -> int:
    """Physical cores this process may use (hyper-threads do not help matmuls)."""
    try:
        allowed = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        allowed = os.cpu_count() or 1
    cores: set[tuple[str, str]] = set()
    phys = core = None
    for line in read_cpuinfo().splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "physical id":
            phys = value.strip()
        elif key == "core id":
            core = value.strip()
        elif not line.strip():
            if core is not None:
                cores.add((phys or "0", core))
            phys = core = None
    if core is not None:
        cores.add((phys or "0", core))
    n = len(cores) if cores else allowed
    return max(1, min(n, allowed))


def pick_device(requested: str = "auto") -> str:
    """``"cuda"`` when available (or asked for), else ``"cpu"``."""
    req = (requested or "auto").strip().lower()
    if req == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if req == "cpu":
        return "cpu"
    if req == "cuda" or req.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ValueError(f"device {requested!r} requested but torch sees no CUDA device "
                             f"(torch {torch.__version__}); use --device cpu")
        return req
    raise ValueError(f"unknown device {requested!r}: use auto, cpu or cuda")


def parse_dtype(name: str) -> torch.dtype:
    try:
        return _DTYPES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}: use auto, float32, bfloat16 or float16") from None


def dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).replace("torch.", "")


def _choose_dtype(device: str, requested: str) -> tuple[torch.dtype, str]:
    req = (requested or "auto").strip().lower()
    if req != "auto":
        dtype = parse_dtype(req)
        note = "requested"
        if device == "cpu" and dtype == torch.bfloat16 and cpu_bf16_flag() is None:
            note = "requested; this CPU has no native bf16, float32 is likely faster"
        elif device == "cpu" and dtype == torch.float16:
            note = "requested; float16 is slow on most CPUs"
        return dtype, note
    if device.startswith("cuda"):
        if torch.cuda.is_bf16_supported():
            return torch.bfloat16, "GPU supports bf16"
        return torch.float16, "GPU lacks bf16"
    flag = cpu_bf16_flag()
    if flag is not None:
        return torch.bfloat16, f"CPU has {flag}"
    return torch.float32, "CPU has no avx512_bf16/amx_bf16"


def pick_dtype(device: str, requested: str = "auto") -> torch.dtype:
    return _choose_dtype(device, requested)[0]


@dataclass(frozen=True)
class DeviceChoice:
    device: str
    dtype: torch.dtype
    reason: str  # e.g. "cpu, bfloat16 (CPU has avx512_bf16)"

    @property
    def short(self) -> str:
        """e.g. "cpu bfloat16 (avx512_bf16)" for descriptions."""
        return self.reason.replace(",", "", 1).replace("CPU has ", "").replace("GPU supports ", "")


def pick(device: str = "auto", dtype: str = "auto") -> DeviceChoice:
    """Device and dtype together, with the reason shown to users."""
    dev = pick_device(device)
    dt, why = _choose_dtype(dev, dtype)
    return DeviceChoice(dev, dt, f"{dev}, {dtype_name(dt)} ({why})")
