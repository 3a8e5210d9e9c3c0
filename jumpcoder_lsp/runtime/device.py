"""Device and dtype choice, detected (never assumed), with a reason a user can read.

* CUDA when ``torch.cuda.is_available()``: bfloat16 if the GPU supports it, else float16.
* CPU: bfloat16 only when the CPU has native bf16 instructions (``avx512_bf16`` or ``amx_bf16`` in
  /proc/cpuinfo); on CPUs with only AVX2, torch bf16 matmuls are emulated and were measured ~6x slower
  than float32, so float32 there.
* ``"float32"``, ``"bfloat16"``, ``"float16"`` (or ``fp32``/``bf16``/``fp16``) override the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch

from .cpu import CPU_BF16_FLAGS, cpu_bf16_flag, cpu_flags, physical_cores, read_cpuinfo  # noqa: F401 (re-exported)

_DTYPES = {
    "float32": torch.float32, "fp32": torch.float32, "float": torch.float32,
    "bfloat16": torch.bfloat16, "bf16": torch.bfloat16,
    "float16": torch.float16, "fp16": torch.float16, "half": torch.float16,
}


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
