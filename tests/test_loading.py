"""``--runtime auto`` decides by the hardware: torch on CUDA or a CPU with native bf16, else
llama.cpp when installed, else torch; an explicit runtime is taken as given."""

import pytest
import torch

from jumpcoder_lsp import loading
from jumpcoder_lsp.runtime import cpu
from jumpcoder_lsp.runtime import device as dev
from jumpcoder_lsp.runtime import llamacpp_runtime

AVX512_BF16 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n\n"
AVX2 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n\n"


@pytest.fixture
def machine(monkeypatch):
    def set_up(*, cuda: bool, cpuinfo: str, llama: bool):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(cpu, "read_cpuinfo", lambda: cpuinfo)
        monkeypatch.setattr(llamacpp_runtime, "llama_cpp_available",
                            lambda: (llama, "llama-cpp-python 0.3.36" if llama else "not installed"))

    return set_up


def test_auto_picks_torch_on_a_cuda_gpu(machine):
    machine(cuda=True, cpuinfo=AVX2, llama=True)
    assert loading.choose_runtime("auto") == ("torch", "auto: CUDA GPU found")


def test_auto_picks_torch_bf16_on_a_cpu_with_native_bf16(machine):
    machine(cuda=False, cpuinfo=AVX512_BF16, llama=True)
    kind, reason = loading.choose_runtime("auto")
    assert kind == "torch" and "avx512_bf16" in reason


def test_auto_picks_llamacpp_on_an_avx2_cpu_when_installed(machine):
    machine(cuda=False, cpuinfo=AVX2, llama=True)
    kind, reason = loading.choose_runtime("auto")
    assert kind == "llamacpp" and "0.3.36" in reason


def test_auto_falls_back_to_torch_without_llamacpp(machine):
    machine(cuda=False, cpuinfo=AVX2, llama=False)
    kind, reason = loading.choose_runtime("auto")
    assert kind == "torch" and "not installed" in reason


@pytest.mark.parametrize("kind", ["torch", "llamacpp"])
def test_an_explicit_runtime_is_taken_as_given(machine, kind):
    machine(cuda=True, cpuinfo=AVX512_BF16, llama=False)
    assert loading.choose_runtime(kind) == (kind, "requested")


def test_an_unknown_runtime_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown runtime 'onnx'"):
        loading.choose_runtime("onnx")


def test_kv_reuse_pie_runs_on_llamacpp_and_torch_and_falls_back_to_prefix_on_remote_with_a_warning():
    said = []
    say = lambda message, fraction=None: said.append(message)  # noqa: E731
    assert loading.kv_reuse_for("llamacpp", "pie", say) == "pie"
    assert loading.kv_reuse_for("llamacpp", "prefix", say) == "prefix"
    assert loading.kv_reuse_for("torch", "prefix", say) == "prefix" and not said
    assert loading.kv_reuse_for("torch", "pie", say) == "pie" and not said
    assert loading.kv_reuse_for("remote", "pie", say) == "prefix"
    assert len(said) == 1 and "pie" in said[0] and "llama.cpp and torch only" in said[0]
    assert said[0].startswith("warning")
    with pytest.raises(ValueError, match="kvReuse must be one of prefix, pie"):
        loading.kv_reuse_for("llamacpp", "suffix", say)


def test_load_model_pair_hands_kv_reuse_to_llamacpp(monkeypatch):
    from types import SimpleNamespace

    from jumpcoder_lsp.models import resolve

    got = {}
    resolved = SimpleNamespace(spec="x", fim="qwen", weights_key="k", gguf_path="x.gguf", stop_tokens=())
    monkeypatch.setattr(resolve, "resolve_model", lambda spec, say: resolved)
    monkeypatch.setattr(loading, "choose_runtime", lambda runtime: ("llamacpp", "test"))

    def fake_load(res, threads=None, progress=None, **kwargs):
        got.update(kwargs)
        return SimpleNamespace(description="fake")

    monkeypatch.setattr(llamacpp_runtime, "load_llamacpp", fake_load)
    loading.load_model_pair("x", runtime="llamacpp", kv_reuse="pie")
    assert got == {"kv_reuse": "pie"}


def test_load_model_pair_hands_kv_reuse_to_torch(monkeypatch):
    from types import SimpleNamespace

    from jumpcoder_lsp.models import resolve
    from jumpcoder_lsp.runtime import torch_runtime

    got = {}
    resolved = SimpleNamespace(spec="x", fim="qwen", weights_key="k", stop_tokens=(), preset=None,
                               hf_dir=lambda say: "hf")
    monkeypatch.setattr(resolve, "resolve_model", lambda spec, say: resolved)
    monkeypatch.setattr(loading, "choose_runtime", lambda runtime: ("torch", "test"))

    def fake_load(hf_dir, **kwargs):
        got.update(kwargs)
        return SimpleNamespace(description="fake")

    monkeypatch.setattr(torch_runtime.TorchRuntime, "load", staticmethod(fake_load))
    loading.load_model_pair("x", runtime="torch", kv_reuse="pie")
    assert got["kv_reuse"] == "pie"
