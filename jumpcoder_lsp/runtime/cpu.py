"""What the CPU offers, read from /proc/cpuinfo (no torch import: the llama.cpp runtime and
``--runtime auto`` use this too). Tests monkeypatch :func:`read_cpuinfo`."""

from __future__ import annotations

import os
from typing import Optional

#: flags that make bf16 matmuls native (fast); without them torch emulates bf16
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


#: the flags that decide which runtime and dtype ``auto`` picks (and so whether two runs compare)
DESCRIBED_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_bf16")


def describe() -> str:
    """One line naming this CPU and the flags that matter here, e.g. ``AMD EPYC 9B14 (avx2,
    avx512f, avx512_bf16)``; results on real weights are recorded with it (the runs of one
    evaluation may come from machines of different kinds)."""
    name = ""
    for line in read_cpuinfo().splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "cpu model"):
            name = value.strip()
            break
    flags = cpu_flags()
    shown = [f for f in DESCRIBED_FLAGS if f in flags]
    return f"{name or 'unknown CPU'} ({', '.join(shown) or 'none of ' + ', '.join(DESCRIBED_FLAGS)})"


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
