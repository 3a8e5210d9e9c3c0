"""Device/dtype choice is detected: CUDA bf16/fp16, CPU bf16 only with native bf16, else fp32."""

import pytest
import torch

from jumpcoder_lsp.runtime import cpu
from jumpcoder_lsp.runtime import device as dev

AVX512_BF16 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n\n"
AMX = "processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_bf16 amx_tile\n\n"
AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n\n"


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    def with_cpuinfo(text):
        monkeypatch.setattr(cpu, "read_cpuinfo", lambda: text)

    return with_cpuinfo


def test_cpu_with_avx512_bf16_picks_bfloat16(cpu_only):
    cpu_only(AVX512_BF16)
    choice = dev.pick()
    assert (choice.device, choice.dtype) == ("cpu", torch.bfloat16)
    assert choice.reason == "cpu, bfloat16 (CPU has avx512_bf16)"
    assert choice.short == "cpu bfloat16 (avx512_bf16)"


def test_cpu_with_amx_picks_bfloat16(cpu_only):
    cpu_only(AMX)
    assert dev.pick_dtype("cpu") == torch.bfloat16
    assert "amx_bf16" in dev.pick().reason


def test_cpu_with_only_avx2_picks_float32(cpu_only):
    cpu_only(AVX2)
    assert dev.pick_device() == "cpu"
    assert dev.pick_dtype("cpu") == torch.float32
    assert dev.pick().reason.startswith("cpu, float32 (CPU has no")


def test_no_cpuinfo_picks_float32(cpu_only):
    cpu_only("")
    assert dev.pick_dtype("cpu") == torch.float32


def test_explicit_dtype_overrides(cpu_only):
    cpu_only(AVX2)
    assert dev.pick_dtype("cpu", "bfloat16") == torch.bfloat16
    assert "no native bf16" in dev.pick("cpu", "bf16").reason
    cpu_only(AVX512_BF16)
    assert dev.pick_dtype("cpu", "float32") == torch.float32
    assert dev.pick("cpu", "fp32").reason == "cpu, float32 (requested)"
    with pytest.raises(ValueError):
        dev.pick_dtype("cpu", "int3")


def test_cuda_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert dev.pick() == dev.DeviceChoice("cuda", torch.bfloat16, "cuda, bfloat16 (GPU supports bf16)")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert dev.pick_dtype("cuda") == torch.float16
    assert dev.pick_device("cpu") == "cpu"


def test_explicit_cuda_without_cuda_is_an_error(cpu_only):
    cpu_only(AVX2)
    with pytest.raises(ValueError, match="no CUDA"):
        dev.pick_device("cuda")
    with pytest.raises(ValueError):
        dev.pick_device("tpu")


def test_physical_cores_counts_cores_not_threads(monkeypatch):
    two_cores_four_threads = "".join(
        f"processor\t: {i}\nphysical id\t: 0\ncore id\t\t: {i // 2}\nflags\t\t: avx2\n\n" for i in range(4))
    monkeypatch.setattr(cpu, "read_cpuinfo", lambda: two_cores_four_threads)
    monkeypatch.setattr(cpu.os, "sched_getaffinity", lambda pid: set(range(4)), raising=False)
    assert cpu.physical_cores() == 2
    monkeypatch.setattr(cpu.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert cpu.physical_cores() == 1


def test_cpu_describe_names_the_model_and_the_flags_that_pick_the_runtime(monkeypatch):
    monkeypatch.setattr(cpu, "read_cpuinfo", lambda: "model name\t: Some Xeon\nflags\t\t: fpu sse avx2 avx512f avx512_bf16\n")
    assert cpu.describe() == "Some Xeon (avx2, avx512f, avx512_bf16)"
    monkeypatch.setattr(cpu, "read_cpuinfo", lambda: "")
    assert cpu.describe() == "unknown CPU (none of avx2, avx512f, avx512_bf16, amx_bf16)"
